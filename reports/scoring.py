"""Scores of sites and agencies (docs/scoring.md): aggregates of the stored page scores.

Page scores are computed by `massaudit.rules.scoring.page_scores` when a page is judged. Scores of
things that are not pages (e.g. a site's documents scored one by one) can be given to
`group_scores` as `extra={"documents": Score(...)}`; they replace the page-based value of that
dimension.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from massaudit.rules.scoring import (
    DIMENSION_IDS,
    DIMENSIONS,
    EQUITY,
    SCORING_VERSION,
    Dimension,
    equity,
    page_scores,
)

__all__ = [
    "DIMENSION_IDS",
    "DIMENSIONS",
    "EQUITY",
    "SCORING_VERSION",
    "Dimension",
    "GroupScores",
    "Score",
    "aggregate",
    "compliance_rate",
    "compliance_status",
    "equity",
    "grade",
    "group_scores",
    "page_scores",
]

GRADE_BANDS: tuple[tuple[float, str], ...] = ((90, "A"), (80, "B"), (70, "C"), (60, "D"), (0, "F"))


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
