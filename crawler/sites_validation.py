"""The checks `sites.toml`'s tables go through: types, ids, URLs, ranges and check options.

Each takes `fail(key_path, problem)`, which makes the one-line error naming the file and key.
"""

from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import urlsplit

from massaudit.rules.checks.settings import CHECK_OPTIONS

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")

# Options of massaudit's own checks: CHECK_OPTIONS (name -> Option) is declared next to the checks
# that read them (rules/checks/); an option's kind float takes any number, tuple an array of strings.
_OPTION_TYPES: dict[type, type | tuple[type, ...]] = {float: (int, float), int: int, tuple: list}
_TYPE_NAMES = {
    str: "a string",
    list: "an array",
    int: "an integer",
    bool: "a boolean",
    dict: "a table",
}


def check_checks(
    table: Any, where: str, fail, inherited: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A `checks` table over the `inherited` (global) one: known names, right types, values."""
    if not isinstance(table, dict):
        raise fail(where, "must be a table")
    checks: dict[str, Any] = {}
    for key, value in table.items():
        if key not in CHECK_OPTIONS:
            raise fail(
                f"{where}.{key}", f"unknown check option; allowed: {', '.join(CHECK_OPTIONS)}"
            )
        option = CHECK_OPTIONS[key]
        types = _OPTION_TYPES[option.kind]
        if isinstance(value, bool) or not isinstance(value, types):
            expected = _TYPE_NAMES.get(types, "a number")
            raise fail(f"{where}.{key}", f"must be {expected}, got {type(value).__name__}")
        if option.minimum is not None:
            check_range(value, option.minimum, math.inf, f"{where}.{key}", fail)
        if types is list:
            for j, item in enumerate(value):
                if not isinstance(item, str) or not item:
                    raise fail(f"{where}.{key}[{j}]", "must be a non-empty string")
                if option.item_pattern and not re.match(option.item_pattern, item):
                    raise fail(f"{where}.{key}[{j}]", f"{item!r} {option.item_problem}")
            value = list(value)
        checks[key] = value
    checks = (inherited or {}) | checks
    for high, option in CHECK_OPTIONS.items():
        low = option.not_below
        if low and checks.get(high, float("inf")) < checks.get(low, float("-inf")):
            raise fail(f"{where}.{high}", f"must not be below {low}")
    return checks


def check_table(entry: Any, spec: dict, where: str, fail) -> None:
    if not isinstance(entry, dict):
        raise fail(where, "must be a table")
    for key in entry:
        if key not in spec:
            raise fail(f"{where}.{key}", f"unknown key; allowed: {', '.join(spec)}")
    for key, (types, required) in spec.items():
        if key not in entry:
            if required:
                raise fail(f"{where}.{key}", "missing required key")
            continue
        value = entry[key]
        wrong_bool = isinstance(value, bool) and types is not bool
        if wrong_bool or not isinstance(value, types):
            expected = _TYPE_NAMES.get(types, "a number")
            raise fail(f"{where}.{key}", f"must be {expected}, got {type(value).__name__}")
        if types is str and not value.strip():
            raise fail(f"{where}.{key}", "must not be empty")


def check_str_list(entry: dict, key: str, where: str, fail, non_empty: bool = False) -> list[str]:
    values = entry.get(key, [])
    if non_empty and not values:
        raise fail(f"{where}.{key}", "must list at least one entry")
    for j, value in enumerate(values):
        if not isinstance(value, str) or not value:
            raise fail(f"{where}.{key}[{j}]", "must be a non-empty string")
    return values


def check_id(value: str, where: str, fail) -> None:
    if not _ID.match(value):
        raise fail(where, f"{value!r} is not an id (lower-case letters, digits and '-')")


def check_range(value: float, low: float, high: float, where: str, fail) -> None:
    """A finite number within [low, high]; one line naming the allowed range otherwise."""
    if math.isfinite(value) and low <= value <= high:
        return
    allowed = f"must be at least {low:,}"
    if not math.isinf(high):
        allowed += f" and at most {high:,}"
    raise fail(where, f"{allowed}, got {value!r} (a finite number is needed)")


CREDENTIALS = (
    "user name or password in a URL is not supported (it would be printed in the public "
    "scorecard); audit pages that need no login"
)


def check_url(url: str, where: str, fail) -> None:
    parts = urlsplit(url)
    if "@" in parts.netloc:
        raise fail(where, CREDENTIALS)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise fail(where, f"{url!r} is not an absolute http(s) URL")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise fail(where, f"{url!r} has a bad port") from None


def check_unique(ids: list[str], table: str, fail) -> None:
    seen: set[str] = set()
    for i, value in enumerate(ids):
        if value in seen:
            raise fail(f"{table}[{i}].id", f"duplicate id {value!r}")
        seen.add(value)
