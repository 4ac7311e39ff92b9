"""The one front door for judging (rules/judge.py): massaudit's own checks score in their own
dimensions, never in accessibility, and the site's thresholds reach them."""

from __future__ import annotations

import pytest
from check_fixtures import DENSE, WIDE, chain, page, set_fact, set_text

from massaudit.rules.catalogue import load_catalogue
from massaudit.rules.checks.settings import CheckSettings
from massaudit.rules.judge import judge


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_our_rules_never_move_the_accessibility_score(catalogue):
    clean = judge(page(), catalogue)
    broken = judge(
        page(chain(set_text(DENSE, DENSE), set_fact("reflow_320", WIDE | {"offenders": []}))),
        catalogue,
    )
    assert broken.rule_outcomes["reflow-320"] == "fail"
    assert broken.rule_outcomes["reading-grade"] == "fail"
    # Scoring v2: our rules score in their own dimensions, never in accessibility.
    for key in ("accessibility", "compliant"):
        assert broken.scores[key] == clean.scores[key]
    assert broken.scores["plain-language"] < clean.scores["plain-language"]
    assert broken.scores["mobile-bandwidth"] < clean.scores["mobile-bandwidth"]


def test_judge_uses_the_sites_thresholds(catalogue):
    artifacts = page(set_text(DENSE, DENSE))
    strict = judge(artifacts, catalogue)
    lenient = judge(
        artifacts, catalogue, CheckSettings(reading_grade_pass=30, reading_grade_warn=30)
    )
    assert "reading-grade" in {f.rule_id for f in strict.findings}
    assert "reading-grade" not in {f.rule_id for f in lenient.findings}
    assert lenient.rule_outcomes["reading-grade"] == "pass"
