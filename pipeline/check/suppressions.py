"""The `massaudit check` config file: suppressions that work the same for axe and our own rules.

```toml
# massaudit-check.toml
[[suppress]]
rule = "color-contrast"                 # a rule id (axe-core or massaudit)
selector = ".ma__footer a"              # the finding's selector, exactly
reason = "footer colours are owned by the design system team"

[[suppress]]
selector_regex = "^\\.legacy-widget"    # a Python regex searched in the finding's selector
reason = "widget replaced in Q3"

[[suppress]]
fingerprint = "3f2a9c0d1b7e4a55"        # a finding's fingerprint (shown in every report)
page = "forms/apply.html"               # optional: only on this page key (file path or URL)
```

An entry matches a finding when every key it gives matches (at least one of `rule`,
`selector`, `selector_regex` or `fingerprint` is required). Suppressed findings never fail the
gate and are listed as suppressed in the reports. Any problem stops with one line naming the
file, the entry and the key (exit code 2). A fingerprint is of one version of
rules/fingerprint.py (FINGERPRINT_VERSION); after a new version, copy it again from a report.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_MATCH_KEYS = ("rule", "selector", "selector_regex", "fingerprint")
_KEYS = {*_MATCH_KEYS, "page", "reason"}
_TOP_KEYS = {"suppress"}


class CheckConfigError(ValueError):
    """The check config file is wrong; the message is one line."""


@dataclass(frozen=True)
class Suppression:
    rule: str | None = None
    selector: str | None = None
    selector_regex: re.Pattern[str] | None = None
    fingerprint: str | None = None
    page: str | None = None
    reason: str = ""
    where: str = ""  # "FILE: suppress[N]", for reports

    def matches(self, rule_id: str, selector: str, fingerprint: str, page: str) -> bool:
        return (
            (self.rule is None or self.rule == rule_id)
            and (self.selector is None or self.selector == selector)
            and (self.selector_regex is None or self.selector_regex.search(selector) is not None)
            and (self.fingerprint is None or self.fingerprint == fingerprint)
            and (self.page is None or self.page == page)
        )


@dataclass(frozen=True)
class CheckConfig:
    suppressions: tuple[Suppression, ...] = ()
    path: str | None = None

    def suppression_for(
        self, rule_id: str, selector: str, fingerprint: str, page: str
    ) -> Suppression | None:
        for suppression in self.suppressions:
            if suppression.matches(rule_id, selector, fingerprint, page):
                return suppression
        return None


def load_check_config(path: str | Path, known_rules: Iterable[str]) -> CheckConfig:
    """Read and validate a check config file; CheckConfigError with one line on any problem."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckConfigError(f"{path}: no such file") from None
    except OSError as exc:
        raise CheckConfigError(f"{path}: cannot read it ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise CheckConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise CheckConfigError(f"{path}: not valid TOML ({exc})") from None
    except RecursionError:
        raise CheckConfigError(
            f"{path}: nesting too deep (arrays or tables inside each other); flatten the file"
        ) from None
    return parse_check_config(data, set(known_rules), str(path))


def parse_check_config(data: dict[str, Any], known_rules: set[str], name: str) -> CheckConfig:
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise CheckConfigError(
            f"{name}: unknown key {unknown[0]!r}; known: {', '.join(sorted(_TOP_KEYS))}"
        )
    entries = data.get("suppress", [])
    if not isinstance(entries, list):
        raise CheckConfigError(f"{name}: suppress must be an array of tables ([[suppress]])")
    suppressions = []
    for index, entry in enumerate(entries):
        where = f"{name}: suppress[{index}]"
        if not isinstance(entry, dict):
            raise CheckConfigError(f'{where}: must be a table with keys like rule = "..."')
        bad = sorted(set(entry) - _KEYS)
        if bad:
            raise CheckConfigError(
                f"{where}: unknown key {bad[0]!r}; known: {', '.join(sorted(_KEYS))}"
            )
        for key, value in entry.items():
            if not isinstance(value, str) or not value.strip():
                raise CheckConfigError(f"{where}.{key}: must be a non-empty string")
        if not any(key in entry for key in _MATCH_KEYS):
            raise CheckConfigError(
                f"{where}: give at least one of {', '.join(_MATCH_KEYS)} (it would suppress "
                f"everything)"
            )
        rule = entry.get("rule")
        if rule is not None and rule not in known_rules:
            raise CheckConfigError(f"{where}.rule: {rule!r} is not a rule in the catalogue")
        regex = None
        if "selector_regex" in entry:
            try:
                regex = re.compile(entry["selector_regex"])
            except re.error as exc:
                raise CheckConfigError(
                    f"{where}.selector_regex: not a valid regex ({exc})"
                ) from None
        fingerprint = entry.get("fingerprint")
        if fingerprint is not None and not re.fullmatch(r"[0-9a-f]{16}", fingerprint):
            raise CheckConfigError(
                f"{where}.fingerprint: {fingerprint!r} is not a fingerprint (16 hex digits)"
            )
        suppressions.append(
            Suppression(
                rule=rule,
                selector=entry.get("selector"),
                selector_regex=regex,
                fingerprint=fingerprint,
                page=entry.get("page"),
                reason=entry.get("reason", ""),
                where=where,
            )
        )
    return CheckConfig(tuple(suppressions), name)
