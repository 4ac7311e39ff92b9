"""The gate of `massaudit check`: each finding's status (suppressed, baselined, new, review),
whether it blocks (`--fail-on`, `--max-failures`), and the exit code."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from massaudit.pipeline.check.exit_codes import EXIT_CANNOT_RUN, EXIT_FAILED, EXIT_OK
from massaudit.pipeline.check.suppressions import CheckConfig
from massaudit.reports.ci import CheckedFinding, CheckedPage
from massaudit.rules.catalogue import Catalogue
from massaudit.rules.model import IMPACTS


def impact_rank(impact: str | None) -> int:
    """0 for critical .. 3 for minor; 4 for none."""
    return IMPACTS.index(impact) if impact in IMPACTS else len(IMPACTS)


def apply_gate(
    pages: list[CheckedPage],
    catalogue: Catalogue,
    config: CheckConfig,
    baseline: Counter[tuple[str, str, str]],
    fail_on: str,
    max_failures: dict[str, int],
) -> None:
    """Set each finding's status (suppressed, baselined, new, review) and whether it blocks."""
    remaining = Counter(baseline)
    for page in pages:
        updated = []
        for item in page.findings:
            f = item.finding
            suppression = config.suppression_for(f.rule_id, f.selector, item.fingerprint, page.key)
            if suppression is not None:
                note = f"{suppression.where}: {suppression.reason}".rstrip(": ")
                updated.append(replace(item, status="suppressed", note=note))
            elif item.status == "new" and remaining[(page.key, f.rule_id, item.fingerprint)] > 0:
                remaining[(page.key, f.rule_id, item.fingerprint)] -= 1
                updated.append(replace(item, status="baselined"))
            else:
                updated.append(item)
        page.findings = updated
    limit = impact_rank(fail_on)
    new_per_category: Counter[str] = Counter(
        i.finding.category for p in pages for i in p.findings if i.status == "new"
    )
    for page in pages:
        page.findings = [
            replace(item, blocking=_blocks(item, limit, max_failures, new_per_category))
            for item in page.findings
        ]


def _blocks(
    item: CheckedFinding, limit: int, max_failures: dict[str, int], per_category: Counter[str]
) -> bool:
    if item.status != "new":
        return False
    category = item.finding.category
    if category in max_failures:
        return per_category[category] > max_failures[category]
    return impact_rank(item.finding.impact) <= limit


def exit_code(pages: list[CheckedPage], writing_baseline: bool) -> int:
    """3 when a page could not be checked; else 0 when writing a baseline; else 1 when a finding
    is over the gate."""
    if any(page.error for page in pages):
        return EXIT_CANNOT_RUN
    if writing_baseline:
        return EXIT_OK
    return EXIT_FAILED if any(page.blocking for page in pages) else EXIT_OK
