"""Scoring formula v1 as pure functions: the worked example of docs/scoring.md."""

from __future__ import annotations

import pytest

from reports.scoring import aggregate, compliance_rate, grade, page_scores
from rules.catalogue import load_catalogue
from rules.model import PageArtifacts
from rules.outcomes import rule_outcomes

PAGE_P = {
    "image-alt": "fail",
    "color-contrast": "pass",
    "label": "pass",
    "link-name": "pass",
    "html-has-lang": "pass",
    "document-title": "needs-review",
    "video-caption": "inapplicable",
    "region": "fail",
}
PAGE_Q = {"image-alt": "pass", "label": "pass", "link-name": "pass", "color-contrast": "fail"}


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_impacts_used_by_the_worked_example(catalogue):
    impacts = {r: catalogue.rules[r].impact for r in PAGE_P}
    assert impacts == {
        "image-alt": "critical",
        "color-contrast": "serious",
        "label": "critical",
        "link-name": "serious",
        "html-has-lang": "serious",
        "document-title": "serious",
        "video-caption": "critical",
        "region": "moderate",
    }
    assert catalogue.rules["region"].wcag == ()


def test_worked_example_page_p(catalogue):
    assert page_scores(PAGE_P, catalogue) == {"accessibility": 75.6, "compliant": False}
    assert grade(75.6) == "C"


def test_worked_example_page_q(catalogue):
    assert page_scores(PAGE_Q, catalogue) == {"accessibility": 79.4, "compliant": False}


def test_worked_example_site(catalogue):
    scores = [page_scores(PAGE_P, catalogue), page_scores(PAGE_Q, catalogue), {}]
    site = aggregate(s.get("accessibility") for s in scores)
    assert (site.value, site.grade, site.pages_scored, site.pages_total) == (77.5, "C", 2, 3)
    rate = compliance_rate(s.get("compliant") for s in scores)
    assert (rate.value, rate.pages_scored) == (0.0, 2)


def test_checks_that_do_not_apply_give_no_credit(catalogue):
    only_na = {"video-caption": "inapplicable", "document-title": "needs-review", "region": "pass"}
    assert page_scores(only_na, catalogue) == {"accessibility": None, "compliant": None}
    assert page_scores({"image-alt": "pass"}, catalogue) == {
        "accessibility": 100.0,
        "compliant": True,
    }


def test_moderate_failure_keeps_page_compliant(catalogue):
    scores = page_scores({"image-alt": "pass", "heading-order": "fail"}, catalogue)
    assert scores["compliant"] is True  # heading-order is best practice: not scored at all
    assert scores["accessibility"] == 100.0


def test_grade_bands():
    assert [grade(v) for v in (100, 90, 89.9, 80, 70, 60, 59.9, 0)] == list("AABBCDFF")
    assert grade(None) is None


def test_rule_outcomes_worst_bucket_wins():
    artifacts = PageArtifacts(
        url="u",
        final_url="u",
        status=200,
        title="t",
        axe={
            "violations": [{"id": "image-alt"}],
            "incomplete": [{"id": "image-alt"}, {"id": "color-contrast"}],
            "passes": [{"id": "color-contrast"}, {"id": "label"}],
            "inapplicable": [{"id": "video-caption"}],
        },
    )
    assert rule_outcomes(artifacts) == {
        "color-contrast": "needs-review",
        "image-alt": "fail",
        "label": "pass",
        "video-caption": "inapplicable",
    }
    failed = PageArtifacts("u", "u", None, "", {}, error="TimeoutError: x")
    assert rule_outcomes(failed) == {}
