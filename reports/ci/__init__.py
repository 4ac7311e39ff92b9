"""Reports of `massaudit check` for CI: one module per format (text, json, junit, sarif,
markdown), each a pure `render(report) -> str`, behind one `render(report, fmt)`.

To add a format: a module here with `render(report: CheckReport) -> str`, named in _RENDERERS
(FORMATS follows). Escaping for each file type is shared in reports/safe_output.py.
"""

from __future__ import annotations

from collections.abc import Callable

from massaudit.reports.ci import json, junit, markdown, sarif, text
from massaudit.reports.ci.model import CheckedFinding, CheckedPage, CheckReport

__all__ = ["FORMATS", "CheckReport", "CheckedFinding", "CheckedPage", "render"]

_RENDERERS: dict[str, Callable[[CheckReport], str]] = {
    "text": text.render,
    "json": json.render,
    "junit": junit.render,
    "sarif": sarif.render,
    "markdown": markdown.render,
}
FORMATS = tuple(_RENDERERS)


def render(report: CheckReport, fmt: str) -> str:
    """The report in one of FORMATS."""
    return _RENDERERS[fmt](report)
