"""Judging massaudit's own checks (rules/checks/judge.py): facts never collected make a check
inapplicable, failed pages are not judged, disabled rules do not run."""

from __future__ import annotations

import copy

import pytest
from check_fixtures import load_clean, page

from massaudit.rules.catalogue import load_catalogue
from massaudit.rules.checks import registry
from massaudit.rules.checks.judge import judge_checks
from massaudit.rules.checks.settings import CheckSettings
from massaudit.rules.model import PageArtifacts


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_artifacts_without_facts_judge_as_inapplicable(catalogue):
    """Artifacts stored before these checks existed still load and judge: nothing applies."""
    data = load_clean()
    del data["facts"]
    artifacts = PageArtifacts.from_dict(data)
    findings, outcomes = judge_checks(artifacts, catalogue)
    assert findings == []
    assert set(outcomes.values()) == {"inapplicable"}
    assert set(outcomes) == set(registry().page)


def test_failed_page_is_not_judged(catalogue):
    artifacts = PageArtifacts("u", "u", None, "", {}, error="TimeoutError: x")
    assert judge_checks(artifacts, catalogue) == ([], {})


def test_disabled_rules_do_not_run(catalogue):
    settings = CheckSettings(disabled=("https-hsts", "canonical-link"))
    _, outcomes = judge_checks(page(), catalogue, settings)
    assert "https-hsts" not in outcomes and "canonical-link" not in outcomes
    assert "brand-banner" in outcomes


@pytest.mark.parametrize(
    "rule_id", sorted(rule_id for rule_id, c in registry().page.items() if c.reads)
)
@pytest.mark.parametrize("missing", ["absent", "null"])
def test_a_missing_fact_makes_the_check_inapplicable(catalogue, rule_id, missing):
    check = registry().page[rule_id]
    for key in check.reads:
        data = load_clean()
        if missing == "absent":
            del data["facts"][key]
        else:
            data["facts"][key] = None
        artifacts = PageArtifacts.from_dict(data)
        result = check(artifacts, CheckSettings(expected_languages=("es",)))
        assert result.outcome == "inapplicable" and key in result.note
        assert judge_checks(artifacts, catalogue)[1][rule_id] == "inapplicable"


def test_fixture_copy_is_not_shared():
    first = load_clean()
    second = copy.deepcopy(first)
    first["facts"]["links"].clear()
    assert load_clean()["facts"]["links"] == second["facts"]["links"]
