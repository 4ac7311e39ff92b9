"""The keyboard checks (rules/checks/keyboard.py) on saved keyboard walks, without a browser. The
walks were recorded from tests/fixtures/keyboard/*.html by the real Chromium
(tests/audits/test_keyboard_walk.py walks the same pages and judges them again); the cases are
in tests/support/keyboard_fixtures.py."""

from __future__ import annotations

import pytest
from check_fixtures import assert_page_check, page, page_cases
from keyboard_fixtures import keyboard

from massaudit.rules.catalogue import load_catalogue
from massaudit.rules.checks import keyboard as keyboard_checks
from massaudit.rules.checks import registry
from massaudit.rules.checks.settings import CheckSettings


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.mark.parametrize(("rule_id", "outcome", "edit", "settings"), page_cases(keyboard_checks))
def test_page_check(catalogue, rule_id, outcome, edit, settings):
    assert_page_check(catalogue, rule_id, outcome, edit, settings)


def _failing(name: str) -> dict[str, list[str]]:
    artifacts = page(keyboard(name))
    results = {}
    for rule_id, check in registry().page.items():
        if check.function.__module__ == keyboard_checks.__name__:
            result = check(artifacts, CheckSettings())
            results[rule_id] = sorted(i.selector for i in result.items if i.outcome == "fail")
    return {rule_id: selectors for rule_id, selectors in results.items() if selectors}


def test_every_planted_problem_is_found_on_its_element():
    assert _failing("planted") == {
        "focus-visible": ["#content > p > a"],
        "keyboard-reachable": ["#fake"],
        "keyboard-trap": ["#t2"],
        "skip-link-works": ["body > a"],
        "change-on-focus": ["#fnav"],
        "change-on-input": ["#s"],
        "hover-only-content": ["#content > div:nth-of-type(2)"],
    }


def test_nothing_fails_on_the_clean_counterparts():
    assert _failing("clean") == {}


def test_messages_name_the_element_and_what_happened():
    artifacts = page(keyboard("planted"))
    check = registry().page["change-on-input"]
    [item] = check(artifacts, CheckSettings()).items
    assert "“Go to”" in item.message and "without a submit button" in item.message
