"""The Scrapy spider that discovers a site's pages and hands each HTML page to a sink."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import scrapy
from scrapy.http import HtmlResponse, Response
from scrapy.linkextractors import LinkExtractor

from crawler.items import FetchedPage
from crawler.scope import SiteScope
from crawler.sites import SitesConfig

PageSink = Callable[[FetchedPage], Awaitable[None]]


class SiteSpider(scrapy.Spider):
    """Crawls every site of a `SitesConfig` from its start URLs, following in-scope links."""

    name = "massaudit"

    def __init__(self, sites: SitesConfig, page_sink: PageSink, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sites = sites
        self.page_sink = page_sink
        self.scopes = {site.id: SiteScope.of(site) for site in sites.sites}
        self.scheduled: Counter[str] = Counter()
        self.handed: Counter[str] = Counter()
        # LinkExtractor skips non-HTTP schemes and common binary/document extensions itself.
        self.links = LinkExtractor(unique=True)

    async def start(self) -> AsyncIterator[Any]:
        for site in self.sites.sites:
            for url in site.start_urls:
                request = self._request(site.id, url, depth=0)
                if request is not None:
                    yield request

    def _request(self, site_id: str, url: str, depth: int) -> scrapy.Request | None:
        site = self.scopes[site_id].site
        if self.scheduled[site_id] >= site.max_pages:
            return None
        self.scheduled[site_id] += 1
        return scrapy.Request(
            url,
            callback=self.parse_page,
            cb_kwargs={"site_id": site_id, "depth": depth},
        )

    def parse_page(self, response: Response, site_id: str, depth: int) -> Any:
        scope = self.scopes[site_id]
        if not isinstance(response, HtmlResponse) or not scope.contains(response.url):
            return
        site = scope.site
        self.handed[site_id] += 1
        yield FetchedPage(
            site_id=site_id,
            agency_id=site.agency,
            url=response.request.url,
            final_url=response.url,
            status=response.status,
            depth=depth,
            content_type=response.headers.get("Content-Type", b"").decode("latin-1"),
            body=response.body,
        )
        if depth >= site.max_depth:
            return
        for link in self.links.extract_links(response):
            if scope.contains(link.url):
                request = self._request(site_id, link.url, depth + 1)
                if request is not None:
                    yield request


class PageSinkPipeline:
    """Passes each `FetchedPage` to the spider's sink (the audit stage), awaiting it."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> PageSinkPipeline:
        return cls(crawler)

    async def process_item(self, item: Any, spider: SiteSpider | None = None) -> Any:
        if isinstance(item, FetchedPage):
            await self.crawler.spider.page_sink(item)
        return item
