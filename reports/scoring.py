"""Scores of sites and agencies (docs/scoring.md): aggregates of the stored page scores.

Page scores are computed by `massaudit.rules.scoring.page_scores` when a page is judged. Scores of
things that are not pages (e.g. a site's documents scored one by one) can be given to
`group_scores` as `extra={"documents": Score(...)}`; they replace the page-based value of that
dimension. A group's scores are computed from a `ScoreTally` of its pages; tallies add up, so the
scores of an agency built from its sites' tallies are the scores of all their pages.

Grades (rules/scoring.py `grade`) of the equity and accessibility scores of a group need a share
of compliant pages as well as a score: `Score.compliant` carries the group's share.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from massaudit.rules.catalogue import Catalogue
from massaudit.rules.scoring import (
    COMPLIANCE_GRADED,
    DIMENSION_IDS,
    DIMENSIONS,
    EQUITY,
    GRADES,
    SCORING_VERSION,
    Dimension,
    Grade,
    equity,
    grade,
    page_scores,
)

__all__ = [
    "DIMENSION_IDS",
    "DIMENSIONS",
    "EQUITY",
    "GRADES",
    "SCORING_VERSION",
    "Dimension",
    "Grade",
    "GroupScores",
    "Score",
    "ScoreTally",
    "aggregate",
    "compliance_rate",
    "compliance_status",
    "equity",
    "grade",
    "group_scores",
    "page_scores",
    "rescore_pages",
]


@dataclass(frozen=True)
class Score:
    """A 0–100 score with the page count behind it; `value` is None when nothing was scored.

    `compliant`: the group's share (0–100) of tested pages with no critical or serious WCAG 2.1
    A/AA failure, set on the scores whose grade needs it (rules/scoring.py `grade`)."""

    value: float | None
    pages_scored: int
    pages_total: int
    compliant: float | None = None

    @property
    def grade(self) -> str | None:
        return grade(self.value, self.compliant)

    @property
    def capped(self) -> bool:
        """The grade is lower than the score alone earns: too few pages are compliant."""
        return self.grade != grade(self.value)


def _mean(tenths: int, count: int) -> float | None:
    """Mean of page scores kept in tenths of a point (page scores have one decimal)."""
    return round(tenths / (10 * count), 1) if count else None


def _tenths(value: float) -> int:
    return round(value * 10)


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def aggregate(page_values: Iterable[float | None]) -> Score:
    """Mean over pages, so sites of any size compare; unscored pages are counted, not averaged."""
    values = list(page_values)
    scored = [v for v in values if v is not None]
    return Score(_mean(sum(map(_tenths, scored)), len(scored)), len(scored), len(values))


def compliance_rate(page_flags: Iterable[bool | None]) -> Score:
    """Share (0–100) of tested pages with no critical or serious WCAG A/AA failure."""
    flags = list(page_flags)
    tested = [f for f in flags if f is not None]
    return Score(_percent(sum(tested), len(tested)), len(tested), len(flags))


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

    def values(self) -> dict[str, float | None]:
        """Equity and every dimension's value (what score history keeps of a run)."""
        return {key: self.value(key) for key in (EQUITY, *DIMENSION_IDS)}


@dataclass
class ScoreTally:
    """What a group's scores are computed from: counts, and sums of page scores in tenths of a
    point, so tallies add up exactly and scores do not depend on the order of pages."""

    pages: int = 0  # pages of the group, tested or not
    tested: int = 0
    scored: int = 0  # tested pages with a score in some dimension
    tenths: dict[str, int] = field(default_factory=dict)  # dimension -> sum of page scores × 10
    counted: dict[str, int] = field(default_factory=dict)  # dimension -> pages with a score
    compliant: int = 0
    compliance_tested: int = 0  # pages where a WCAG rule applied (compliant True or False)
    review: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, pages: Iterable[Mapping[str, Any] | None]) -> ScoreTally:
        """The tally of stored page scores; None for a page that could not be tested."""
        tally = cls()
        for row in pages:
            tally.pages += 1
            if row is None:
                continue
            tally.tested += 1
            values = {dim: row.get(dim) for dim in DIMENSION_IDS}
            tally.scored += any(v is not None for v in values.values())
            for dim, value in values.items():
                if value is not None:
                    tally.tenths[dim] = tally.tenths.get(dim, 0) + _tenths(value)
                    tally.counted[dim] = tally.counted.get(dim, 0) + 1
            if row.get("compliant") is not None:
                tally.compliance_tested += 1
                tally.compliant += bool(row["compliant"])
            for dim, n in (row.get("review") or {}).items():
                tally.review[dim] = tally.review.get(dim, 0) + n
        return tally

    def __add__(self, other: ScoreTally) -> ScoreTally:
        def added(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
            return {k: a.get(k, 0) + b.get(k, 0) for k in a | b}

        return ScoreTally(
            pages=self.pages + other.pages,
            tested=self.tested + other.tested,
            scored=self.scored + other.scored,
            tenths=added(self.tenths, other.tenths),
            counted=added(self.counted, other.counted),
            compliant=self.compliant + other.compliant,
            compliance_tested=self.compliance_tested + other.compliance_tested,
            review=added(self.review, other.review),
        )

    def scores(self, extra: Mapping[str, Score] | None = None) -> GroupScores:
        """The group's scores (`group_scores`); `extra` replaces dimensions not scored by page."""
        share = 100 * self.compliant / self.compliance_tested if self.compliance_tested else None
        dimensions = {
            dim: Score(
                _mean(self.tenths.get(dim, 0), self.counted.get(dim, 0)),
                self.counted.get(dim, 0),
                self.pages,
                share if dim in COMPLIANCE_GRADED else None,
            )
            for dim in DIMENSION_IDS
        }
        dimensions.update(extra or {})
        compliance = Score(
            _percent(self.compliant, self.compliance_tested), self.compliance_tested, self.pages
        )
        value = equity({dim: s.value for dim, s in dimensions.items()})
        return GroupScores(
            dimensions=dimensions,
            equity=Score(value, self.scored, self.pages, share),
            compliance=compliance,
            status=compliance_status(compliance),
            review=dict(self.review),
            untested=self.pages - self.tested,
        )


def group_scores(
    pages: Iterable[Mapping[str, Any] | None],
    extra: Mapping[str, Score] | None = None,
) -> GroupScores:
    """Scores of a group of pages (a site; an agency = all pages of its sites, so each site weighs
    by its pages audited). `pages` are the stored page scores, None for a page not tested.

    Each dimension is the mean of the page scores in it; equity is the weighted mean of the
    group's dimension scores (so a dimension no page was scored in gives no credit).
    """
    return ScoreTally.of(pages).scores(extra)


def rescore_pages(rows: Iterable[Any], scoring_version: str, catalogue: Catalogue) -> None:
    """Pages of a run scored with an older formula get the current formula's scores, computed
    from their stored rule outcomes, in memory only: the store keeps what the run recorded.
    Pages that could not be tested keep no scores."""
    if scoring_version == SCORING_VERSION:
        return
    for row in rows:
        if not row.error:
            row.scores = page_scores(row.rule_outcomes or {}, catalogue)
