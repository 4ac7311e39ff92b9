"""The browser renders the crawler's download instead of asking again, and sends every other
document of the site through the run's politeness (a recording fetcher here; the crawler's own in
tests/pipeline/test_nightly_requests.py). Real Chromium and axe-core, a server on 127.0.0.1 that
logs every request."""

from __future__ import annotations

import asyncio
import http.client
from urllib.parse import urljoin, urlsplit

import pytest
from polite_site import FRAME, REDIRECT, REDIRECT_TARGET, serve_polite_site

from massaudit.audits.collector import Auditor, AuditSettings
from massaudit.audits.document_fetch import ServedDocument, same_document, served_headers
from massaudit.rules.catalogue import load_catalogue
from massaudit.rules.judge import judge

AGENT = "massaudit/test"


class RecordingFetcher:
    """Fetches one request as the crawler's politeness would (no redirects followed), and
    records what it was asked for."""

    def __init__(self, base: str, fail: set[str] = frozenset()) -> None:
        self.host = urlsplit(base).netloc
        self.asked: list[tuple[str, str]] = []  # (path, kind)
        self.fail = fail

    def governs(self, url: str) -> bool:
        return urlsplit(url).netloc == self.host

    async def fetch(self, url, *, kind, method="GET", body=None, headers=()):
        path = urlsplit(url).path
        self.asked.append((path, kind))
        if path in self.fail:
            raise TimeoutError("the site did not answer in time")
        return await asyncio.to_thread(get, url)


def get(url: str) -> ServedDocument:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=10)
    try:
        connection.request("GET", parts.path or "/", headers={"User-Agent": AGENT})
        response = connection.getresponse()
        return ServedDocument(url, response.status, tuple(response.getheaders()), response.read())
    finally:
        connection.close()


def audit(base: str, paths: list[str], fetcher=None, served: dict[str, ServedDocument] = None):
    async def run():
        settings = AuditSettings(concurrency=1, user_agent=AGENT)
        async with Auditor(settings, fetcher=fetcher) as auditor:
            results = []
            for path in paths:
                document = (served or {}).get(path)
                results.append(await auditor.audit(base + path, document=document))
            return results, auditor.requests

    return asyncio.run(run())


def crawled(base: str, path: str) -> ServedDocument:
    """What the crawler would hand over: the answer at the end of the redirects."""
    url = base + path
    for _ in range(5):
        answer = get(url)
        location = dict((k.lower(), v) for k, v in answer.headers).get("location")
        if answer.status not in (301, 302) or not location:
            return answer
        url = urljoin(url, location)
    raise AssertionError("too many redirects")


@pytest.mark.browser
def test_the_page_is_rendered_from_the_crawlers_download_and_the_rest_goes_through_politeness():
    with serve_polite_site() as (base, log):
        pages = ["/fees/", "/framed/", REDIRECT]
        served = {path: crawled(base, path) for path in pages}
        before = {path: log.count(path) for path in (*pages, REDIRECT_TARGET, FRAME)}
        fetcher = RecordingFetcher(base)
        results, counts = audit(base, pages, fetcher, served)
        after = {path: log.count(path) for path in before}
    assert [r.error for r in results] == [None, None, None]
    assert [r.title for r in results] == ["fees", "Framed", "new-home"]
    assert results[2].final_url == base + REDIRECT_TARGET
    # The pages themselves: never asked again. The redirect hop, the frame and the probe: once
    # each, through the politeness, and nothing else.
    asked = [(kind if kind == "probe" else path, kind) for path, kind in fetcher.asked]
    assert asked == [("probe", "probe"), (FRAME, "frame"), (REDIRECT, "browser")]
    assert {path: after[path] - before[path] for path in before} == {
        "/fees/": 0,
        "/framed/": 0,
        REDIRECT: 1,
        REDIRECT_TARGET: 0,
        FRAME: 1,
    }
    assert counts["served"] == 3
    assert counts["subresource"] == 2  # the stylesheet and the image, then from the cache
    assert {hit.agent for hit in log.hits} == {AGENT}
    # The tab's icon is answered inside the browser: no request outside the politeness.
    assert log.count("/favicon.ico") == 0


@pytest.mark.browser
def test_a_document_the_politeness_cannot_fetch_fails_in_the_browser_and_the_page_is_audited():
    with serve_polite_site() as (base, log):
        fetcher = RecordingFetcher(base, fail={FRAME})
        results, _ = audit(base, ["/framed/"], fetcher, {"/framed/": crawled(base, "/framed/")})
        assert log.count(FRAME) == 0
    assert results[0].error is None and results[0].title == "Framed"
    assert (FRAME, "frame") in fetcher.asked


@pytest.mark.browser
def test_rendering_the_crawlers_download_finds_what_the_browsers_own_request_finds():
    catalogue = load_catalogue()
    pages = ["/", "/framed/", REDIRECT]
    with serve_polite_site() as (base, _):
        own, own_counts = audit(base, pages)  # no politeness: Chromium's own requests
        served = {path: crawled(base, path) for path in pages}
        rendered, _ = audit(base, pages, RecordingFetcher(base), served)

    def findings(artifacts):
        assert artifacts.error is None, artifacts.error
        return sorted(
            (f.rule_id, f.outcome, f.selector) for f in judge(artifacts, catalogue).findings
        )

    assert [findings(a) for a in own] == [findings(a) for a in rendered]
    assert all(findings(a) for a in own)  # the pages do have findings to compare
    assert [a.facts["headers"] for a in own] == [a.facts["headers"] for a in rendered]
    assert own_counts["browser"] == 4  # three pages and the redirect's hop: the old way
    assert own_counts["probe"] == 1


def test_the_crawlers_headers_are_handed_over_without_their_transfer_and_hostile_ones():
    headers = (
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Encoding", "gzip"),  # the body handed over is already decoded
        ("Content-Length", "123"),
        ("Transfer-Encoding", "chunked"),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
        ("X-Bad", "a\x00b"),
        ("X-Long", "x" * 20_000),
        ("", "nameless"),
    )
    assert served_headers(headers) == [
        {"name": "Content-Type", "value": "text/html; charset=utf-8"},
        {"name": "Set-Cookie", "value": "a=1"},
        {"name": "Set-Cookie", "value": "b=2"},
    ]
    assert len(served_headers(tuple(("X-Many", str(i)) for i in range(1000)))) == 200


@pytest.mark.parametrize(
    ("asked", "crawled_url", "same"),
    [
        ("http://127.0.0.1:8000/a b", "http://127.0.0.1:8000/a%20b", True),
        ("http://www.mass.gov/info", "HTTP://WWW.Mass.gov:80/info#top", True),
        ("http://www.mass.gov", "http://www.mass.gov/", True),
        ("http://www.mass.gov/?q=%27x%27", "http://www.mass.gov/?q='x'", True),
        ("http://www.mass.gov/caf%C3%A9", "http://www.mass.gov/café", True),
        ("http://www.mass.gov/?a=1", "http://www.mass.gov/?a=2", False),
        ("http://[::1/", "http://[::1/", False),
        ("https://www.mass.gov/info", "http://www.mass.gov/info", False),
        ("http://www.mass.gov:8080/info", "http://www.mass.gov/info", False),
    ],
)
def test_the_navigation_is_matched_to_the_crawlers_download(asked, crawled_url, same):
    assert same_document(asked, crawled_url) is same
