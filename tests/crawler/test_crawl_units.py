"""Crawler decisions as pure functions: URL spelling, traps, caps, Retry-After."""

from __future__ import annotations

from massaudit.crawler.frontier import SiteFrontier
from massaudit.crawler.middlewares import retry_after_seconds
from massaudit.crawler.sites import parse_sites
from massaudit.crawler.urls import document_type, normalise_url, trap_pattern


def site(**overrides):
    entry = {
        "id": "s",
        "agency": "a",
        "name": "S",
        "start_urls": ["https://www.mass.gov/orgs/x"],
        "allowed_hosts": ["www.mass.gov"],
        "include": ["^/orgs/x", "^/info-details/x-"],
    } | overrides
    return parse_sites({"agency": [{"id": "a", "name": "A"}], "site": [entry]}).sites[0]


def test_normalise_url():
    assert normalise_url("HTTPS://WWW.Mass.gov:443/orgs/x?utm_source=a&b=2&a=1#top") == (
        "https://www.mass.gov/orgs/x?a=1&b=2"
    )
    assert normalise_url("http://h:80/p?fbclid=1&gclid=2") == "http://h/p"
    assert normalise_url("http://h/p?sort=new&id=3", ignore_params=["SORT"]) == "http://h/p?id=3"
    assert normalise_url("http://h/a/", trailing_slash="strip") == "http://h/a"
    assert normalise_url("http://h/a", trailing_slash="add") == "http://h/a/"
    assert normalise_url("http://h/a.pdf", trailing_slash="add") == "http://h/a.pdf"
    assert normalise_url("http://h/News/A", lowercase_path=True) == "http://h/news/a"
    assert normalise_url("http://h") == "http://h/"


def test_document_type_and_trap_pattern():
    assert document_type("https://www.mass.gov/doc/form.PDF") == "pdf"
    assert document_type("https://www.mass.gov/doc/form/download", "application/pdf") == "pdf"
    assert document_type("https://x/y.xlsx") == "excel" and document_type("https://x/y") is None
    assert trap_pattern("http://h/events/2026/11/?view=month&d=3") == "h/events/{n}/{n}/?d&view"


def test_frontier_caps_and_reasons():
    frontier = SiteFrontier(site(max_pages=2, max_depth=1))
    assert frontier.consider("https://www.mass.gov/orgs/x", 0).fetch
    assert frontier.consider("https://www.mass.gov/orgs/x#top", 0) is None  # seen already
    assert frontier.consider("https://www.mass.gov/orgs/x/a", 2).reason == "depth_cap"
    assert frontier.consider("https://www.mass.gov/orgs/x/b", 1).fetch
    assert frontier.consider("https://www.mass.gov/orgs/x/c", 1).reason == "page_cap"
    assert frontier.consider("https://www.mass.gov/how-to/y", 1).reason == "out_of_scope"
    assert frontier.consider("https://evil.example/orgs/x", 1).reason == "out_of_scope"
    pdf = frontier.consider("https://www.mass.gov/doc/x.pdf", 1)
    assert (pdf.reason, pdf.document, pdf.fetch) == ("document", "pdf", True)
    outside_pdf = frontier.consider("https://other.example/x.pdf", 1)
    assert (outside_pdf.reason, outside_pdf.fetch) == ("document", False)
    assert frontier.consider("https://www.mass.gov/orgs/x/logo.png", 1).reason == "not_html"


def test_frontier_trap_guard_and_resume():
    frontier = SiteFrontier(site(max_per_pattern=2, max_query_variants=2))
    results = [frontier.consider(f"https://www.mass.gov/orgs/x/cal/2026/{m}", 1) for m in (1, 2, 3)]
    assert [r.fetch for r in results] == [True, True, False]
    assert results[2].reason == "trap_guard"
    pages = [frontier.consider(f"https://www.mass.gov/orgs/x/list?p={n}", 1) for n in (1, 2, 3)]
    assert [p.reason for p in pages] == [None, None, "trap_guard"]
    resumed = SiteFrontier(site(max_pages=1))
    resumed.resume("https://www.mass.gov/orgs/x", queued=True)
    assert resumed.consider("https://www.mass.gov/orgs/x", 0) is None
    assert resumed.consider("https://www.mass.gov/orgs/x/new", 1).reason == "page_cap"


def test_resume_counts_the_query_variants_already_fetched():
    variants = [f"https://www.mass.gov/orgs/x/search?q={n}" for n in range(1, 7)]
    resumed = SiteFrontier(site(max_query_variants=3))
    for url in variants[:3]:  # queued or audited before the run stopped
        resumed.resume(url, queued=True)
    decisions = [resumed.consider(url, 1) for url in variants[3:]]
    assert [d.reason for d in decisions] == ["trap_guard"] * 3
    assert "over 3 query variants of /orgs/x/search" in decisions[0].detail


def test_retry_after():
    assert retry_after_seconds(b"120") == 120
    assert retry_after_seconds(b"99999") == 300  # capped
    assert retry_after_seconds(b"Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10
    assert retry_after_seconds(b"soon") is None and retry_after_seconds(None) is None
