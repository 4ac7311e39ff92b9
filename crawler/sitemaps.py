"""Reading a site's sitemaps before its crawl begins: the URLs they list, with their `<lastmod>`.

Sitemaps are read first so that every page request knows its lastmod (a page whose lastmod is
not newer than its last fetch needs no request: crawler/reuse.py). They are downloaded through
Scrapy's downloader (robots.txt, the per-host delay and concurrency, the scope guard, retries)
and parsed with Scrapy's `Sitemap`. A missing or broken sitemap or robots.txt is not a page:
nothing is recorded for it. Only sitemaps on the site's own hosts are fetched, each at most
MAX_SITEMAP_BYTES uncompressed, indexes followed MAX_SITEMAP_NESTING levels deep, at most
MAX_SITEMAP_FILES files per site; a sitemap shared by several sites is downloaded once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from massaudit.crawler.reuse import parse_lastmod
from massaudit.crawler.sites import Site, host_key

MAX_SITEMAP_NESTING = 3
# The sitemap protocol's own limit on one (uncompressed) sitemap file.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024
MAX_SITEMAP_FILES = 1000


@dataclass(frozen=True)
class SitemapEntry:
    url: str  # as the sitemap writes it
    lastmod: datetime | None  # None: none given, or unreadable
    sitemap: str  # the sitemap file listing it


@dataclass(frozen=True)
class SitemapFile:
    kind: str  # "urlset", "sitemapindex", or "" when missing or unreadable
    entries: tuple[SitemapEntry, ...] = ()  # of a urlset
    sitemaps: tuple[str, ...] = ()  # of an index


@dataclass
class SiteSitemaps:
    """What reading one site's sitemaps found."""

    entries: list[SitemapEntry] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # robots.txt and sitemap URLs requested


class SitemapReader:
    """Mixed into a spider: `read_sitemaps` downloads and parses the sitemaps of sites."""

    crawler: Any

    async def read_sitemaps(self, sites: Iterable[Site]) -> dict[str, SiteSitemaps]:
        """site id -> its sitemaps' entries, for every site with `use_sitemaps`, read at once."""
        self._sitemap_files: dict[str, asyncio.Task[SitemapFile]] = {}
        chosen = [site for site in sites if site.use_sitemaps]
        found = await asyncio.gather(*(self._read_site(site) for site in chosen))
        return {site.id: result for site, result in zip(chosen, found, strict=True)}

    async def _read_site(self, site: Site) -> SiteSitemaps:
        result = SiteSitemaps()
        if site.sitemaps:
            level = _on_site(site, site.sitemaps)
        else:
            roots = sorted({"{0.scheme}://{0.netloc}".format(urlsplit(u)) for u in site.start_urls})
            robots = await asyncio.gather(*(self._robots_sitemaps(site, root) for root in roots))
            result.files.extend(f"{root}/robots.txt" for root in roots)
            level = _on_site(site, [url for file in robots for url in file.sitemaps])
        seen: set[str] = set()
        for depth in range(MAX_SITEMAP_NESTING + 1):
            level = [u for u in dict.fromkeys(level) if u not in seen]
            level = level[: max(0, MAX_SITEMAP_FILES - len(seen))]
            if not level:
                break
            seen.update(level)
            files = await asyncio.gather(*(self._sitemap_file(site, u, depth) for u in level))
            result.files.extend(level)
            for file in files:
                result.entries.extend(file.entries)
            level = _on_site(site, [u for file in files for u in file.sitemaps])
        return result

    def _robots_sitemaps(self, site: Site, root: str) -> asyncio.Task[SitemapFile]:
        """The `Sitemap:` lines of robots.txt at `root`, or its /sitemap.xml when none, as the
        sitemaps of an index."""
        return self._once(site, f"{root}/robots.txt", 0, root)

    def _sitemap_file(self, site: Site, url: str, depth: int) -> asyncio.Task[SitemapFile]:
        return self._once(site, url, depth)

    def _once(
        self, site: Site, url: str, depth: int, robots_root: str | None = None
    ) -> asyncio.Task[SitemapFile]:
        """One download and parse per URL and run, whichever sites ask for it."""
        task = self._sitemap_files.get(url)
        if task is None:
            task = asyncio.ensure_future(self._fetch(site, url, depth, robots_root))
            self._sitemap_files[url] = task
        return task

    async def _fetch(
        self, site: Site, url: str, depth: int, robots_root: str | None
    ) -> SitemapFile:
        if robots_root is not None:
            listed = await self._robots_listed(site, url)
            return SitemapFile("robots", sitemaps=tuple(listed or [f"{robots_root}/sitemap.xml"]))
        response = await self._download(site, url, depth)
        return SitemapFile("") if response is None else parse_sitemap(response)

    async def _robots_listed(self, site: Site, url: str) -> list[str]:
        """The `Sitemap:` lines of the robots.txt at `url`: as the crawl's robots.txt middleware
        read it (one request serves both), else downloaded here."""
        middleware = _robots_middleware(self.crawler)
        if middleware is not None:
            try:
                parser = await middleware.robot_parser(scrapy.Request(url))
            except Exception:
                return []
            listed = getattr(getattr(parser, "rp", None), "sitemaps", None)
            if parser is None or listed is not None:
                return [urljoin(url, sitemap) for sitemap in listed or ()]
        response = await self._download(site, url, 0)
        if response is None:
            return []
        return list(sitemap_urls_from_robots(response.body, base_url=response.url))

    async def _download(self, site: Site, url: str, depth: int) -> Response | None:
        request = scrapy.Request(
            url,
            callback=NO_CALLBACK,
            dont_filter=True,
            meta={
                "site_id": site.id,
                "sitemap_depth": depth,
                "download_maxsize": MAX_SITEMAP_BYTES,
            },
        )
        try:
            response = await self.crawler.engine.download_async(request)
        except Exception:  # refused by robots.txt or the scope guard, or failed: no sitemap
            return None
        return response if 200 <= response.status < 300 else None


