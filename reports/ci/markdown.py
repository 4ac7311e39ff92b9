"""The Markdown report, for PR comments and $GITHUB_STEP_SUMMARY: a summary table per page and
the new failures. Everything from a page or a file name is shown as text, never as markup."""

from __future__ import annotations

from massaudit.reports.ci.model import CheckReport
from massaudit.reports.ci.wording import help_url, rule_title, summary_line
from massaudit.reports.safe_output import markdown_text, xml_text


def render(report: CheckReport) -> str:
    icon = {"passed": "✅", "failed": "❌", "could not check": "⚠️"}[report.verdict]
    lines = [
        f"## {icon} massaudit check: {report.verdict}",
        "",
        markdown_text(summary_line(report)),
        "",
        "| page | over the gate | new | baselined | suppressed | to review |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for page in report.pages:
        if page.error:
            lines.append(
                f"| {markdown_text(page.key)} | not checked: {markdown_text(page.error)} | | | | |"
            )
            continue
        lines.append(
            f"| {markdown_text(page.key)} | {len(page.blocking)} | {page.count('new')} | "
            f"{page.count('baselined')} | {page.count('suppressed')} | {page.count('review')} |"
        )
    new = [(p, i) for p in report.pages for i in p.findings if i.status == "new"]
    if new:
        lines += ["", "### New failures", ""]
        lines += [
            "| | impact | rule | element | where |",
            "|---|---|---|---|---|",
        ]
        for page, item in new:
            f = item.finding
            rule = f.rule_id
            url = help_url(report, rule)
            rule_cell = f"[{rule}]({url})" if url else rule
            where = page.source or page.key
            if item.line:
                where += f":{item.line}"
            lines.append(
                f"| {'❌' if item.blocking else '⚠️'} | {f.impact or '-'} | {rule_cell}: "
                f"{markdown_text(rule_title(report, rule))} | `{_code(f.selector)}` | "
                f"{markdown_text(where)} |"
            )
    review = sum(p.count("review") for p in report.pages)
    if review:
        lines += ["", f"{review} items need a human review (see the JSON or SARIF report)."]
    return "\n".join(lines) + "\n"


def _code(text: str) -> str:
    """Inside a code span nothing is markup; only the table's `|` and the span's end matter."""
    text = xml_text(text or "").replace("\r", " ").replace("\n", " ")
    return text.replace("|", "\\|").replace("`", "'")
