"""The night plan: pages expected and due per site, requests and time per host (sites sharing a
host add up), and the sites that will not fit in the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from massaudit.crawler.reuse import AGED, CHANGED, KNOWN_UNCHANGED, NEW, NO_LASTMOD
from massaudit.crawler.sitemaps import SitemapEntry, SiteSitemaps
from massaudit.crawler.sites import parse_sites
from massaudit.pipeline.plan import ASSUMED_RESPONSE_S, plan_night
from massaudit.rules.judge import PageJudgement
from massaudit.rules.model import PageArtifacts
from massaudit.store.db import RunVersions, Store
from massaudit.store.schema import PageRow

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=30)
NEWER = NOW - timedelta(hours=1)
MASS = "https://www.mass.gov"


def sites():
    def site(site_id, include, host="www.mass.gov", **keys):
        return {
            "id": site_id,
            "agency": "a",
            "name": site_id,
            "start_urls": [f"https://{host}/{include}"],
            "allowed_hosts": [host],
            "include": [f"^/{include}"],
        } | keys

    return parse_sites(
        {
            "agency": [{"id": "a", "name": "A"}],
            "site": [
                site("alpha", "a", download_delay=1.0, concurrency_per_host=2),
                site("beta", "b", download_delay=2.0, concurrency_per_host=1),
                site("gamma", "g", host="www.mass.edu", download_delay=0, concurrency_per_host=4),
            ],
        }
    )


def store_with_alpha(tmp_path) -> Store:
    """One complete run of site alpha: pages fetched a day ago, one ten days ago."""
    store = Store(str(tmp_path / "audit.sqlite"), create=True)
    run_id = store.begin_run({"sites": []}, {"audit": {}}, RunVersions("0", "4", "c", "1"))
    fetched = {
        "/a": NOW - timedelta(days=1),
        "/a/1": NOW - timedelta(days=1),
        "/a/2": NOW - timedelta(days=10),
        "/a/3": NOW - timedelta(days=1),
        "/a/4": NOW - timedelta(days=1),
        "/a/5": NOW - timedelta(days=1),
    }
    for path, when in fetched.items():
        url = MASS + path
        page_id = store.save_page(
            run_id,
            site_id="alpha",
            agency_id="a",
            depth=0,
            artifacts=PageArtifacts(url, url, 200, "A", {"violations": []}, {}),
            judgement=PageJudgement([], {}, {}),
        )
        with store.session() as s, s.begin():
            s.get(PageRow, page_id).audited_at = when
    store.finish_run(run_id, "complete", {})
    return store


SITEMAPS = {
    "alpha": SiteSitemaps(
        [
            SitemapEntry(MASS + "/a", OLD, "s"),
            SitemapEntry(MASS + "/a/1", OLD, "s"),
            SitemapEntry(MASS + "/a/2", OLD, "s"),  # too old to reuse whatever its lastmod
            SitemapEntry(MASS + "/a/3", NEWER, "s"),  # changed since its fetch
            SitemapEntry(MASS + "/a/5", OLD, "s"),
            SitemapEntry(MASS + "/a/6", OLD, "s"),  # new
            SitemapEntry(MASS + "/other/7", OLD, "s"),  # outside alpha's scope
        ],
        [f"{MASS}/robots.txt", f"{MASS}/sitemap.xml"],
    ),
    "beta": SiteSitemaps(
        [SitemapEntry(f"{MASS}/b/{n}", None, "s") for n in range(3)],
        [f"{MASS}/robots.txt", f"{MASS}/sitemap.xml"],  # the same files: read once
    ),
}


def test_pages_expected_and_due_per_site(tmp_path):
    store = store_with_alpha(tmp_path)
    plan = plan_night(sites(), store, 8 * 3600, tool_version="0", now=NOW, sitemaps=SITEMAPS)
    alpha, beta, gamma = plan.sites
    assert (alpha.expected, alpha.expected_from) == (6, "last run")
    assert alpha.counts == {KNOWN_UNCHANGED: 3, AGED: 1, CHANGED: 1, NO_LASTMOD: 1, NEW: 1}
    assert alpha.due == 3 and alpha.page_requests == 4  # all but the three reused
    # No run yet: the sitemap's pages and the start URL, all new.
    assert (beta.expected, beta.expected_from, beta.counts) == (4, "sitemap", {NEW: 4})
    assert (gamma.expected, gamma.expected_from, gamma.counts) == (1, "start URLs", {NEW: 1})
    store.close()


def test_requests_and_time_per_host(tmp_path):
    store = store_with_alpha(tmp_path)
    plan = plan_night(sites(), store, 8 * 3600, tool_version="0", now=NOW, sitemaps=SITEMAPS)
    mass, edu = plan.hosts
    assert mass.host == "www.mass.gov" and mass.site_ids == ["alpha", "beta"]
    # alpha's 4 and beta's 4 page requests, robots.txt and sitemap.xml once, the probe.
    assert mass.requests == 4 + 4 + 2 + 1
    assert mass.seconds_per_request == 2.0  # the gentlest of the sites sharing the host
    # Every host goes at least at the run's largest delay (AutoThrottle's least delay).
    assert edu.seconds_per_request == max(2.0, ASSUMED_RESPONSE_S / 4)
    assert plan.seconds == mass.seconds == 11 * 2.0
    assert plan.not_fitting() == []
    store.close()


@pytest.mark.parametrize(("window", "late"), [(21, ["alpha", "beta"]), (22, [])])
def test_sites_that_will_not_fit_in_the_window(tmp_path, window, late):
    store = store_with_alpha(tmp_path)
    plan = plan_night(sites(), store, window, tool_version="0", now=NOW, sitemaps=SITEMAPS)
    assert plan.not_fitting() == late
    store.close()
