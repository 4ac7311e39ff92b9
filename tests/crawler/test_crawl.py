"""Whole-site crawling on a test site: every URL seen ends in exactly one documented state."""

from __future__ import annotations

import pytest
from crawl_site import serve_crawl_site, sites_toml
from integration_helpers import massaudit
from markupsafe import escape

from massaudit.crawler.frontier import SKIP_REASONS
from massaudit.reports.views import SKIP_REASON_TEXT
from massaudit.store.db import Store

pytestmark = pytest.mark.browser

AUDITED = {
    "/",
    "/about/",
    "/orphan-from-sitemap/",
    "/orphan-gz/",
    "/redirect-in/",
    "/calendar/2026/1/",
    "/calendar/2026/2/",
    "/calendar/2026/3/",
    "/calendar/2026/4/",
    "/calendar/2026/5/",
    "/deep/1/",
    "/deep/2/",
    "/deep/3/",
    "/list/?page=1",
    "/list/?page=2",
    "/list/?page=3",
}
SKIPPED = {
    "/deep/4/": "depth_cap",
    "/forms/application.docx": "document",
    "/report.pdf": "document",
    "/broken/": "http_error",
    "/missing/": "http_error",
    "/slow/": "timeout",
    "/data/": "not_html",
    "/images/seal.png": "not_html",
    "/excluded/page/": "out_of_scope",
    "http://localhost:{port}/outside-ok/": "out_of_scope",
    "http://localhost:{port}/gone/": "out_of_scope",
    "/redirect-loop/": "redirect_loop",
    "/redirect-out/": "redirect_out_of_scope",
    "/private/secret/": "robots_txt",
    "/private/x/": "robots_txt",
    **{f"/calendar/2026/{m}/": "trap_guard" for m in range(6, 13)},
    **{f"/calendar/2027/{m}/": "trap_guard" for m in range(1, 6)},
    **{f"/list/?page={n}": "trap_guard" for n in (4, 5, 6)},
}


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("crawl")
    with serve_crawl_site() as base:
        (tmp / "sites.toml").write_text(
            sites_toml(base, check_external_links="true", external_link_budget=5)
        )
        result = massaudit(
            "run",
            "--sites",
            str(tmp / "sites.toml"),
            "--db",
            str(tmp / "db.sqlite"),
            "--out",
            str(tmp / "out"),
            "--quiet",
            "--log",
            str(tmp / "run.jsonl"),
        )
    assert result.returncode == 0, result.stderr
    store = Store(str(tmp / "db.sqlite"))
    return base, store, tmp, result


def short(base: str, url: str) -> str:
    port = base.rsplit(":", 1)[1]
    return url[len(base) :] if url.startswith(base) else url.replace(port, "{port}")


def test_every_url_in_exactly_one_state(crawl):
    base, store, _, _ = crawl
    states = store.url_states(1)
    urls = [short(base, s.url) for s in states]
    assert len(urls) == len(set(urls)), "one row per URL"
    assert {u for u, s in zip(urls, states, strict=True) if s.state == "audited"} == AUDITED
    skipped = {short(base, s.url): s.reason for s in states if s.state == "skipped"}
    assert skipped == SKIPPED
    assert {s.state for s in states} == {"audited", "skipped"}  # nothing left queued


def test_pages_are_stored_once_with_their_final_url(crawl):
    base, store, _, _ = crawl
    pages = {short(base, p.url): p for p in store.pages(1)}
    assert set(pages) == AUDITED
    assert short(base, pages["/redirect-in/"].final_url) == "/target/"


def test_details_of_skips(crawl):
    base, store, _, _ = crawl
    by_url = {short(base, s.url): s for s in store.url_states(1)}
    assert by_url["/missing/"].status == 404 and by_url["/broken/"].status == 500
    pdf = by_url["/report.pdf"]
    assert (pdf.document, pdf.size, pdf.status) == ("pdf", 2009, 200)
    assert by_url["/forms/application.docx"].document == "word"
    assert by_url["/about/"].referrer is None or short(base, by_url["/about/"].referrer) in (
        "/",
        "",
    )


def test_links_outside_the_site_are_checked_not_crawled(crawl):
    base, store, _, _ = crawl
    by_url = {short(base, s.url): s for s in store.url_states(1)}
    ok = by_url["http://localhost:{port}/outside-ok/"]
    assert ok.status == 200, ok.detail
    assert by_url["http://localhost:{port}/gone/"].status == 404
    assert by_url["/excluded/page/"].status == 404  # same host, excluded path: checked too
    home = next(p for p in store.pages(1) if short(base, p.url) == "/")
    assert not any(short(base, p.url).startswith("http://localhost") for p in store.pages(1))
    assert home is not None


def test_scorecard_lists_pages_not_audited_with_reasons(crawl):
    _, _, tmp, result = crawl
    html = (tmp / "out" / "site" / "crawl-site.html").read_text()
    assert "Pages not audited" in html
    for reason in set(SKIPPED.values()):
        assert str(escape(SKIP_REASON_TEXT[reason])) in html
    assert "/private/x/" in html and "/slow/" in html and "report.pdf" in html
    assert "skipped, trap_guard: 15" in result.stdout


def test_structured_log_has_one_line_per_event(crawl):
    import json

    _, _, tmp, _ = crawl
    events = [json.loads(line) for line in (tmp / "run.jsonl").read_text().splitlines()]
    assert events[0]["event"] == "run started" and events[-1]["event"] == "run finished"
    assert sum(e["event"] == "page audited" for e in events) == len(AUDITED)


def test_every_reason_is_documented_for_readers():
    assert set(SKIP_REASONS) == set(SKIP_REASON_TEXT)
