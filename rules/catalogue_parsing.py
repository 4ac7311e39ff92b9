"""Parsing the catalogue's data files, each entry checked as it is read (CatalogueError).

`validate_catalogue` (rules/catalogue_validation.py) then checks the parsed rules together.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from massaudit.rules.axe_adapter import rule_from_axe
from massaudit.rules.catalogue_records import (
    LEVELS,
    WCAG_VERSIONS,
    Category,
    SuccessCriterion,
    sc_sort_key,
)
from massaudit.rules.data_files import CatalogueError, is_number
from massaudit.rules.model import IMPACTS, Rule

_RULE_ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_MASSAUDIT_KEYS = {
    "id",
    "title",
    "description",
    "why",
    "how_to_fix",
    "category",
    "impact",
    "weight",
    "wcag",
    "level",
    "help_url",
}
_MASSAUDIT_REQUIRED = ("id", "title", "description", "why", "how_to_fix", "category", "impact")

SC_NUMBER = re.compile(r"\d\.\d\.\d+")


def parse_criteria(data: Mapping[str, Any], source: str) -> dict[str, SuccessCriterion]:
    """wcag.toml's content -> {number: SuccessCriterion}, checking each entry."""
    base = data.get("understanding_base", "")
    criteria: dict[str, SuccessCriterion] = {}
    for entry in data.get("criteria") or ():
        number = str(entry.get("number", ""))
        where = f"{source}: SC {number or '?'}"
        if not SC_NUMBER.fullmatch(number):
            raise CatalogueError(f"{where}: number must look like 1.4.10")
        if number in criteria:
            raise CatalogueError(f"{where}: listed twice")
        if entry.get("level") not in LEVELS:
            raise CatalogueError(f"{where}: level {entry.get('level')!r} is not one of {LEVELS}")
        if entry.get("version") not in WCAG_VERSIONS:
            raise CatalogueError(f"{where}: version {entry.get('version')!r} is not one of 2.0-2.2")
        removed = entry.get("removed")
        if removed is not None and removed not in WCAG_VERSIONS:
            raise CatalogueError(f"{where}: removed {removed!r} is not one of 2.0-2.2")
        if not entry.get("title"):
            raise CatalogueError(f"{where}: no title")
        criteria[number] = SuccessCriterion(
            number=number,
            title=entry["title"],
            level=entry["level"],
            version=entry["version"],
            slug=entry.get("slug", ""),
            removed=removed,
            understanding_base=base,
        )
    if not criteria:
        raise CatalogueError(f"{source}: no success criteria")
    return criteria


def parse_categories(
    data: Mapping[str, Any], source: str
) -> tuple[dict[str, Category], dict[str, float]]:
    """categories.toml's content -> ({id: Category}, {impact: default weight})."""
    weights = dict(data.get("impact_weights") or {})
    for impact in IMPACTS:
        if impact not in weights:
            raise CatalogueError(f"{source}: impact_weights has no weight for {impact!r}")
    for impact, weight in weights.items():
        if impact not in IMPACTS:
            raise CatalogueError(f"{source}: impact_weights: {impact!r} is not one of {IMPACTS}")
        if not is_number(weight) or weight <= 0:
            raise CatalogueError(f"{source}: impact_weights: weight of {impact!r} must be > 0")
    categories = {}
    for cat_id, entry in (data.get("categories") or {}).items():
        if not entry.get("title"):
            raise CatalogueError(f"{source}: category {cat_id!r} has no title")
        categories[cat_id] = Category(cat_id, entry["title"], entry.get("description", ""))
    if not categories:
        raise CatalogueError(f"{source}: no categories")
    return categories, weights


def parse_axe_rules(
    data: Mapping[str, Any], source: str, impact_weights: Mapping[str, float]
) -> tuple[str, list[Rule]]:
    """axe-rules.json's content -> (axe version, rules via the adapter)."""
    version = data.get("axe_version")
    if not version:
        raise CatalogueError(f"{source}: no axe_version")
    rules = []
    for index, record in enumerate(data.get("rules") or ()):
        rule_id = record.get("id") if isinstance(record, Mapping) else None
        try:
            rules.append(rule_from_axe(record, impact_weights))
        except (KeyError, TypeError, AttributeError) as exc:
            name = f"rule {rule_id!r}" if rule_id else f"rule #{index}"
            raise CatalogueError(f"{source}: {name}: malformed record ({exc!r})") from None
    return version, rules


def parse_massaudit_rules(
    data: Mapping[str, Any],
    source: str,
    criteria: Mapping[str, SuccessCriterion],
    impact_weights: Mapping[str, float],
) -> list[Rule]:
    """massaudit-rules.toml's content -> rules (source "massaudit").

    A rule's level and WCAG version come from its SCs (the lowest level, the latest version)
    unless `level` is given; validate_catalogue then checks them like any axe rule's.
    """
    rules = []
    for index, entry in enumerate(data.get("rule") or ()):
        rule_id = entry.get("id") if isinstance(entry, Mapping) else None
        where = f"{source}: rule {rule_id!r}" if rule_id else f"{source}: rule #{index}"
        if not isinstance(entry, Mapping):
            raise CatalogueError(f"{where}: must be a table")
        unknown = sorted(set(entry) - _MASSAUDIT_KEYS)
        if unknown:
            raise CatalogueError(f"{where}: unknown key {unknown[0]!r}")
        for key in _MASSAUDIT_REQUIRED:
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise CatalogueError(f"{where}: {key} must be a non-empty string")
        if not _RULE_ID.fullmatch(entry["id"]):
            raise CatalogueError(f"{where}: id must be lower-case words joined by '-'")
        wcag = entry.get("wcag", [])
        if not isinstance(wcag, list) or not all(isinstance(n, str) for n in wcag):
            raise CatalogueError(f"{where}: wcag must be a list of SC numbers")
        for number in wcag:
            if number not in criteria:
                raise CatalogueError(f"{where}: {number} is not a WCAG success criterion")
        known = [criteria[n] for n in wcag]
        level = entry.get("level")
        version = None
        if known:
            level = level or min((sc.level for sc in known), key=LEVELS.index)
            version = max((sc.version for sc in known), key=WCAG_VERSIONS.index)
        weight = entry.get("weight", impact_weights.get(entry["impact"], 0))
        rules.append(
            Rule(
                id=entry["id"],
                source="massaudit",
                title=entry["title"],
                description=entry["description"],
                help=entry["title"],
                help_url=entry.get("help_url") or (known[0].understanding_url if known else ""),
                category=entry["category"],
                impact=entry["impact"],
                weight=float(weight) if is_number(weight) else weight,
                wcag=tuple(sorted(wcag, key=sc_sort_key))
                if all(SC_NUMBER.fullmatch(n) for n in wcag)
                else tuple(wcag),
                level=level,
                wcag_version=version,
                why=entry["why"],
                how_to_fix=entry["how_to_fix"],
            )
        )
    if not rules:
        raise CatalogueError(f"{source}: no [[rule]] tables")
    return rules
