"""The JSON report: every page and finding with its status, safe to inline in HTML."""

from __future__ import annotations

from typing import Any

from massaudit.reports.ci.model import CheckReport
from massaudit.reports.ci.wording import help_url
from massaudit.reports.safe_output import dumps_json


def render(report: CheckReport) -> str:
    data: dict[str, Any] = {
        "format": 1,
        "tool": {
            "name": "massaudit",
            "version": report.tool_version,
            "axe_core": report.axe_version,
            "catalogue": report.catalogue_version,
        },
        "result": report.verdict,
        "exit_code": report.exit_code,
        "gate": {
            "fail_on": report.fail_on,
            "max_failures": dict(sorted(report.max_failures.items())),
            "baseline": report.baseline,
        },
        "totals": dict(sorted(report.totals().items())),
        "seconds": round(report.seconds, 2),
        "pages": [
            {
                "key": page.key,
                "url": page.url,
                "kind": page.kind,
                "source": page.source,
                "status": page.status,
                "title": page.title,
                "error": page.error,
                "seconds": round(page.seconds, 2),
                "rule_outcomes": page.rule_outcomes,
                "findings": [
                    {
                        **item.finding.to_dict(),
                        "fingerprint": item.fingerprint,
                        "status": item.status,
                        "blocking": item.blocking,
                        "line": item.line,
                        "note": item.note,
                        "help_url": help_url(report, item.finding.rule_id),
                    }
                    for item in page.findings
                ],
            }
            for page in report.pages
        ],
    }
    return dumps_json(data) + "\n"
