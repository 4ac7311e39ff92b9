"""The pinned axe-core engine, vendored from its npm release (see audits/vendor/axe-core)."""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from pathlib import Path

VENDOR_DIR = Path(__file__).parent / "vendor" / "axe-core"
AXE_VERSION = (VENDOR_DIR / "VERSION").read_text().strip()
# WCAG 2.1 A/AA plus best practices; target-size (WCAG 2.2) stays off here.
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice")


class AxeIntegrityError(RuntimeError):
    pass


@cache
def axe_source() -> str:
    """axe.min.js, checked against the SRI hash published with the pinned release."""
    data = (VENDOR_DIR / "axe.min.js").read_bytes()
    digest = "sha256-" + base64.b64encode(hashlib.sha256(data).digest()).decode()
    expected = (VENDOR_DIR / "SRI").read_text().strip()
    if digest != expected:
        raise AxeIntegrityError(
            f"{VENDOR_DIR / 'axe.min.js'} does not match axe-core {AXE_VERSION} ({digest}); "
            f"restore it with scripts/update_axe.py {AXE_VERSION}"
        )
    return data.decode("utf-8")
