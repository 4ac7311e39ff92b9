"""The plain-language checks (rules/checks/plain_language.py) on saved artifacts, without a
browser: reading grade, sentence length, link text, alt text. The pages each rule passes and
fails on are in tests/support/check_fixtures.py."""

from __future__ import annotations

import pytest
from check_fixtures import assert_page_check, page_cases

from massaudit.rules.catalogue import load_catalogue
from massaudit.rules.checks import plain_language


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.mark.parametrize(("rule_id", "outcome", "edit", "settings"), page_cases(plain_language))
def test_page_check(catalogue, rule_id, outcome, edit, settings):
    assert_page_check(catalogue, rule_id, outcome, edit, settings)
