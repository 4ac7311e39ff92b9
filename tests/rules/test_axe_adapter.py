"""The axe-core adapter (rules/axe_adapter.py): WCAG criteria and levels from axe tags, and a rule
from an axe record."""

from __future__ import annotations

import pytest

from massaudit.rules.catalogue import (
    level_from_tags,
    rule_from_axe,
    wcag_from_tags,
)


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["wcag111"], ("1.1.1",)),
        (["wcag1410"], ("1.4.10",)),
        (["wcag2411"], ("2.4.11",)),
        (["wcag412", "wcag244", "wcag2a", "best-practice", "EN-9.4.1.2"], ("2.4.4", "4.1.2")),
        (["wcag2a", "wcag21aa", "cat.color"], ()),
    ],
)
def test_wcag_from_tags(tags, expected):
    assert wcag_from_tags(tags) == expected


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["wcag2a"], ("A", "2.0")),
        (["wcag2aa"], ("AA", "2.0")),
        (["wcag2aaa"], ("AAA", "2.0")),
        (["wcag21a"], ("A", "2.1")),
        (["wcag21aa"], ("AA", "2.1")),
        (["wcag22aa"], ("AA", "2.2")),
        (["wcag2a-obsolete"], ("A", "2.0")),
        (["wcag2aa", "wcag21a"], ("A", "2.1")),
        (["best-practice"], (None, None)),
    ],
)
def test_level_from_tags(tags, expected):
    assert level_from_tags(tags) == expected


def test_adapter_builds_rule():
    rule = rule_from_axe(
        {
            "id": "x",
            "title": "X must be y",
            "description": "Ensure x",
            "help_url": "https://example.test/x",
            "tags": ["wcag21aa", "wcag1410"],
            "impact": "serious",
            "enabled_by_default": False,
        },
        {"serious": 7},
    )
    assert (rule.id, rule.source, rule.category) == ("x", "axe", "accessibility")
    assert (rule.title, rule.help, rule.description) == ("X must be y", "X must be y", "Ensure x")
    assert (rule.wcag, rule.level, rule.wcag_version) == (("1.4.10",), "AA", "2.1")
    assert (rule.impact, rule.weight, rule.enabled_by_default) == ("serious", 7.0, False)
