"""Scoring formula of one page (docs/scoring.md): pure functions of its rule outcomes.

A page's scores are computed when it is judged (`massaudit.rules.judge.judge`) and stored with
it; sites and agencies aggregate the stored page scores (`massaudit.reports.scoring`).

The dimensions (ids, titles, categories, weights) are data: rules/data/scoring.toml, read and
checked once on import (`load_dimensions`, a one-line `CatalogueError` when it is wrong). Extension
point for new dimensions: add a [[dimension]] table there. Its page score is computed from the
rule outcomes of the rules whose catalogue category is in `Dimension.categories`; a page where
none of them applied has no score in that dimension (no credit). The `documents` dimension scores
as soon as judging records outcomes of rules of category "documents".

The letter grades are data too (the [[grade]] tables of scoring.toml, `load_grades`): a grade
needs a score and a share of pages with no critical or serious WCAG 2.1 A/AA failure, so a high
score never reads as a good grade while most pages fail the WCAG minimum (`grade`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from massaudit.rules.catalogue import CATEGORIES_FILE, Catalogue
from massaudit.rules.catalogue_parsing import parse_categories
from massaudit.rules.data_files import CatalogueError, is_number, load_toml

# Version 3: grades need a share of compliant pages as well as a score (scoring.toml [[grade]]).
SCORING_VERSION = "3"
BLOCKING_IMPACTS = ("critical", "serious")
# WCAG versions whose success criteria are "WCAG 2.1" (2.2-only SCs are not scored).
WCAG21_VERSIONS = ("2.0", "2.1")
EQUITY = "equity"
SCORING_FILE = "scoring.toml"
# Keys of a page's stored scores beside the dimensions; no dimension may take one of them.
_RESERVED_IDS = (EQUITY, "compliant", "review")
_DIMENSION_ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_DIMENSION_KEYS = {"id", "title", "categories", "weight", "wcag_only"}
_GRADE_KEYS = {"letter", "min_score", "min_compliant"}


@dataclass(frozen=True)
class Dimension:
    """One scored dimension: the rule categories it is computed from and its equity weight."""

    id: str
    title: str
    categories: tuple[str, ...]
    weight: float
    wcag_only: bool = False  # only rules testing a WCAG 2.1 A/AA success criterion count


def _tables(
    data: Mapping[str, Any], table: str, name_key: str, keys: set[str], source: str
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(where, entry) of each [[table]] of a data file: `where` names it in messages (by its
    `name_key`, else its position); an entry that is not a table or has an unknown key is refused."""
    for index, entry in enumerate(data.get(table) or ()):
        name = entry.get(name_key) if isinstance(entry, Mapping) else None
        where = f"{source}: {table} {name!r}" if name else f"{source}: {table} #{index}"
        if not isinstance(entry, Mapping):
            raise CatalogueError(f"{where}: must be a table")
        unknown = sorted(set(entry) - keys)
        if unknown:
            raise CatalogueError(f"{where}: unknown key {unknown[0]!r}")
        yield where, entry


def parse_dimensions(
    data: Mapping[str, Any], source: str, categories: Mapping[str, Any]
) -> tuple[Dimension, ...]:
    """scoring.toml's content -> dimensions, each checked against the catalogue's `categories`."""
    unknown = sorted(set(data) - {"dimension", "grade"})
    if unknown:
        raise CatalogueError(f"{source}: unknown key {unknown[0]!r}")
    dimensions: list[Dimension] = []
    claimed: dict[str, str] = {}
    for where, entry in _tables(data, "dimension", "id", _DIMENSION_KEYS, source):
        name = entry.get("id")
        if not isinstance(name, str) or not _DIMENSION_ID.fullmatch(name):
            raise CatalogueError(f"{where}: id must be lower-case words joined by '-'")
        if name in _RESERVED_IDS or any(d.id == name for d in dimensions):
            raise CatalogueError(f"{where}: id is already taken")
        if not isinstance(entry.get("title"), str) or not entry["title"].strip():
            raise CatalogueError(f"{where}: title must be a non-empty string")
        cats = entry.get("categories")
        if not isinstance(cats, list) or not cats or not all(isinstance(c, str) for c in cats):
            raise CatalogueError(f"{where}: categories must be a non-empty list of category ids")
        for category in cats:
            if category not in categories:
                raise CatalogueError(
                    f"{where}: unknown category {category!r} "
                    f"(known: {', '.join(sorted(categories))})"
                )
            if category in claimed:
                raise CatalogueError(
                    f"{where}: category {category!r} is already scored by {claimed[category]!r}"
                )
            claimed[category] = name
        weight = entry.get("weight")
        if not is_number(weight) or weight <= 0:
            raise CatalogueError(f"{where}: weight {weight!r} must be a number > 0")
        wcag_only = entry.get("wcag_only", False)
        if not isinstance(wcag_only, bool):
            raise CatalogueError(f"{where}: wcag_only must be true or false")
        dimensions.append(Dimension(name, entry["title"], tuple(cats), weight, wcag_only))
    if not any(d.id == "accessibility" for d in dimensions):
        raise CatalogueError(f"{source}: no dimension 'accessibility' (compliance is judged in it)")
    return tuple(dimensions)


