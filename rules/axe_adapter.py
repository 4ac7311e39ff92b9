"""The generic axe adapter: every axe rule enters the catalogue through `rule_from_axe`.

axe tags name WCAG success criteria (`wcag1410` -> 1.4.10) and levels (`wcag21aa` -> AA, 2.1).
Pure: only the standard library and the rules package are imported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from massaudit.rules.catalogue_records import LEVELS, sc_sort_key
from massaudit.rules.data_files import is_number
from massaudit.rules.model import Rule

AXE_CATEGORY = "accessibility"

# `wcag111` -> 1.1.1, `wcag1410` -> 1.4.10, `wcag2411` -> 2.4.11: principle and guideline are one
# digit each (WCAG 2 has no guideline above 5), the rest is the criterion number.
_SC_TAG = re.compile(r"wcag(\d)(\d)(\d+)")
# `wcag2a`, `wcag2aa`, `wcag21a`, `wcag21aa`, `wcag22aa`, `wcag2aaa`, ... and axe's
# `wcag2a-obsolete`, which it puts on rules for 4.1.1 Parsing (obsolete, removed in WCAG 2.2).
_LEVEL_TAG = re.compile(r"wcag2(\d?)(a{1,3})(-obsolete)?")


def wcag_from_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """SC numbers named by axe tags, in WCAG order: ("wcag111", "wcag1410") -> ("1.1.1", "1.4.10")."""
    found = set()
    for tag in tags:
        match = _SC_TAG.fullmatch(tag)
        if match:
            found.add(".".join(match.groups()))
    return tuple(sorted(found, key=sc_sort_key))


def level_from_tags(tags: Iterable[str]) -> tuple[str | None, str | None]:
    """(level, WCAG version) from axe level tags; (None, None) when there is none.

    `wcag2a` -> ("A", "2.0"), `wcag21aa` -> ("AA", "2.1"), `wcag22aa` -> ("AA", "2.2").
    With several level tags the lowest level wins (the rule counts from that level on).
    """
    found = []
    for tag in tags:
        match = _LEVEL_TAG.fullmatch(tag)
        if match:
            minor, letters, _obsolete = match.groups()
            found.append((LEVELS.index(letters.upper()), f"2.{minor or '0'}"))
    if not found:
        return None, None
    index, version = min(found)
    return LEVELS[index], version


def rule_from_axe(record: Mapping[str, Any], impact_weights: Mapping[str, float]) -> Rule:
    """Turn one axe rule record (an axe-rules.json entry) into a catalogue `Rule`.

    Also used for axe results whose rule is missing from the catalogue: a result carries id,
    help, description, helpUrl, tags and impact, which `axe_record_from_result` renames.
    Raises KeyError/TypeError on a malformed record; `load_catalogue` turns that into a
    `CatalogueError`. An unknown impact gets weight 0 here and is reported by validation.
    """
    tags = tuple(record.get("tags") or ())
    level, version = level_from_tags(tags)
    impact = record["impact"]
    weight = record.get("weight")
    if weight is None:
        weight = impact_weights.get(impact, 0)
    if is_number(weight):
        weight = float(weight)
    return Rule(
        id=record["id"],
        source="axe",
        title=record.get("title") or record["id"],
        description=record.get("description") or "",
        help=record.get("title") or "",
        help_url=record.get("help_url") or "",
        category=AXE_CATEGORY,
        impact=impact,
        weight=weight,
        wcag=wcag_from_tags(tags),
        level=level,
        wcag_version=version,
        tags=tags,
        enabled_by_default=bool(record.get("enabled_by_default", True)),
    )


def axe_record_from_result(result: Mapping[str, Any], default_impact: str) -> dict[str, Any]:
    """An adapter record from one rule of an axe result (for rules the catalogue lacks)."""
    return {
        "id": result.get("id") or "",
        "title": result.get("help") or "",
        "description": result.get("description") or "",
        "help_url": result.get("helpUrl") or "",
        "tags": list(result.get("tags") or ()),
        "impact": result.get("impact") or default_impact,
    }
