"""Trends and score history (reports/history.py) over stored runs, without a browser: history
points computed as the headline is (documents included, current formula), each site compared with
the last complete run that audited it, sites a run did not audit left out of every comparison,
agencies built from their sites."""

from __future__ import annotations

import pytest
from history_runs import CLEAN, UNTAGGED, down_pages, site_pages, store_sites_run

from massaudit.reports.views import build_scorecard
from massaudit.rules.catalogue import load_catalogue
from massaudit.store.db import Store


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture()
def store(tmp_path):
    store = Store(str(tmp_path / "audit.sqlite"))
    yield store
    store.close()


def card_of(store, catalogue, run_id):
    card = build_scorecard(store, store.get_run(run_id), catalogue)
    return card, {s.id: s for s in card.sites}, {a.id: a for a in card.agencies}


def baseline_ids(group):
    return {site: run.id for site, run in group.trend.baselines.items()}


def test_unchanged_site_has_equal_history_points_with_documents(store, catalogue):
    """A low documents score is in every point, so an unchanged second run shows no drop."""
    run = {"parks": site_pages("parks", count=2)}
    documents = {"parks": [CLEAN, UNTAGGED, UNTAGGED]}  # documents score 33.3
    run1 = store_sites_run(store, catalogue, run, documents=documents)
    run2 = store_sites_run(store, catalogue, run, documents=documents)
    _card, sites, agencies = card_of(store, catalogue, run2)
    for group in (sites["parks"], agencies["parks"]):
        first, second = group.trend.history
        assert (first.run_id, second.run_id) == (run1, run2)
        assert first.values == second.values
        assert first.values["documents"] == 33.3
        assert first.values["equity"] == group.scores.equity.value
        assert group.trend.change["documents"] == 0.0
        assert group.trend.change["equity"] == 0.0
        assert group.trend.regressions == []


def test_the_overviews_headline_is_its_history_point_and_counts_the_documents(store, catalogue):
    """Every site together: the headline scores take the documents in, as each site's and
    agency's do, and are the overall history's point for this run."""
    run = {"parks": site_pages("parks", count=2), "transit": site_pages("transit")}
    documents = {"parks": [CLEAN, UNTAGGED, UNTAGGED], "transit": [CLEAN]}  # 2 of 4 accessible
    run_id = store_sites_run(store, catalogue, run, documents=documents)
    card, _sites, _agencies = card_of(store, catalogue, run_id)
    assert card.scores.dimensions["documents"].value == 50.0
    last = card.history[-1]
    assert last.run_id == run_id
    assert last.values["documents"] == 50.0
    assert last.values["equity"] == card.scores.equity.value


def test_history_is_recomputed_with_the_current_formula(store, catalogue):
    """A run scored with an older formula is shown with the current one: no formula trend."""
    run = {"parks": site_pages("parks", count=2)}
    run1 = store_sites_run(store, catalogue, run, scoring="1")
    run2 = store_sites_run(store, catalogue, run)
    with store.session() as s, s.begin():  # what formula v1 stored: accessibility only
        from massaudit.store.schema import PageRow

        for page in s.query(PageRow).filter(PageRow.run_id == run1):
            page.scores = {"accessibility": 1.0, "compliant": False}
    card, sites, _agencies = card_of(store, catalogue, run2)
    first, second = sites["parks"].trend.history
    assert first.values == second.values
    assert (first.scoring_version, second.scoring_version) == ("1", card.run.scoring_version)
    assert sites["parks"].trend.change["accessibility"] == 0.0
    old_card, old_sites, _ = card_of(store, catalogue, run1)  # its own scorecard, current formula
    assert old_sites["parks"].scores.values() == sites["parks"].scores.values()


def test_each_site_is_compared_with_the_last_run_that_audited_it(store, catalogue):
    parks = {"parks": site_pages("parks", image_bug=True)}
    run1 = store_sites_run(store, catalogue, parks)
    run2 = store_sites_run(store, catalogue, {"transit": site_pages("transit")})
    _card, sites, agencies = card_of(store, catalogue, run2)
    transit = sites["transit"].trend
    assert transit.previous_run is None  # no earlier run audited it: nothing is new or fixed
    assert (transit.new, transit.fixed, transit.change) == ([], [], {})
    assert agencies["transit"].trend.new == []
    run3 = store_sites_run(store, catalogue, parks)
    _card, sites, agencies = card_of(store, catalogue, run3)
    parks_trend = sites["parks"].trend
    assert parks_trend.previous_run.id == run1
    assert {i.rule_id for i in parks_trend.persisting} == {"button-name", "image-alt"}
    assert (parks_trend.new, parks_trend.fixed) == ([], [])
    assert [p.run_id for p in parks_trend.history] == [run1, run3]
    assert baseline_ids(agencies["parks"]) == {"parks": run1}