@dataclass(frozen=True)
class Grade:
    """A letter grade: earned by a score of at least `min_score` where at least `min_compliant`
    percent of the tested pages have no critical or serious WCAG 2.1 A/AA failure."""

    letter: str
    min_score: float
    min_compliant: float


def parse_grades(data: Mapping[str, Any], source: str) -> tuple[Grade, ...]:
    """scoring.toml's [[grade]] tables -> grades, best first; the last one takes any score."""
    grades: list[Grade] = []
    for where, entry in _tables(data, "grade", "letter", _GRADE_KEYS, source):
        letter = entry.get("letter")
        if not isinstance(letter, str) or not re.fullmatch(r"[A-Z]", letter):
            raise CatalogueError(f"{where}: letter must be one capital letter")
        if any(g.letter == letter for g in grades):
            raise CatalogueError(f"{where}: letter is already taken")
        bounds = []
        for key in ("min_score", "min_compliant"):
            value = entry.get(key)
            if not is_number(value) or not 0 <= value <= 100:
                raise CatalogueError(f"{where}: {key} {value!r} must be a number from 0 to 100")
            if grades and value > getattr(grades[-1], key):
                raise CatalogueError(f"{where}: {key} must not be higher than the grade above's")
            bounds.append(value)
        grades.append(Grade(letter, *bounds))
    if not grades:
        raise CatalogueError(f"{source}: no [[grade]] table")
    if (grades[-1].min_score, grades[-1].min_compliant) != (0, 0):
        raise CatalogueError(
            f"{source}: grade {grades[-1].letter!r}: the last grade must take any score "
            "(min_score = 0, min_compliant = 0)"
        )
    return tuple(grades)


def load_dimensions(data_dir: Path | None = None) -> tuple[Dimension, ...]:
    """The dimensions of rules/data/scoring.toml (or `data_dir`'s), checked on load."""
    categories_data, categories_label = load_toml(CATEGORIES_FILE, data_dir)
    categories, _weights = parse_categories(categories_data, categories_label)
    data, label = load_toml(SCORING_FILE, data_dir)
    return parse_dimensions(data, label, categories)


def load_grades(data_dir: Path | None = None) -> tuple[Grade, ...]:
    """The letter grades of rules/data/scoring.toml (or `data_dir`'s), checked on load."""
    data, label = load_toml(SCORING_FILE, data_dir)
    return parse_grades(data, label)


DIMENSIONS: tuple[Dimension, ...] = load_dimensions()
DIMENSION_IDS = tuple(d.id for d in DIMENSIONS)
GRADES: tuple[Grade, ...] = load_grades()
# The scores whose grade needs compliant pages: the WCAG minimum is about accessibility, and the
# equity score includes it. Other dimensions (plain language, documents...) grade by score only.
COMPLIANCE_GRADED = (EQUITY, "accessibility")


def grade(value: float | None, compliant: float | bool | None = None) -> str | None:
    """The letter of a score: the best grade whose minimum score it reaches and, when
    `compliant` is known (the percent of tested pages with no critical or serious WCAG 2.1
    A/AA failure; True/False for one page), whose minimum share of compliant pages it reaches."""
    if value is None:
        return None
    if isinstance(compliant, bool):
        compliant = 100.0 if compliant else 0.0
    return next(
        g.letter
        for g in GRADES
        if value >= g.min_score and (compliant is None or compliant >= g.min_compliant)
    )


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


# Catalogue (by identity) -> its scored rules: rule id -> (dimension id, weight, whether a
# failure of it makes the page non-compliant). A run scores thousands of pages (and again for
# each "fix first" estimate) against one catalogue.
_SCORED_RULES: dict[int, tuple[Catalogue, dict[str, tuple[str, float, bool]]]] = {}


def _scored_rules(catalogue: Catalogue) -> dict[str, tuple[str, float, bool]]:
    cached = _SCORED_RULES.get(id(catalogue))
    if cached is not None and cached[0] is catalogue:
        return cached[1]
    scored: dict[str, tuple[str, float, bool]] = {}
    for rule_id, rule in catalogue.rules.items():
        dimension = _dimension_of(rule, catalogue)
        if dimension is not None:
            blocks = dimension.id == "accessibility" and rule.impact in BLOCKING_IMPACTS
            scored[rule_id] = (dimension.id, rule.weight, blocks)
    if len(_SCORED_RULES) > 16:  # catalogues built by tests; a run has one
        _SCORED_RULES.clear()
    _SCORED_RULES[id(catalogue)] = (catalogue, scored)
    return scored


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
    scored = _scored_rules(catalogue)
    for rule_id, outcome in rule_outcomes.items():
        entry = scored.get(rule_id)
        if entry is None:
            continue
        dimension_id, weight, blocks = entry
        if outcome == "pass":
            passed[dimension_id] += weight
        elif outcome == "fail":
            failed[dimension_id] += weight
            blocking += blocks
        elif outcome == "needs-review":
            review[dimension_id] += 1
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
