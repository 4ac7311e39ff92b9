"""Findings of `massaudit check` on a page, as the check command's gate and the CI report formats
see them (tests/pipeline/check/ and tests/reports/ci/)."""

from __future__ import annotations

from massaudit.reports.ci import CheckedFinding, CheckedPage
from massaudit.rules.fingerprint import fingerprint
from massaudit.rules.model import Finding


def checked_page(key, *findings):
    items = [
        CheckedFinding(
            finding=f,
            fingerprint=fingerprint(f.rule_id, f.selector, f.html),
            status="review" if f.outcome == "needs-review" else "new",
        )
        for f in findings
    ]
    return CheckedPage(
        key=key, url=f"http://127.0.0.1/{key}", kind="file", source=key, findings=items
    )


SERIOUS = Finding(
    "color-contrast", "accessibility", "fail", "serious", "p.x", "<p class=x>", ("1.4.3",)
)


MINOR = Finding("sentence-length", "plain-language", "fail", "minor", "html", "", ())


REVIEW = Finding("color-contrast", "accessibility", "needs-review", "serious", "p.y", "<p>", ())


CRITICAL = Finding(
    "image-alt", "accessibility", "fail", "critical", "img", "<img src=a>", ("1.1.1",)
)