def test_site_whose_server_was_down_earns_no_fixed_issue(store, catalogue):
    both = {"parks": site_pages("parks", image_bug=True), "camps": site_pages("camps")}
    run1 = store_sites_run(store, catalogue, both)
    down = {"parks": down_pages("parks"), "camps": site_pages("camps")}
    run2 = store_sites_run(store, catalogue, down)
    card, sites, agencies = card_of(store, catalogue, run2)
    parks, agency = sites["parks"].trend, agencies["parks"].trend
    assert parks.fixed == [] and agency.fixed == []
    assert (parks.previous_run, parks.new, parks.change) == (None, [], {})
    assert parks.not_audited.startswith("no page could be tested (2 tried; first error: Connect")
    assert parks.last_audited.id == run1
    assert agency.sites_not_audited == {"parks": parks.not_audited}
    assert baseline_ids(agencies["parks"]) == {"camps": run1}
    assert agency.change["equity"] == 0.0  # camps alone, like for like
    assert card.movers() == []
    run3 = store_sites_run(store, catalogue, both)  # the server is back, nothing was fixed
    _card, sites, agencies = card_of(store, catalogue, run3)
    for group in (sites["parks"], agencies["parks"]):
        assert group.trend.fixed == [] and group.trend.new == []
        assert {i.rule_id for i in group.trend.persisting} == {"button-name", "image-alt"}
    assert sites["parks"].trend.previous_run.id == run1
    assert baseline_ids(agencies["parks"]) == {"parks": run1, "camps": run2}


def test_sites_the_summary_says_were_not_audited(store, catalogue):
    """The run's summary names sites it could not audit; they are not a baseline either."""
    parks = {"parks": site_pages("parks", image_bug=True)}
    run1 = store_sites_run(store, catalogue, parks)
    reason = "robots.txt forbids crawling it"
    blocked = {"sites_not_audited": [{"site": "parks", "reason": reason}, "junk", {"site": 3}]}
    run2 = store_sites_run(store, catalogue, {"parks": site_pages("parks")}, summary=blocked)
    _card, sites, _agencies = card_of(store, catalogue, run2)
    assert sites["parks"].trend.fixed == []
    assert sites["parks"].trend.not_audited == reason
    run3 = store_sites_run(store, catalogue, parks)
    _card, sites, _agencies = card_of(store, catalogue, run3)
    assert sites["parks"].trend.previous_run.id == run1
    assert sites["parks"].trend.fixed == []
    assert [p.run_id for p in sites["parks"].trend.history] == [run1, run3]


def test_agency_trend_is_built_from_its_sites(store, catalogue):
    """Each site of the agency is compared with its own last audit; a site audited for the
    first time brings no 'new' issue and does not move the agency's change."""
    run1 = store_sites_run(store, catalogue, {"parks": site_pages("parks", image_bug=True)})
    run2 = store_sites_run(
        store,
        catalogue,
        {"parks": site_pages("parks"), "camps": site_pages("camps", image_bug=True)},
    )
    _card, sites, agencies = card_of(store, catalogue, run2)
    agency = agencies["parks"].trend
    assert agency.first_audits == ["camps"]
    parks = sites["parks"].trend
    assert agency.new == []  # camps' issues are its first audit's, not new
    assert [i.fingerprint for i in agency.fixed] == [i.fingerprint for i in parks.fixed]
    assert {i.rule_id for i in agency.fixed} == {"image-alt"}
    assert [i.fingerprint for i in agency.persisting] == [i.fingerprint for i in parks.persisting]
    assert agency.change["accessibility"] == parks.change["accessibility"] > 0
    assert [p.run_id for p in agency.history] == [run1, run2]
    assert agency.history[-1].values == agencies["parks"].scores.values()


def test_rendered_scorecard_says_not_audited_and_leads_with_compliance(store, catalogue, tmp_path):
    from scorecard_runs import assert_internal_links_resolve

    from massaudit.reports.site import render_scorecard

    store_sites_run(store, catalogue, {"parks": site_pages("parks", image_bug=True)})
    run2 = store_sites_run(store, catalogue, {"parks": down_pages("parks")})
    card = build_scorecard(store, store.get_run(run2), catalogue)
    out = tmp_path / "out"
    render_scorecard(card, catalogue, out)
    assert_internal_links_resolve(out)
    site = (out / "site" / "parks.html").read_text()
    assert "Not audited this run:</strong> no page could be tested" in site
    assert "Fixed issues" not in site
    agency = (out / "agency" / "parks.html").read_text()
    assert "No site of Department of Parks was audited this run: nothing is compared." in agency
    index = (out / "index.html").read_text()
    assert "Sites not audited this run (3)" in index  # camps and transit have no page
    summary = index.split('<dl class="summary">', 1)[1]
    assert summary.index("WCAG 2.1 A/AA minimum") < summary.index("Equity score")
