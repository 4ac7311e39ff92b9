"""The rule catalogue: every rule's metadata, loaded from the data files in rules/data/.

- `wcag.toml`: every WCAG 2.2 success criterion (plus 4.1.1, removed in 2.2).
- `categories.toml`: scorecard categories and the default weight per impact.
- `axe-rules.json`: axe-core's own rule metadata, written by scripts/generate_axe_catalogue.py.
- `massaudit-rules.toml`: metadata of massaudit's own checks (rules/checks/), source "massaudit".

Every axe rule enters through one generic adapter, `rule_from_axe` (rules/axe_adapter.py). Each
file is parsed and its entries checked (rules/catalogue_parsing.py), then the whole catalogue is
validated (`validate_catalogue`, rules/catalogue_validation.py, a pure function over parsed data);
any problem raises `CatalogueError` with one line naming the file, the rule and what is wrong. The
records are in rules/catalogue_records.py. The names below are importable from here.

Only the standard library and rules.model are imported here; nothing does network or browser I/O.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from massaudit.rules.axe_adapter import (
    AXE_CATEGORY,
    axe_record_from_result,
    level_from_tags,
    rule_from_axe,
    wcag_from_tags,
)
from massaudit.rules.catalogue_parsing import (
    parse_axe_rules,
    parse_categories,
    parse_criteria,
    parse_massaudit_rules,
)
from massaudit.rules.catalogue_records import (
    LEVELS,
    WCAG_VERSIONS,
    Catalogue,
    Category,
    SuccessCriterion,
    sc_sort_key,
)
from massaudit.rules.catalogue_validation import LEVEL_EXCEPTIONS, validate_catalogue
from massaudit.rules.data_files import DATA_DIR, CatalogueError, data_label, parse_toml, read_data

__all__ = [
    "AXE_CATEGORY",
    "AXE_FILE",
    "CATALOGUE_FORMAT",
    "CATEGORIES_FILE",
    "DATA_DIR",
    "DATA_FILES",
    "LEVELS",
    "LEVEL_EXCEPTIONS",
    "MASSAUDIT_FILE",
    "WCAG_FILE",
    "WCAG_VERSIONS",
    "Catalogue",
    "CatalogueError",
    "Category",
    "SuccessCriterion",
    "axe_record_from_result",
    "catalogue_version",
    "level_from_tags",
    "load_catalogue",
    "parse_axe_rules",
    "parse_categories",
    "parse_criteria",
    "parse_massaudit_rules",
    "rule_from_axe",
    "sc_sort_key",
    "validate_catalogue",
    "wcag_from_tags",
]

WCAG_FILE = "wcag.toml"
CATEGORIES_FILE = "categories.toml"
AXE_FILE = "axe-rules.json"
MASSAUDIT_FILE = "massaudit-rules.toml"
DATA_FILES = (WCAG_FILE, CATEGORIES_FILE, AXE_FILE, MASSAUDIT_FILE)

# Bump when the meaning of the data changes without the files changing (e.g. the adapter below
# maps tags differently), so stored runs can tell the catalogues apart.
CATALOGUE_FORMAT = 1


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
    blobs = {name: read_data(directory, name) for name in DATA_FILES}

    wcag_label = data_label(directory, WCAG_FILE)
    categories_label = data_label(directory, CATEGORIES_FILE)
    axe_label = data_label(directory, AXE_FILE)
    criteria = parse_criteria(parse_toml(blobs[WCAG_FILE], wcag_label), wcag_label)
    categories, weights = parse_categories(
        parse_toml(blobs[CATEGORIES_FILE], categories_label), categories_label
    )
    try:
        axe_data = json.loads(blobs[AXE_FILE])
    except ValueError as exc:
        raise CatalogueError(f"{axe_label}: not valid JSON ({exc})") from None
    axe_version, axe_rules = parse_axe_rules(axe_data, axe_label, weights)
    ours_label = data_label(directory, MASSAUDIT_FILE)
    ours = parse_massaudit_rules(
        parse_toml(blobs[MASSAUDIT_FILE], ours_label), ours_label, criteria, weights
    )

    validate_catalogue({axe_label: axe_rules, ours_label: ours}, criteria, categories)
    return Catalogue(
        rules={rule.id: rule for rule in sorted(axe_rules + ours, key=lambda r: r.id)},
        criteria=criteria,
        categories=categories,
        impact_weights=weights,
        axe_version=axe_version,
        version=catalogue_version(axe_version, blobs.items()),
        files=tuple(data_label(directory, name) for name in DATA_FILES),
    )
