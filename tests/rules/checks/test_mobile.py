"""The mobile and bandwidth checks (rules/checks/mobile.py) on saved artifacts, without a
browser: zoom, reflow and target size at 320 px, page weight, paint and layout shift. The pages
each rule passes and fails on are in tests/support/check_fixtures.py."""

from __future__ import annotations

import pytest
from check_fixtures import assert_page_check, page_cases

from massaudit.rules.catalogue import load_catalogue
from massaudit.rules.checks import mobile


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.mark.parametrize(("rule_id", "outcome", "edit", "settings"), page_cases(mobile))
def test_page_check(catalogue, rule_id, outcome, edit, settings):
    assert_page_check(catalogue, rule_id, outcome, edit, settings)
