"""Scoring formula v1: see docs/scoring.md. Pure functions over rule outcomes and the catalogue."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rules.catalogue import Catalogue

SCORING_VERSION = "1"
GRADE_BANDS: tuple[tuple[float, str], ...] = ((90, "A"), (80, "B"), (70, "C"), (60, "D"), (0, "F"))
BLOCKING_IMPACTS = ("critical", "serious")


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


def page_scores(rule_outcomes: Mapping[str, str], catalogue: Catalogue) -> dict[str, Any]:
    """Scores of one page from its rule outcomes.

    accessibility: weighted share of applicable WCAG A/AA rules that pass. Rules that did not
    apply, need review, or are best practices without a success criterion earn no credit and
    cost nothing. `compliant`: no critical or serious WCAG A/AA failure.
    """
    passed = failed = 0.0
    blocking = 0
    for rule_id, outcome in rule_outcomes.items():
        rule = catalogue.rules.get(rule_id)
        if rule is None or not rule.wcag or rule.category != "accessibility":
            continue
        if outcome == "pass":
            passed += rule.weight
        elif outcome == "fail":
            failed += rule.weight
            if rule.impact in BLOCKING_IMPACTS:
                blocking += 1
    applicable = passed + failed
    if applicable == 0:
        return {"accessibility": None, "compliant": None}
    return {
        "accessibility": round(100 * passed / applicable, 1),
        "compliant": blocking == 0,
    }


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
