"""The baseline file of `massaudit check`: failures already known, which do not fail the gate.

A finding is identified by (page key, rule id, fingerprint); the baseline counts them, so the
same finding twice on a page is one in the baseline and one new. The file names the version of
its fingerprints (rules/fingerprint.py): fingerprints of another version never match, so such a
baseline is refused with a message instead of calling every known finding new."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from massaudit.pipeline.check.exit_codes import CheckUsageError
from massaudit.reports.ci import CheckedPage
from massaudit.reports.safe_output import dumps_json
from massaudit.rules.fingerprint import FINGERPRINT_VERSION

BASELINE_FORMAT = 1


def load_baseline(path: str) -> Counter[tuple[str, str, str]]:
    """(page key, rule id, fingerprint) -> how many such findings the baseline holds."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckUsageError(f"--baseline {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckUsageError(f"--baseline {path}: cannot read it ({exc})") from None
    except json.JSONDecodeError as exc:
        raise CheckUsageError(f"--baseline {path}: not JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != BASELINE_FORMAT:
        raise CheckUsageError(
            f"--baseline {path}: not a massaudit baseline (format {BASELINE_FORMAT}); "
            f"write one with --write-baseline"
        )
    version = data.get("fingerprint_version", 1)  # files without it were written by version 1
    if version != FINGERPRINT_VERSION:
        raise CheckUsageError(
            f"--baseline {path}: its fingerprints are version {version!r}, this massaudit's are "
            f"version {FINGERPRINT_VERSION}; write it again with --write-baseline"
        )
    findings = data.get("findings")
    if not isinstance(findings, list):
        raise CheckUsageError(f"--baseline {path}: findings must be a list")
    counts: Counter[tuple[str, str, str]] = Counter()
    for index, entry in enumerate(findings):
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), str) for k in ("page", "rule", "fingerprint")
        ):
            raise CheckUsageError(
                f"--baseline {path}: findings[{index}] needs string page, rule and fingerprint"
            )
        counts[(entry["page"], entry["rule"], entry["fingerprint"])] += 1
    return counts


def baseline_data(
    pages: list[CheckedPage], catalogue_version: str, tool_version: str = ""
) -> dict[str, Any]:
    findings = [
        {
            "page": page.key,
            "rule": item.finding.rule_id,
            "fingerprint": item.fingerprint,
            "impact": item.finding.impact,
            "selector": item.finding.selector,
        }
        for page in pages
        for item in page.findings
        if item.status in ("new", "baselined")
    ]
    return {
        "format": BASELINE_FORMAT,
        "fingerprint_version": FINGERPRINT_VERSION,
        "tool": f"massaudit {tool_version}".rstrip(),
        "catalogue": catalogue_version,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "findings": findings,
    }


def write_baseline(
    path: str, pages: list[CheckedPage], catalogue_version: str, tool_version: str
) -> None:
    data = baseline_data(pages, catalogue_version, tool_version)
    Path(path).write_text(dumps_json(data) + "\n", encoding="utf-8")
