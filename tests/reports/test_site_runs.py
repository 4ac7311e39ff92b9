"""Which sites a stored run audited (reports/site_runs.py), as pure functions of its summary and
its pages' errors: the run's own list first, then sites with no page that could be tested."""

from __future__ import annotations

from massaudit.reports.site_runs import declared_not_audited, sites_not_audited


def test_the_summary_names_sites_it_could_not_audit():
    summary = {
        "sites_not_audited": [
            {"site": "parks", "reason": "robots.txt forbids crawling it"},
            {"site": "camps", "reason": "line one\nline two"},
            {"site": "transit"},
            {"reason": "no site"},
            "junk",
        ]
    }
    assert declared_not_audited(summary) == {
        "parks": "robots.txt forbids crawling it",
        "camps": "line one line two",
        "transit": "",
    }
    assert declared_not_audited({}) == declared_not_audited(None) == {}
    assert declared_not_audited({"sites_not_audited": "parks"}) == {}


def test_sites_without_a_tested_page_are_not_audited():
    pages = [
        ("parks", None),
        ("parks", "TimeoutError: slow"),
        ("camps", "ConnectError: refused"),
        ("camps", "ConnectError: refused again"),
    ]
    result = sites_not_audited({}, ["parks", "camps", "transit"], pages)
    assert result == {
        "camps": "no page could be tested (2 tried; first error: ConnectError: refused)",
        "transit": "no page of it was audited",
    }


def test_the_summary_wins_and_reasons_stay_one_short_line():
    summary = {"sites_not_audited": [{"site": "parks", "reason": ""}]}
    result = sites_not_audited(summary, ["parks"], [("parks", None), ("other", "x" * 500)])
    assert result["parks"] == "the run could not audit it"
    assert result["other"].endswith("…)") and len(result["other"]) < 260
