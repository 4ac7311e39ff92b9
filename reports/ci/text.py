"""The text report: one line per page, each new failure with where it is, and the summary."""

from __future__ import annotations

from massaudit.reports.ci.model import CheckReport
from massaudit.reports.ci.wording import first_line, rule_title, summary_line


def render(report: CheckReport) -> str:
    lines: list[str] = []
    for page in report.pages:
        where = page.source or page.url
        if page.error:
            lines.append(f"{page.key}: NOT CHECKED: {page.error}")
            continue
        lines.append(
            f"{page.key}: {len(page.blocking)} over the gate, {page.count('new')} new, "
            f"{page.count('baselined')} baselined, {page.count('suppressed')} suppressed, "
            f"{page.count('review')} to review"
        )
        for item in page.findings:
            if item.status != "new":
                continue
            f = item.finding
            mark = "FAIL" if item.blocking else "warn"
            loc = f"{where}:{item.line}" if item.line else where
            lines.append(
                f"  {mark} {f.impact or '-'} {f.rule_id} {f.selector}  [{item.fingerprint}]"
            )
            lines.append(f"       {loc}: {first_line(rule_title(report, f.rule_id))}")
            detail = first_line(f.message)
            if detail:
                lines.append(f"       {detail}")
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"
