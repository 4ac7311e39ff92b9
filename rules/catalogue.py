"""The rule catalogue: every rule's metadata, loaded from the data files in rules/data/.

- `wcag.toml`: every WCAG 2.2 success criterion (plus 4.1.1, removed in 2.2).
- `categories.toml`: scorecard categories and the default weight per impact.
- `axe-rules.json`: axe-core's own rule metadata, written by scripts/generate_axe_catalogue.py.
- `massaudit-rules.toml`: metadata of massaudit's own checks (rules/checks/), source "massaudit".

Every axe rule enters through one generic adapter, `rule_from_axe`. Loading validates the whole
catalogue (`validate_catalogue`, a pure function over parsed data) and raises `CatalogueError`
with one line naming the file, the rule and what is wrong.

Only the standard library and rules.model are imported here; nothing does network or browser I/O.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from massaudit.rules.model import IMPACTS, Rule

DATA_DIR = Path(__file__).parent / "data"
WCAG_FILE = "wcag.toml"
CATEGORIES_FILE = "categories.toml"
AXE_FILE = "axe-rules.json"
MASSAUDIT_FILE = "massaudit-rules.toml"
DATA_FILES = (WCAG_FILE, CATEGORIES_FILE, AXE_FILE, MASSAUDIT_FILE)
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

# Bump when the meaning of the data changes without the files changing (e.g. the adapter below
# maps tags differently), so stored runs can tell the catalogues apart.
CATALOGUE_FORMAT = 1

LEVELS = ("A", "AA", "AAA")
WCAG_VERSIONS = ("2.0", "2.1", "2.2")
AXE_CATEGORY = "accessibility"

# `wcag111` -> 1.1.1, `wcag1410` -> 1.4.10, `wcag2411` -> 2.4.11: principle and guideline are one
# digit each (WCAG 2 has no guideline above 5), the rest is the criterion number.
_SC_TAG = re.compile(r"wcag(\d)(\d)(\d+)")
# `wcag2a`, `wcag2aa`, `wcag21a`, `wcag21aa`, `wcag22aa`, `wcag2aaa`, ... and axe's
# `wcag2a-obsolete`, which it puts on rules for 4.1.1 Parsing (obsolete, removed in WCAG 2.2).
_LEVEL_TAG = re.compile(r"wcag2(\d?)(a{1,3})(-obsolete)?")
_SC_NUMBER = re.compile(r"\d\.\d\.\d+")

# (rule id, SC) pairs whose level legitimately differs from the rule's level tag. Validation
# skips the level check for exactly these pairs and fails if an entry stops being needed, so an
# axe upgrade that fixes (or changes) the tagging is noticed.
LEVEL_EXCEPTIONS: Mapping[tuple[str, str], str] = {
    # axe-core 4.14.1 tags scrollable-region-focusable `wcag2a` with both 2.1.1 Keyboard (A) and
    # 2.1.3 Keyboard (No Exception) (AAA). The rule's level is A, from 2.1.1; 2.1.3 stays in its
    # SC list because a failure fails both criteria.
    ("scrollable-region-focusable", "2.1.3"): (
        "axe tags 2.1.3 (AAA) under wcag2a alongside 2.1.1 (A); rule level is A from 2.1.1"
    ),
}


class CatalogueError(ValueError):
    """The rule catalogue's data is inconsistent. The message is one line."""


@dataclass(frozen=True)
class SuccessCriterion:
    number: str
    title: str
    level: str
    version: str
    slug: str = ""
    removed: str | None = None
    understanding_base: str = ""

    @property
    def understanding_url(self) -> str:
        return self.understanding_base + self.slug if self.slug and self.understanding_base else ""

    @property
    def sort_key(self) -> tuple[int, ...]:
        return sc_sort_key(self.number)


@dataclass(frozen=True)
class Category:
    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class Catalogue:
    """All rules, success criteria and categories, with a version naming their content."""

    rules: dict[str, Rule]
    criteria: dict[str, SuccessCriterion]
    categories: dict[str, Category]
    impact_weights: dict[str, float]
    axe_version: str
    version: str
    files: tuple[str, ...] = field(default=())

    def get(self, rule_id: str) -> Rule | None:
        return self.rules.get(rule_id)

    def sc(self, number: str) -> SuccessCriterion:
        try:
            return self.criteria[number]
        except KeyError:
            raise KeyError(f"{number!r} is not a WCAG success criterion") from None

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self.rules

    def __len__(self) -> int:
        return len(self.rules)


def sc_sort_key(number: str) -> tuple[int, ...]:
    return tuple(int(part) for part in number.split("."))


# --- the generic axe adapter -------------------------------------------------------------------


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
    if _is_number(weight):
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


# --- parsing the data files --------------------------------------------------------------------


def parse_criteria(data: Mapping[str, Any], source: str) -> dict[str, SuccessCriterion]:
    """wcag.toml's content -> {number: SuccessCriterion}, checking each entry."""
    base = data.get("understanding_base", "")
    criteria: dict[str, SuccessCriterion] = {}
    for entry in data.get("criteria") or ():
        number = str(entry.get("number", ""))
        where = f"{source}: SC {number or '?'}"
        if not _SC_NUMBER.fullmatch(number):
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
        if not _is_number(weight) or weight <= 0:
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
                weight=float(weight) if _is_number(weight) else weight,
                wcag=tuple(sorted(wcag, key=sc_sort_key))
                if all(_SC_NUMBER.fullmatch(n) for n in wcag)
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


# --- validation --------------------------------------------------------------------------------


