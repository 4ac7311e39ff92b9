"""Wording the CI formats share: the one-line summary, a rule's title and help link, a
message's first informative line."""

from __future__ import annotations

from massaudit.reports.ci.model import CheckReport

_SUMMARY_HEADS = ("fix any of the following:", "fix all of the following:")


def first_line(text: str) -> str:
    """The first informative line of a message (axe's "Fix any of the following:" is skipped)."""
    for line in (text or "").splitlines():
        line = line.strip()
        if line and line.lower() not in _SUMMARY_HEADS:
            return line
    return ""


def summary_line(report: CheckReport) -> str:
    totals = report.totals()
    pages = len(report.pages)
    head = {
        "passed": "PASSED",
        "failed": "FAILED",
        "could not check": "COULD NOT CHECK",
    }[report.verdict]
    parts = [
        f"{totals['blocking']} over the gate",
        f"{totals['new']} new failures",
        f"{totals['baselined']} in the baseline",
        f"{totals['suppressed']} suppressed",
        f"{totals['review']} to review",
    ]
    if totals["errors"]:
        parts.append(f"{totals['errors']} not checked")
    gate = f"fail on {report.fail_on} or worse"
    if report.max_failures:
        gate += ", " + ", ".join(f"{k} at most {v}" for k, v in sorted(report.max_failures.items()))
    return (
        f"massaudit check {head}: {pages} {'page' if pages == 1 else 'pages'}; "
        f"{'; '.join(parts)} ({gate}; {report.seconds:.1f} s)"
    )


def rule_title(report: CheckReport, rule_id: str) -> str:
    rule = report.rules.get(rule_id)
    return rule.title if rule else rule_id


def help_url(report: CheckReport, rule_id: str) -> str:
    rule = report.rules.get(rule_id)
    return rule.help_url if rule else ""
