"""Settings of massaudit's own checks, built from the `Option`s their modules declare.

Each check module declares the options its checks read (`OPTIONS`: name, type, minimum, default,
doc), so a threshold is written once, next to the check. `CheckSettings` is a frozen dataclass
with one field per option, defaults from the declarations; crawler/sites.py validates sites.toml's
`checks` tables against the same declarations (`CHECK_OPTIONS`). A new check module with options
adds its `OPTIONS` to `_DECLARED` below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field, fields, make_dataclass
from typing import Any

from massaudit.rules.checks import Option, keyboard, language_access, mobile, plain_language

# The one option no single check reads: rules/checks/judge.py skips the rules it lists.
DISABLED = Option(
    "disabled",
    tuple,
    (),
    "massaudit rule ids not run on this site",
    item_pattern=r"^[a-z0-9][a-z0-9-]*$",
    item_problem="is not a rule id",
)
_DECLARED: tuple[Option, ...] = (
    *plain_language.OPTIONS,
    *mobile.OPTIONS,
    *language_access.OPTIONS,
    *keyboard.OPTIONS,
    DISABLED,
)
CHECK_OPTIONS: dict[str, Option] = {option.name: option for option in _DECLARED}
if len(CHECK_OPTIONS) != len(_DECLARED):
    raise ValueError("two check options share a name")


def _from_mapping(cls, data: Mapping[str, Any] | None) -> Any:
    """Settings from a site's `checks` table (already validated by crawler/sites.py)."""
    data = dict(data or {})
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown check option {unknown[0]!r}; known: {', '.join(sorted(known))}")
    for key, value in data.items():
        if CHECK_OPTIONS[key].kind is tuple:
            data[key] = tuple(value)
    return cls(**data)


def _annotation(option: Option) -> Any:
    return tuple[str, ...] if option.kind is tuple else option.kind


CheckSettings = make_dataclass(
    "CheckSettings",
    [
        (o.name, _annotation(o), field(default=o.default, metadata={"doc": o.doc}))
        for o in _DECLARED
    ],
    frozen=True,
    namespace={"from_mapping": classmethod(_from_mapping), "__doc__": __doc__.splitlines()[0]},
)
CheckSettings.__module__ = __name__

OPTION_NAMES = tuple(f.name for f in fields(CheckSettings))
