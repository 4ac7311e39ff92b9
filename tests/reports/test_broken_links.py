"""A site's "broken internal links" are its pages' links to URLs of the same site that failed to
load: a link to another host (even one checked and found gone) or to a URL another site of the
run crawled is not one of them."""

from __future__ import annotations

from dataclasses import asdict

from massaudit.crawler.items import UrlOutcome
from massaudit.reports.views import build_scorecard
from massaudit.rules.catalogue import load_catalogue
from massaudit.rules.judge import judge
from massaudit.rules.model import PageArtifacts
from massaudit.store.db import RunVersions, Store

PARKS = "http://parks.example"
FEES = "http://fees.example"
CONFIG = {
    "agencies": [{"id": "a", "name": "Agency"}],
    "sites": [
        {"id": site, "agency": "a", "name": site, "start_urls": [f"{base}/"]}
        for site, base in (("parks", PARKS), ("fees", FEES))
    ],
}


def skipped(site: str, url: str, reason: str, detail: str = "", status: int | None = None):
    return asdict(UrlOutcome(site, url, "skipped", reason, detail, status))


def test_only_links_to_failed_urls_of_the_same_site_are_broken_internal_links(tmp_path):
    catalogue = load_catalogue()
    store = Store(str(tmp_path / "audit.sqlite"))
    run_id = store.begin_run(CONFIG, {}, RunVersions("0", "0", "0", "0"))
    links = {
        "missing": f"{PARKS}/missing/",  # the site's own page, gone: broken
        "gone elsewhere": "http://other.example/gone/",  # another host, checked: 404
        "fees error": f"{FEES}/down/",  # crawled by the other site, failed there
    }
    home = PageArtifacts(f"{PARKS}/", f"{PARKS}/", 200, "Parks", {"violations": []})
    store.save_page(
        run_id,
        site_id="parks",
        agency_id="a",
        depth=0,
        artifacts=home,
        judgement=judge(home, catalogue),
        links=tuple(links.values()),
        discovered=[
            skipped("parks", links["missing"], "http_error", "HTTP 404", 404),
            skipped(
                "parks", links["gone elsewhere"], "out_of_scope", "link checked: HTTP 404", 404
            ),
            skipped("parks", links["fees error"], "out_of_scope"),
        ],
    )
    store.record_url_states(run_id, [skipped("fees", links["fees error"], "http_error", "", 500)])
    store.finish_run(run_id, "complete", {})

    scorecard = build_scorecard(store, store.get_run(run_id), catalogue)
    parks = next(site for site in scorecard.sites if site.id == "parks")
    assert [link.url for link in parks.pages[0].broken_links] == [links["missing"]]
    assert parks.broken_links == 1
    store.close()
