"""Scoring formula v2: see docs/scoring.md. Pure functions over rule outcomes and the catalogue.

A page's scores are computed once when it is judged (`page_scores`, stored in `pages.scores`);
sites and agencies aggregate stored page scores (`group_scores`).

Extension point for new dimensions: add a `Dimension` to `DIMENSIONS`. Its page score is computed
from the rule outcomes of the rules whose catalogue category is in `Dimension.categories`; a page
where none of them applied has no score in that dimension (no credit), and a group's equity score
only averages dimensions that have a score. The `documents` dimension is already declared: it
scores as soon as judging records outcomes of rules of category "documents". Scores of things
that are not pages (e.g. a site's documents scored one by one) can be given to `group_scores` as
`extra={"documents": Score(...)}`; they replace the page-based value of that dimension.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from massaudit.rules.catalogue import Catalogue

SCORING_VERSION = "2"
GRADE_BANDS: tuple[tuple[float, str], ...] = ((90, "A"), (80, "B"), (70, "C"), (60, "D"), (0, "F"))
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


@dataclass(frozen=True)
class Score:
    """A 0–100 score with the page count behind it; `value` is None when nothing was scored."""

    value: float | None
    pages_scored: int
    pages_total: int

    @property
    def grade(self) -> str | None:
        return grade(self.value)


def grade(value: float | None) -> str | None:
    if value is None:
        return None
    return next(letter for floor, letter in GRADE_BANDS if value >= floor)


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


def aggregate(page_values: Iterable[float | None]) -> Score:
    """Mean over pages, so sites of any size compare; unscored pages are counted, not averaged."""
    values = list(page_values)
    scored = [v for v in values if v is not None]
    mean = round(sum(scored) / len(scored), 1) if scored else None
    return Score(mean, len(scored), len(values))


def compliance_rate(page_flags: Iterable[bool | None]) -> Score:
    """Share (0–100) of tested pages with no critical or serious WCAG A/AA failure."""
    flags = list(page_flags)
    tested = [f for f in flags if f is not None]
    rate = round(100 * sum(tested) / len(tested), 1) if tested else None
    return Score(rate, len(tested), len(flags))


COMPLIANCE_STATUS_TEXT = {
    "compliant": "No critical or serious WCAG 2.1 A/AA failure found on any page tested",
    "partly": "Some pages tested have critical or serious WCAG 2.1 A/AA failures",
    "not-compliant": "Every page tested has a critical or serious WCAG 2.1 A/AA failure",
    "not-tested": "No page could be tested",
}


def compliance_status(rate: Score) -> str:
    """`compliant` (every tested page), `partly`, `not-compliant` (no page) or `not-tested`."""
    if rate.value is None:
        return "not-tested"
    if rate.value >= 100:
        return "compliant"
    return "not-compliant" if rate.value <= 0 else "partly"


@dataclass(frozen=True)
class GroupScores:
    """A site's or an agency's scores: per dimension, equity, compliance, review and untested."""

    dimensions: dict[str, Score]
    equity: Score
    compliance: Score
    status: str
    review: dict[str, int] = field(default_factory=dict)  # dimension -> page×rule items
    untested: int = 0

    def value(self, key: str) -> float | None:
        if key == EQUITY:
            return self.equity.value
        score = self.dimensions.get(key)
        return score.value if score else None


def group_scores(
    pages: Iterable[Mapping[str, Any] | None],
    extra: Mapping[str, Score] | None = None,
) -> GroupScores:
    """Scores of a group of pages (a site; an agency = all pages of its sites, so each site weighs
    by its pages audited). `pages` are the stored page scores, None for a page not tested.

    Each dimension is the mean of the page scores in it; equity is the weighted mean of the
    group's dimension scores (so a dimension no page was scored in gives no credit).
    """
    rows = list(pages)
    tested = [r for r in rows if r is not None]
    dimensions = {dim: aggregate(r.get(dim) for r in tested) for dim in DIMENSION_IDS}
    dimensions = {dim: Score(s.value, s.pages_scored, len(rows)) for dim, s in dimensions.items()}
    dimensions.update(extra or {})
    value = equity({dim: s.value for dim, s in dimensions.items()})
    scored = sum(1 for r in tested if any(r.get(dim) is not None for dim in DIMENSION_IDS))
    compliance = compliance_rate(r.get("compliant") for r in tested)
    compliance = Score(compliance.value, compliance.pages_scored, len(rows))
    review: dict[str, int] = {}
    for r in tested:
        for dim, n in (r.get("review") or {}).items():
            review[dim] = review.get(dim, 0) + n
    return GroupScores(
        dimensions=dimensions,
        equity=Score(value, scored, len(rows)),
        compliance=compliance,
        status=compliance_status(compliance),
        review=review,
        untested=len(rows) - len(tested),
    )
