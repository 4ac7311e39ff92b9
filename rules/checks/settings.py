"""Thresholds of massaudit's own checks: DESIGN.md section 5 defaults, overridable per site.

The option names here and in crawler/sites.py (CHECK_OPTIONS, which validates sites.toml) must
agree; tests/test_checks.py keeps them in step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class CheckSettings:
    reading_grade_pass: float = 6.0  # Flesch–Kincaid grade at or below: pass
    reading_grade_warn: float = 8.0  # above pass, at or below this: needs review; above: fail
    max_sentence_words: float = 20.0  # average words per sentence
    min_words: int = 100  # pages with fewer words of main text are not judged for reading level
    page_weight_good_mib: float = 2.6  # at or below: pass
    page_weight_fail_mib: float = 4.0  # above: fail; in between: needs review
    lcp_ms: float = 2500.0  # Largest Contentful Paint at or below: pass
    cls: float = 0.1  # Cumulative Layout Shift at or below: pass
    expected_languages: tuple[str, ...] = ()  # human translations every English page should link
    disabled: tuple[str, ...] = ()  # massaudit rule ids not run on this site

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> CheckSettings:
        """Settings from a site's `checks` table (already validated by crawler/sites.py)."""
        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(
                f"unknown check option {unknown[0]!r}; known: {', '.join(sorted(known))}"
            )
        for key in ("expected_languages", "disabled"):
            if key in data:
                data[key] = tuple(data[key])
        return cls(**data)


OPTION_NAMES = tuple(f.name for f in fields(CheckSettings))
