"""The compliance matrix: every WCAG 2.1 A/AA success criterion of a group of pages, with
what the automated checks found for it."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from massaudit.reports.issues import IssueView
from massaudit.rules.catalogue import Catalogue, SuccessCriterion
from massaudit.rules.scoring import WCAG21_VERSIONS

if TYPE_CHECKING:
    from massaudit.reports.views import PageView

# What each compliance-matrix status means (docs/scoring.md, "Compliance matrix").
MATRIX_STATUS_TEXT = {
    "fail": "Failing",
    "review": "Needs review",
    "pass": "Passing automated checks",
    "not-applied": "No automated check applied",
    "manual": "Not testable automatically",
}


@dataclass
class MatrixRow:
    sc: SuccessCriterion
    status: str  # fail, review, pass, not-applied, manual (MATRIX_STATUS_TEXT)
    fail_pages: int = 0
    review_pages: int = 0
    pass_pages: int = 0
    rules: list[str] = field(default_factory=list)
    issues: list[IssueView] = field(default_factory=list)


def _wcag21_criteria(catalogue: Catalogue) -> list[SuccessCriterion]:
    return sorted(
        (
            sc
            for sc in catalogue.criteria.values()
            if sc.level in ("A", "AA") and sc.version in WCAG21_VERSIONS
        ),
        key=lambda sc: sc.sort_key,
    )


def compliance_matrix(
    pages: list[PageView], issues: list[IssueView], catalogue: Catalogue
) -> list[MatrixRow]:
    """Each WCAG 2.1 A/AA success criterion for a set of pages: failing (pages, issues),
    needing review, passing where automated checks applied, no automated check applied here,
    or not testable automatically (no rule in the catalogue tests it)."""
    rules_by_sc: dict[str, list[str]] = defaultdict(list)
    sc_by_rule: dict[str, tuple[str, ...]] = {}
    for rule in catalogue.rules.values():
        if rule.wcag:
            sc_by_rule[rule.id] = rule.wcag
            for number in rule.wcag:
                rules_by_sc[number].append(rule.id)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for page in pages:
        if page.row.error:
            continue
        worst: dict[str, str] = {}
        for rule_id, outcome in (page.row.rule_outcomes or {}).items():
            for number in sc_by_rule.get(rule_id, ()):
                worst[number] = _worse(worst.get(number), outcome)
        for number, outcome in worst.items():
            counts[number][outcome] += 1
    issues_by_sc: dict[str, list[IssueView]] = defaultdict(list)
    for issue in issues:
        for number in issue.wcag:
            issues_by_sc[number].append(issue)
    rows = []
    for sc in _wcag21_criteria(catalogue):
        c = counts.get(sc.number, Counter())
        if c["fail"]:
            status = "fail"
        elif c["needs-review"]:
            status = "review"
        elif c["pass"]:
            status = "pass"
        elif rules_by_sc.get(sc.number):
            status = "not-applied"
        else:
            status = "manual"
        rows.append(
            MatrixRow(
                sc=sc,
                status=status,
                fail_pages=c["fail"],
                review_pages=c["needs-review"],
                pass_pages=c["pass"],
                rules=sorted(rules_by_sc.get(sc.number, [])),
                issues=issues_by_sc.get(sc.number, []),
            )
        )
    return rows


_OUTCOME_RANK = {"fail": 0, "needs-review": 1, "pass": 2, "inapplicable": 3}


def _worse(a: str | None, b: str) -> str:
    if a is None:
        return b
    return a if _OUTCOME_RANK.get(a, 9) <= _OUTCOME_RANK.get(b, 9) else b