def parse_sitemap(response: Response) -> SitemapFile:
    """A downloaded sitemap file (gzip or not) read with Scrapy's parser; nothing when broken."""
    body = response.body
    try:
        if gzip_magic_number(response):
            body = gunzip(body, max_size=MAX_SITEMAP_BYTES)
        sitemap = Sitemap(body)
        items = [item for item in sitemap if item.get("loc")]
    except Exception:
        return SitemapFile("")
    if sitemap.type == "sitemapindex":
        return SitemapFile(sitemap.type, sitemaps=tuple(item["loc"] for item in items))
    if sitemap.type == "urlset":
        entries = tuple(
            SitemapEntry(item["loc"], parse_lastmod(item.get("lastmod")), response.url)
            for item in items
        )
        return SitemapFile(sitemap.type, entries=entries)
    return SitemapFile("")


def _robots_middleware(crawler: Any) -> RobotsTxtMiddleware | None:
    downloader = getattr(getattr(crawler, "engine", None), "downloader", None)
    middlewares = getattr(getattr(downloader, "middleware", None), "middlewares", ())
    return next((m for m in middlewares if isinstance(m, RobotsTxtMiddleware)), None)


def _on_site(site: Site, urls: Iterable[str]) -> list[str]:
    """Only sitemaps on the site's own hosts are fetched: nothing else ever is."""
    hosts = site.allowed_hosts
    return [u for u in urls if urlsplit(u).scheme in ("http", "https") and _host(u) in hosts]


def _host(url: str) -> str | None:
    try:
        return host_key(url)
    except ValueError:  # an unreadable port
        return None


def lastmods(entries: Iterable[SitemapEntry], normalise: Any) -> dict[str, datetime | None]:
    """Normalised URL -> its lastmod. A URL listed twice keeps the later lastmod, or none when
    one listing gives none (the page is then asked with a conditional request)."""
    found: dict[str, datetime | None] = {}
    for entry in entries:
        url = normalise(entry.url)
        if url not in found:
            found[url] = entry.lastmod
        elif found[url] is None or entry.lastmod is None:
            found[url] = None
        else:
            found[url] = max(found[url], entry.lastmod)
    return found
