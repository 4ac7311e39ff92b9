"""Group scoring (reports/scoring.py): sites and agencies from their pages' scores, rates not
counts, compliance status and grades; the worked examples of docs/scoring.md."""

from __future__ import annotations

import pytest
from scoring_examples import PAGE_P, PAGE_Q, PAGE_R

from massaudit.reports.scoring import (
    DIMENSION_IDS,
    Score,
    aggregate,
    compliance_rate,
    compliance_status,
    equity,
    grade,
    group_scores,
    page_scores,
)
from massaudit.rules.catalogue import load_catalogue


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_worked_example_site(catalogue):
    site = group_scores([page_scores(PAGE_P, catalogue), page_scores(PAGE_Q, catalogue), None])
    values = {dim: site.dimensions[dim].value for dim in DIMENSION_IDS}
    assert values == {
        "accessibility": 77.5,
        "plain-language": 85.0,
        "language-access": 100.0,
        "mobile-bandwidth": 79.4,
        "digital-service": 52.5,
        "documents": None,
    }
    assert (site.equity.value, site.equity.grade) == (78.5, "C")
    assert (site.equity.pages_scored, site.equity.pages_total, site.untested) == (2, 3, 1)
    assert site.dimensions["language-access"].pages_scored == 1
    assert (site.compliance.value, site.compliance.pages_scored) == (0.0, 2)
    assert site.status == "not-compliant"
    assert site.review == {"accessibility": 1, "language-access": 1}


def test_worked_example_agency_weights_sites_by_pages(catalogue):
    p, q, r = (page_scores(x, catalogue) for x in (PAGE_P, PAGE_Q, PAGE_R))
    agency = group_scores([p, q, None, r])
    assert agency.dimensions["accessibility"].value == 85.0  # (75.6 + 79.4 + 100) / 3
    assert agency.equity.value == 81.5
    assert (agency.compliance.value, agency.status) == (33.3, "partly")


def test_rates_not_counts(catalogue):
    """A site of 10 pages and one of 10,000 with the same share of problems score the same."""
    p, q = page_scores(PAGE_P, catalogue), page_scores(PAGE_Q, catalogue)
    small = group_scores([p, q] * 5)
    large = group_scores([p, q] * 5000)
    assert small.equity.value == large.equity.value
    assert small.dimensions == {
        k: Score(v.value, v.pages_scored // 1000, v.pages_total // 1000)
        for k, v in large.dimensions.items()
    }


def test_documents_dimension_scores_only_when_present():
    assert equity({"accessibility": 80.0, "documents": None}) == 80.0
    assert equity({"accessibility": 80.0, "documents": 50.0}) == 71.8  # (40 × 80 + 15 × 50) / 55
    extra = {"documents": Score(50.0, 3, 3)}
    assert group_scores([{"accessibility": 80.0}], extra=extra).equity.value == 71.8


def test_compliance_status():
    assert compliance_status(Score(100.0, 3, 3)) == "compliant"
    assert compliance_status(Score(50.0, 2, 3)) == "partly"
    assert compliance_status(Score(0.0, 2, 3)) == "not-compliant"
    assert compliance_status(Score(None, 0, 3)) == "not-tested"


def test_aggregate_and_rate():
    assert aggregate([75.6, 79.4, None]) == Score(77.5, 2, 3)
    assert compliance_rate([False, True, None]) == Score(50.0, 2, 3)


def test_grade_bands():
    assert [grade(v) for v in (100, 90, 89.9, 80, 70, 60, 59.9, 0)] == list("AABBCDFF")
    assert grade(None) is None
