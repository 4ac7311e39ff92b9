"""The digital-service checks (rules/checks/digital_service.py) on saved artifacts, without a
browser: HTTPS, the brand banner, required links, feedback, search, head metadata, and the
site-level checks over several pages. The pages each rule passes and fails on are in
tests/support/check_fixtures.py."""

from __future__ import annotations

import pytest
from check_fixtures import SITE_FIXTURES, assert_page_check, page_cases

from massaudit.rules.catalogue import load_catalogue
from massaudit.rules.checks import digital_service, registry
from massaudit.rules.checks.judge import judge_site_checks
from massaudit.rules.checks.settings import CheckSettings


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.mark.parametrize(("rule_id", "outcome", "edit", "settings"), page_cases(digital_service))
def test_page_check(catalogue, rule_id, outcome, edit, settings):
    assert_page_check(catalogue, rule_id, outcome, edit, settings)


@pytest.mark.parametrize("rule_id", sorted(SITE_FIXTURES))
def test_site_check(catalogue, rule_id):
    for expected, pages in SITE_FIXTURES[rule_id]:
        results = registry().site[rule_id](pages, CheckSettings())
        assert {k: r.outcome for k, r in results.items()} == expected
        judged = judge_site_checks(pages, catalogue)
        for key, outcome in expected.items():
            findings, outcomes = judged[key]
            assert outcomes[rule_id] == outcome
            assert bool([f for f in findings if f.rule_id == rule_id]) == (outcome == "fail")
