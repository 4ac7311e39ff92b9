"""The language-access checks (rules/checks/language_access.py) on saved artifacts, without a
browser: page and passage languages, expected translations, machine translation. The pages each
rule passes and fails on are in tests/support/check_fixtures.py."""

from __future__ import annotations

import pytest
from check_fixtures import assert_page_check, page_cases

from massaudit.rules.catalogue import load_catalogue
from massaudit.rules.checks import language_access


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.mark.parametrize(("rule_id", "outcome", "edit", "settings"), page_cases(language_access))
def test_page_check(catalogue, rule_id, outcome, edit, settings):
    assert_page_check(catalogue, rule_id, outcome, edit, settings)
