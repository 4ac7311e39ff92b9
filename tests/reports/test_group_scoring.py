"""Group scoring (reports/scoring.py): sites and agencies from their pages' scores, rates not
counts, compliance status, grades capped by compliance, tallies that add up; the worked examples
of docs/scoring.md."""

from __future__ import annotations

import pytest
from scoring_examples import PAGE_P, PAGE_Q, PAGE_R

from massaudit.reports.scoring import (
    DIMENSION_IDS,
    Score,
    ScoreTally,
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
    # 78.5 alone is a C, but no tested page is compliant: D at most
    assert (site.equity.value, site.equity.grade, site.equity.capped) == (78.5, "D", True)
    assert site.dimensions["accessibility"].grade == "D"  # 77.5
    assert site.dimensions["plain-language"].grade == "B"  # 85.0: not capped by compliance
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
    assert (agency.equity.grade, agency.equity.capped) == ("C", True)  # B needs 50 % compliant


def test_rates_not_counts(catalogue):
    """A site of 10 pages and one of 10,000 with the same share of problems score the same."""
    p, q = page_scores(PAGE_P, catalogue), page_scores(PAGE_Q, catalogue)
    small = group_scores([p, q] * 5)
    large = group_scores([p, q] * 5000)
    assert small.equity.value == large.equity.value
    assert small.dimensions == {
        k: Score(v.value, v.pages_scored // 1000, v.pages_total // 1000, v.compliant)
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


@pytest.mark.parametrize(
    ("score", "compliant", "letter"),
    [
        (97.3, 49.0, "C"),  # the overview: most pages fail, so no B or A
        (97.0, 0.0, "D"),  # every page tested has a critical or serious failure
        (97.0, 0.9, "D"),  # fewer than 1 % of pages pass
        (97.0, 1.0, "C"),
        (95.0, 92.0, "A"),
        (95.0, 89.9, "B"),
        (85.0, 50.0, "B"),
        (72.0, 100.0, "C"),  # compliance never raises a grade
        (55.0, 100.0, "F"),
        (97.0, None, "A"),  # no page tested for compliance: the score alone
        (97.0, False, "D"),  # one page with a critical or serious failure
        (97.0, True, "A"),
    ],
)
def test_grades_are_capped_by_compliance(score, compliant, letter):
    assert grade(score, compliant) == letter


def test_worked_example_grade_caps():
    """docs/scoring.md: 49 of 100 pages compliant at 97.3 is C; none compliant at 97.0 is D."""
    half = group_scores(
        [{"accessibility": 97.3, "compliant": True}] * 49
        + [{"accessibility": 97.3, "compliant": False}] * 51
    )
    assert (half.equity.value, half.compliance.value, half.equity.grade) == (97.3, 49.0, "C")
    assert half.equity.capped and half.dimensions["accessibility"].grade == "C"
    none = group_scores([{"accessibility": 97.0, "compliant": False}] * 3)
    assert (none.status, none.equity.grade) == ("not-compliant", "D")
    most = group_scores(
        [{"accessibility": 95.0, "compliant": True}] * 23
        + [{"accessibility": 95.0, "compliant": False}] * 2
    )
    assert (most.compliance.value, most.equity.grade, most.equity.capped) == (92.0, "A", False)


def test_tallies_add_up_to_the_scores_of_all_pages(catalogue):
    """An agency's scores from its sites' tallies are those of all their pages, in any order."""
    p, q, r = (page_scores(x, catalogue) for x in (PAGE_P, PAGE_Q, PAGE_R))
    site_a, site_b = [p, q, None], [r, {"accessibility": 75.6, "compliant": True}]
    combined = ScoreTally.of(site_a) + ScoreTally.of(site_b)
    assert combined.scores() == group_scores(site_b + site_a)
    assert combined.scores().values() == group_scores(site_a + site_b).values()