def validate_catalogue(
    rule_files: Mapping[str, Sequence[Rule]],
    criteria: Mapping[str, SuccessCriterion],
    categories: Mapping[str, Category],
    level_exceptions: Mapping[tuple[str, str], str] = LEVEL_EXCEPTIONS,
) -> None:
    """Check parsed rules against the SCs and categories; raise CatalogueError on the first fault.

    `rule_files` maps the file each rule came from to its rules, so the message can name it.
    Checks: unique ids; impact is one of critical/serious/moderate/minor; weight > 0; known
    category; every SC is a real WCAG SC; an SC-mapped rule has a level and vice versa; every
    SC's level equals the rule's level (except `level_exceptions`, each of which must still be
    needed when its rule is present); the rule's WCAG version is the latest of its SCs'.
    """
    seen: dict[str, str] = {}
    used_exceptions: set[tuple[str, str]] = set()
    present: set[str] = set()
    for source, rules in rule_files.items():
        for rule in rules:
            where = f"{source}: rule {rule.id!r}"
            if not rule.id or not isinstance(rule.id, str):
                raise CatalogueError(f"{source}: a rule has an empty id")
            if rule.id in seen:
                raise CatalogueError(f"{where}: duplicate id (also in {seen[rule.id]})")
            seen[rule.id] = source
            present.add(rule.id)
            if rule.impact not in IMPACTS:
                raise CatalogueError(f"{where}: impact {rule.impact!r} is not one of {IMPACTS}")
            if not _is_number(rule.weight) or rule.weight <= 0:
                raise CatalogueError(f"{where}: weight {rule.weight!r} must be a number > 0")
            if rule.category not in categories:
                raise CatalogueError(
                    f"{where}: unknown category {rule.category!r} "
                    f"(known: {', '.join(sorted(categories))})"
                )
            if rule.level is not None and rule.level not in LEVELS:
                raise CatalogueError(f"{where}: level {rule.level!r} is not one of {LEVELS}")
            if rule.wcag and rule.level is None:
                raise CatalogueError(f"{where}: maps to SC {', '.join(rule.wcag)} but has no level")
            if rule.level is not None and not rule.wcag:
                raise CatalogueError(f"{where}: has level {rule.level} but no success criterion")
            for number in rule.wcag:
                sc = criteria.get(number)
                if sc is None:
                    raise CatalogueError(f"{where}: {number} is not a WCAG success criterion")
                if sc.level != rule.level:
                    if (rule.id, number) in level_exceptions:
                        used_exceptions.add((rule.id, number))
                        continue
                    raise CatalogueError(
                        f"{where}: level {rule.level} does not match SC {number} "
                        f"{sc.title!r}, which is level {sc.level}"
                    )
            if rule.wcag:
                latest = max((criteria[n].version for n in rule.wcag), key=WCAG_VERSIONS.index)
                if rule.wcag_version != latest:
                    raise CatalogueError(
                        f"{where}: WCAG version {rule.wcag_version} does not match its SCs "
                        f"(latest introduced in {latest})"
                    )
    for rule_id, number in sorted(level_exceptions):
        if rule_id in present and (rule_id, number) not in used_exceptions:
            raise CatalogueError(
                f"{seen[rule_id]}: rule {rule_id!r}: level exception for SC {number} is no "
                f"longer needed; remove it from LEVEL_EXCEPTIONS in rules/catalogue.py"
            )


# --- loading -----------------------------------------------------------------------------------


def catalogue_version(axe_version: str, blobs: Iterable[tuple[str, bytes]]) -> str:
    """The catalogue version: `<format>+axe<version>+<12 hex of sha256 over the data files>`."""
    digest = hashlib.sha256()
    for name, data in blobs:
        digest.update(name.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    return f"{CATALOGUE_FORMAT}+axe{axe_version}+{digest.hexdigest()[:12]}"


@cache
def load_catalogue(data_dir: Path | None = None) -> Catalogue:
    """Read, adapt and validate the catalogue (cached per data directory)."""
    directory = Path(data_dir) if data_dir is not None else DATA_DIR
    blobs: dict[str, bytes] = {}
    for name in DATA_FILES:
        try:
            blobs[name] = (directory / name).read_bytes()
        except OSError as exc:
            raise CatalogueError(
                f"{_label(directory, name)}: cannot read ({exc.strerror})"
            ) from None

    wcag_label = _label(directory, WCAG_FILE)
    categories_label = _label(directory, CATEGORIES_FILE)
    axe_label = _label(directory, AXE_FILE)
    criteria = parse_criteria(_toml(blobs[WCAG_FILE], wcag_label), wcag_label)
    categories, weights = parse_categories(
        _toml(blobs[CATEGORIES_FILE], categories_label), categories_label
    )
    try:
        axe_data = json.loads(blobs[AXE_FILE])
    except ValueError as exc:
        raise CatalogueError(f"{axe_label}: not valid JSON ({exc})") from None
    axe_version, axe_rules = parse_axe_rules(axe_data, axe_label, weights)
    ours_label = _label(directory, MASSAUDIT_FILE)
    ours = parse_massaudit_rules(
        _toml(blobs[MASSAUDIT_FILE], ours_label), ours_label, criteria, weights
    )

    validate_catalogue({axe_label: axe_rules, ours_label: ours}, criteria, categories)
    return Catalogue(
        rules={rule.id: rule for rule in sorted(axe_rules + ours, key=lambda r: r.id)},
        criteria=criteria,
        categories=categories,
        impact_weights=weights,
        axe_version=axe_version,
        version=catalogue_version(axe_version, blobs.items()),
        files=tuple(_label(directory, name) for name in DATA_FILES),
    )


def _label(directory: Path, name: str) -> str:
    if directory == DATA_DIR:
        return f"rules/data/{name}"
    return str(directory / name)


def _toml(data: bytes, label: str) -> dict[str, Any]:
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueError(f"{label}: not valid TOML ({exc})") from None


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
