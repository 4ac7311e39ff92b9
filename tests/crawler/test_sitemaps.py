"""Reading sitemaps before the crawl: robots.txt, indexes, gzip, lastmod, limits; each file once."""

from __future__ import annotations

import asyncio
import gzip
from datetime import UTC, datetime

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from massaudit.crawler.sitemaps import (
    MAX_SITEMAP_NESTING,
    SitemapEntry,
    SitemapReader,
    lastmods,
)
from massaudit.crawler.sites import parse_sites

NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def urlset(*entries: tuple[str, str | None]) -> bytes:
    items = "".join(
        f"<url><loc>{loc}</loc>{f'<lastmod>{lastmod}</lastmod>' if lastmod else ''}</url>"
        for loc, lastmod in entries
    )
    return f'<?xml version="1.0"?><urlset {NS}>{items}</urlset>'.encode()


def index(*locs: str) -> bytes:
    items = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
    return f'<?xml version="1.0"?><sitemapindex {NS}>{items}</sitemapindex>'.encode()


class FakeEngine:
    """Answers download_async from a dict of URL -> body (404 for the rest), and counts."""

    def __init__(self, bodies: dict[str, bytes]) -> None:
        self.bodies = bodies
        self.downloaded: list[str] = []

    async def download_async(self, request):
        self.downloaded.append(request.url)
        if "refused" in request.url:
            raise IgnoreRequest("Forbidden by robots.txt")
        body = self.bodies.get(request.url)
        return Response(request.url, status=200 if body is not None else 404, body=body or b"")


class Reader(SitemapReader):
    def __init__(self, bodies: dict[str, bytes]) -> None:
        self.crawler = type("Crawler", (), {"engine": FakeEngine(bodies)})()


def sites(*entries: dict):
    tables = [
        {"id": f"s{i}", "agency": "a", "name": "S", "allowed_hosts": ["h.gov"]} | entry
        for i, entry in enumerate(entries)
    ]
    return parse_sites({"agency": [{"id": "a", "name": "A"}], "site": tables}).sites


def test_robots_index_gzip_and_lastmod():
    reader = Reader(
        {
            "https://h.gov/robots.txt": b"Sitemap: https://h.gov/index.xml\n"
            b"Sitemap: https://elsewhere.gov/sitemap.xml\n",
            "https://h.gov/index.xml": index("https://h.gov/a.xml.gz", "https://evil.gov/b.xml"),
            "https://h.gov/a.xml.gz": gzip.compress(
                urlset(("https://h.gov/x", "2026-01-02T03:04:05Z"), ("https://h.gov/y", None))
            ),
        }
    )
    [site] = sites({"start_urls": ["https://h.gov/"]})
    found = asyncio.run(reader.read_sitemaps([site]))[site.id]
    assert found.entries == [
        SitemapEntry(
            "https://h.gov/x", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "https://h.gov/a.xml.gz"
        ),
        SitemapEntry("https://h.gov/y", None, "https://h.gov/a.xml.gz"),
    ]
    # Never a host outside the site's allowed_hosts.
    assert reader.crawler.engine.downloaded == [
        "https://h.gov/robots.txt",
        "https://h.gov/index.xml",
        "https://h.gov/a.xml.gz",
    ]
    assert found.files == reader.crawler.engine.downloaded


def test_missing_robots_broken_and_refused_sitemaps_give_nothing():
    reader = Reader({"https://h.gov/sitemap.xml": b"<html>not a sitemap"})
    one, two = sites(
        {"start_urls": ["https://h.gov/"]},
        {"start_urls": ["https://h.gov/"], "sitemaps": ["https://h.gov/refused.xml"]},
    )
    found = asyncio.run(reader.read_sitemaps([one, two]))
    assert found[one.id].entries == [] and found[two.id].entries == []


def test_a_sitemap_shared_by_sites_is_downloaded_once_and_nesting_is_bounded():
    depth = MAX_SITEMAP_NESTING + 2
    bodies = {f"https://h.gov/i{n}.xml": index(f"https://h.gov/i{n + 1}.xml") for n in range(depth)}
    bodies["https://h.gov/i0.xml"] = index("https://h.gov/i1.xml", "https://h.gov/pages.xml")
    bodies["https://h.gov/pages.xml"] = urlset(("https://h.gov/p", None))
    reader = Reader(bodies)
    many = sites(*({"start_urls": ["https://h.gov/"], "sitemaps": ["https://h.gov/i0.xml"]},) * 3)
    found = asyncio.run(reader.read_sitemaps(many))
    assert all(len(found[site.id].entries) == 1 for site in many)
    downloaded = reader.crawler.engine.downloaded
    assert len(downloaded) == len(set(downloaded))
    assert f"https://h.gov/i{MAX_SITEMAP_NESTING}.xml" in downloaded
    assert f"https://h.gov/i{MAX_SITEMAP_NESTING + 1}.xml" not in downloaded


def test_sites_without_sitemaps_read_none():
    reader = Reader({})
    [site] = sites({"start_urls": ["https://h.gov/"], "use_sitemaps": False})
    assert asyncio.run(reader.read_sitemaps([site])) == {}
    assert reader.crawler.engine.downloaded == []


def test_a_url_listed_twice_keeps_the_later_lastmod_or_none():
    early, late = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    entries = [
        SitemapEntry("https://h.gov/a#top", early, "s"),
        SitemapEntry("https://h.gov/a", late, "s"),
        SitemapEntry("https://h.gov/b", late, "s"),
        SitemapEntry("https://h.gov/b", None, "s"),
        SitemapEntry("https://h.gov/c", None, "s"),
        SitemapEntry("https://h.gov/c", early, "s"),
    ]
    found = lastmods(entries, lambda url: url.split("#")[0])
    assert found == {"https://h.gov/a": late, "https://h.gov/b": None, "https://h.gov/c": None}
