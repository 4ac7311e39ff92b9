"""Pages discovered from robots.txt and sitemaps: the spider's sitemap callbacks.

A missing or broken sitemap or robots.txt is not a page: nothing is recorded for it. Only
sitemaps on the site's own hosts are fetched, each at most MAX_SITEMAP_BYTES uncompressed, and
sitemap indexes are followed MAX_SITEMAP_NESTING levels deep.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots
from twisted.python.failure import Failure

from massaudit.crawler.frontier import SiteFrontier
from massaudit.crawler.sites import host_key

MAX_SITEMAP_NESTING = 3
# The sitemap protocol's own limit on one (uncompressed) sitemap file.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024


class SitemapDiscovery:
    """Mixed into SiteSpider: sitemap requests and callbacks; the URLs found go to the spider's
    `_discover`, as start URLs do."""

    frontiers: dict[str, SiteFrontier]

    def _sitemap_requests(self, site: Any) -> list[scrapy.Request]:
        meta = {"site_id": site.id, "sitemap_depth": 0, "download_maxsize": MAX_SITEMAP_BYTES}
        if site.sitemaps:
            return [
                scrapy.Request(u, callback=self.parse_sitemap, errback=self._ignore, meta=meta)
                for u in self._on_site(site.id, list(site.sitemaps))
            ]
        requests = []
        roots = {"{0.scheme}://{0.netloc}".format(urlsplit(url)) for url in site.start_urls}
        for root in sorted(roots):
            requests.append(
                scrapy.Request(
                    f"{root}/robots.txt",
                    callback=self.parse_robots,
                    errback=self._ignore,
                    meta={**meta, "root": root},
                    dont_filter=True,
                )
            )
        return requests

    def parse_robots(self, response: Response) -> Any:
        site_id = response.meta["site_id"]
        listed = list(sitemap_urls_from_robots(response.body, base_url=response.url))
        urls = listed or [f"{response.meta['root']}/sitemap.xml"]
        for url in self._on_site(site_id, urls):
            yield scrapy.Request(
                url,
                callback=self.parse_sitemap,
                errback=self._ignore,
                meta={
                    "site_id": site_id,
                    "sitemap_depth": 0,
                    "download_maxsize": MAX_SITEMAP_BYTES,
                },
            )

    def parse_sitemap(self, response: Response) -> Any:
        site_id = response.meta["site_id"]
        body = response.body
        if gzip_magic_number(response):
            try:
                body = gunzip(body, max_size=MAX_SITEMAP_BYTES)
            except Exception:
                return
        try:
            sitemap = Sitemap(body)
        except Exception:
            return
        locs = [entry["loc"] for entry in sitemap if entry.get("loc")]
        if sitemap.type == "sitemapindex":
            depth = response.meta["sitemap_depth"] + 1
            if depth > MAX_SITEMAP_NESTING:
                return
            for loc in self._on_site(site_id, locs):
                yield scrapy.Request(
                    loc,
                    callback=self.parse_sitemap,
                    errback=self._ignore,
                    meta={
                        "site_id": site_id,
                        "sitemap_depth": depth,
                        "download_maxsize": MAX_SITEMAP_BYTES,
                    },
                )
        elif sitemap.type == "urlset":
            yield from self._discover(site_id, locs, depth=0, referrer=response.url)

    def _on_site(self, site_id: str, urls: list[str]) -> list[str]:
        """Only sitemaps on the site's own hosts are fetched: nothing else ever is."""
        hosts = self.frontiers[site_id].site.allowed_hosts
        return [u for u in urls if urlsplit(u).scheme in ("http", "https") and host_key(u) in hosts]

    def _ignore(self, failure: Failure) -> None:
        """A missing or broken sitemap/robots.txt is not a page: nothing to account for."""
