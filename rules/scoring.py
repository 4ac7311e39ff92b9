"""Scoring formula of one page (docs/scoring.md): pure functions of its rule outcomes.

A page's scores are computed when it is judged (`massaudit.rules.judge.judge`) and stored with
it; sites and agencies aggregate the stored page scores (`massaudit.reports.scoring`).

Extension point for new dimensions: add a `Dimension` to `DIMENSIONS`. Its page score is computed
from the rule outcomes of the rules whose catalogue category is in `Dimension.categories`; a page
where none of them applied has no score in that dimension (no credit). The `documents` dimension
scores as soon as judging records outcomes of rules of category "documents".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from massaudit.rules.catalogue import Catalogue

SCORING_VERSION = "2"
BLOCKING_IMPACTS = ("critical", "serious")
# WCAG versions whose success criteria are "WCAG 2.1" (2.2-only SCs are not scored).
WCAG21_VERSIONS = ("2.0", "2.1")
EQUITY = "equity"


@dataclass(frozen=True)
class Dimension:
    """One scored dimension: the rule categories it is computed from and its equity weight."""

    id: str
    title: str
    categories: tuple[str, ...]
    weight: float
    wcag_only: bool = False  # only rules testing a WCAG 2.1 A/AA success criterion count


DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("accessibility", "Accessibility (WCAG 2.1 A/AA)", ("accessibility",), 40, True),
    Dimension("plain-language", "Plain language", ("plain-language",), 15),
    Dimension("language-access", "Language access", ("language-access",), 15),
    Dimension("mobile-bandwidth", "Mobile and bandwidth", ("mobile-bandwidth",), 15),
    Dimension("digital-service", "Digital-service basics", ("digital-service",), 15),
    Dimension("documents", "Documents", ("documents",), 15),
)
DIMENSION_IDS = tuple(d.id for d in DIMENSIONS)


def _dimension_of(rule: Any, catalogue: Catalogue) -> Dimension | None:
    for dimension in DIMENSIONS:
        if rule.category in dimension.categories:
            if dimension.wcag_only and not _is_wcag21_aa(rule, catalogue):
                return None
            return dimension
    return None


def _is_wcag21_aa(rule: Any, catalogue: Catalogue) -> bool:
    if not rule.wcag or rule.level not in ("A", "AA"):
        return False
    versions = {catalogue.criteria[sc].version for sc in rule.wcag if sc in catalogue.criteria}
    return bool(versions) and versions <= set(WCAG21_VERSIONS)


def page_scores(rule_outcomes: Mapping[str, str], catalogue: Catalogue) -> dict[str, Any]:
    """Scores of one page from its rule outcomes (docs/scoring.md).

    Per dimension: 100 × weight of passing rules / weight of passing and failing rules, over the
    dimension's rules that applied. Inapplicable rules earn no credit and cost nothing;
    needs-review rules are counted apart (`review`). `equity`: the dimensions' weighted mean over
    the dimensions the page has a score in. `compliant`: no critical or serious WCAG 2.1 A/AA
    failure (None when no such rule applied).
    """
    passed = dict.fromkeys(DIMENSION_IDS, 0.0)
    failed = dict.fromkeys(DIMENSION_IDS, 0.0)
    review = dict.fromkeys(DIMENSION_IDS, 0)
    blocking = 0
    for rule_id, outcome in rule_outcomes.items():
        rule = catalogue.rules.get(rule_id)
        dimension = _dimension_of(rule, catalogue) if rule is not None else None
        if dimension is None:
            continue
        if outcome == "pass":
            passed[dimension.id] += rule.weight
        elif outcome == "fail":
            failed[dimension.id] += rule.weight
            if dimension.id == "accessibility" and rule.impact in BLOCKING_IMPACTS:
                blocking += 1
        elif outcome == "needs-review":
            review[dimension.id] += 1
    scores: dict[str, Any] = {}
    for dim in DIMENSION_IDS:
        applicable = passed[dim] + failed[dim]
        scores[dim] = round(100 * passed[dim] / applicable, 1) if applicable else None
    scores[EQUITY] = equity(scores)
    scores["compliant"] = None if scores["accessibility"] is None else blocking == 0
    scores["review"] = {dim: n for dim, n in review.items() if n}
    return scores


def equity(dimension_values: Mapping[str, float | None]) -> float | None:
    """Weighted mean of the dimension scores that exist (no credit for dimensions not scored)."""
    total = weights = 0.0
    for dimension in DIMENSIONS:
        value = dimension_values.get(dimension.id)
        if value is not None:
            total += dimension.weight * value
            weights += dimension.weight
    return round(total / weights, 1) if weights else None
