"""The Scrapy spider: discovers each site's pages and reports every URL's outcome to hooks.

Pages are requested, parsed and reused here; robots.txt and sitemaps (read before the crawl) are
in crawler/sitemaps.py, which request a page needs (none, conditional, full) in crawler/reuse.py,
linked documents in crawler/document_requests.py, external link checks in crawler/link_checks.py
and the reasons of failed requests in crawler/responses.py.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.http import HtmlResponse, Response
from scrapy.linkextractors import LinkExtractor
from twisted.python.failure import Failure

from massaudit.crawler.crawl_hooks import CrawlHooks
from massaudit.crawler.document_requests import DocumentRequests
from massaudit.crawler.frontier import AUDITED, QUEUED, SKIPPED, UNCHANGED, SiteFrontier
from massaudit.crawler.items import FetchedPage, PreviousPage, ResumeState, ReusedPage, UrlOutcome
from massaudit.crawler.link_checks import ExternalLinkChecks
from massaudit.crawler.responses import failure_reason, header, response_headers
from massaudit.crawler.reuse import AUDITED_AGAIN, KNOWN_UNCHANGED, SITEMAP_LASTMOD, fetch_plan
from massaudit.crawler.scope import ScopeOwners
from massaudit.crawler.sitemaps import SitemapReader, lastmods
from massaudit.crawler.sites import SitesConfig, host_key
from massaudit.crawler.urls import document_type

FETCHED_REASONS = {
    "robots_txt",
    "redirect_out_of_scope",
    "redirect_loop",
    "duplicate",
    "http_error",
    "timeout",
    "network_error",
    "browser_error",
    "too_large",
}


# The links a page hands on: every <a> and <area> href, whatever its extension (a linked PDF is a
# document to check), each once. Also what a distributed worker reads from a page it fetched again.
_PAGE_LINKS = LinkExtractor(unique=True, deny_extensions=[], tags=("a", "area"))


def page_links(response: Any) -> list[str]:
    """The absolute URLs of an HTML response's links, in page order, each once."""
    return [link.url for link in _PAGE_LINKS.extract_links(response)]


class SiteSpider(SitemapReader, DocumentRequests, ExternalLinkChecks, scrapy.Spider):
    """Crawls every site of a `SitesConfig` from start URLs and sitemaps, following in-scope links."""

    name = "massaudit"

    def __init__(
        self,
        sites: SitesConfig,
        hooks: CrawlHooks,
        resume: ResumeState | None = None,
        incremental: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sites = sites
        self.hooks = hooks
        self.incremental = incremental
        owners = ScopeOwners(sites.sites)
        self.frontiers = {site.id: SiteFrontier(site, owners) for site in sites.sites}
        self.handed: dict[str, set[str]] = {site.id: set() for site in sites.sites}
        self.resume_state = resume or ResumeState()
        self.link_checks: Counter[str] = Counter()
        # site id -> normalised URL -> its sitemap lastmod (None: listed without one)
        self.lastmods: dict[str, dict[str, datetime | None]] = {s.id: {} for s in sites.sites}
        self.started_at = datetime.now(UTC)
        queued_documents = {(q[0], q[1]) for q in self.resume_state.queued if q[4]}
        for site_id, urls in self.resume_state.seen.items():
            frontier = self.frontiers.get(site_id)
            if frontier is None:
                continue
            for url, state in urls.items():
                fetched = state.removeprefix("skipped:") in FETCHED_REASONS
                page = (site_id, url) not in queued_documents
                frontier.resume(
                    url, queued=page and (fetched or state in (QUEUED, AUDITED, UNCHANGED))
                )
                if state in (AUDITED, UNCHANGED):
                    self.handed[site_id].add(url)

    # Scope, for the ScopeGuardMiddleware (redirect targets).

    def in_scope(self, site_id: str, url: str, meta: dict[str, Any]) -> bool:
        frontier = self.frontiers[site_id]
        if meta.get("document"):
            return host_key(url) in frontier.site.allowed_hosts
        return frontier.scope.contains(frontier.normalise(url))

    # Start: sitemaps first (so every page request knows its lastmod), then resumed URLs, start
    # URLs and the sitemaps' URLs.

    async def start(self) -> AsyncIterator[Any]:
        sitemaps = await self.read_sitemaps(self.sites.sites)
        for site_id, found in sitemaps.items():
            self.lastmods[site_id] = lastmods(found.entries, self.frontiers[site_id].normalise)
        for site_id, url, depth, referrer, document in self.resume_state.queued:
            if site_id not in self.frontiers:
                continue
            if document:  # found before the run stopped, not checked yet
                yield self._document_request(site_id, url, depth, referrer)
            else:
                yield self._page_request(site_id, url, depth, referrer)
        for site in self.sites.sites:
            for request in self._discover(site.id, site.start_urls, depth=0, referrer=None):
                yield request
            by_sitemap: dict[str, list[str]] = {}
            for entry in sitemaps[site.id].entries if site.id in sitemaps else ():
                by_sitemap.setdefault(entry.sitemap, []).append(entry.url)
            for sitemap, urls in by_sitemap.items():
                for request in self._discover(site.id, urls, depth=0, referrer=sitemap):
                    yield request

    # Discovery and fetching of pages.

    def _discover(
        self, site_id: str, urls: Any, depth: int, referrer: str | None
    ) -> list[scrapy.Request]:
        requests, outcomes = self._decide(site_id, urls, depth, referrer)
        if outcomes:
            self.hooks.record(outcomes)
        return requests

    def _decide(
        self, site_id: str, urls: Any, depth: int, referrer: str | None
    ) -> tuple[list[scrapy.Request], list[UrlOutcome]]:
        """Requests for the URLs among `urls` this run has not seen, and the state of each."""
        frontier = self.frontiers[site_id]
        requests, outcomes = [], []
        for raw in urls:
            decision = frontier.consider(raw, depth)
            if decision is None:
                continue
            if decision.document is not None:
                # A document on the site stays queued until it is checked, so a run resumed
                # after a crash checks it then.
                outcomes.append(
                    UrlOutcome(
                        site_id,
                        decision.url,
                        QUEUED if decision.fetch else SKIPPED,
                        None if decision.fetch else "document",
                        decision.detail,
                        depth=depth,
                        referrer=referrer,
                        document=decision.document,
                    )
                )
                if decision.fetch:
                    requests.append(self._document_request(site_id, decision.url, depth, referrer))
            elif decision.fetch:
                outcomes.append(
                    UrlOutcome(site_id, decision.url, QUEUED, depth=depth, referrer=referrer)
                )
                requests.append(self._page_request(site_id, decision.url, depth, referrer))
            else:
                outcomes.append(
                    UrlOutcome(
                        site_id,
                        decision.url,
                        SKIPPED,
                        decision.reason,
                        decision.detail,
                        depth=depth,
                        referrer=referrer,
                    )
                )
                if decision.reason == "out_of_scope" and self._link_check_allowed(site_id):
                    requests.append(
                        self._link_check_request(site_id, decision.url, depth, referrer)
                    )
        return requests, outcomes

    def _page_request(
        self, site_id: str, url: str, depth: int, referrer: str | None
    ) -> scrapy.Request:
        headers = {}
        site = self.frontiers[site_id].site
        previous = self.hooks.previous(site_id, url) if self.incremental else None
        plan = fetch_plan(
            url,
            previous.fetched_at if previous else None,
            self.lastmods[site_id].get(url),
            self.started_at,
            site.max_reuse_age_days,
            known=previous is not None,
        )
        if previous is not None and plan not in AUDITED_AGAIN:
            if previous.etag:
                headers["If-None-Match"] = previous.etag
            if previous.last_modified:
                headers["If-Modified-Since"] = previous.last_modified
        return scrapy.Request(
            url,
            callback=self.parse_page,
            errback=self.page_failed,
            headers=headers,
            dont_filter=True,  # the frontier deduplicates, so every failure reaches page_failed
            meta={
                "site_id": site_id,
                "depth": depth,
                "referrer": referrer,
                "handle_httpstatus_list": [304],
                "download_timeout": site.fetch_timeout,
                # Scrapy cancels a download past this size, and stops decompressing past it
                # (a gzip bomb is never inflated in this process): skipped `too_large`.
                "download_maxsize": site.max_page_bytes,
                "fetch_plan": plan,
                # Answered by KnownUnchangedMiddleware without a request (after robots.txt).
                "known_unchanged": plan == KNOWN_UNCHANGED,
            },
        )

    async def parse_page(self, response: Response) -> Any:
        meta = response.meta
        site_id, depth = meta["site_id"], meta["depth"]
        frontier = self.frontiers[site_id]
        site = frontier.site
        url = response.request.url
        if meta.get("redirect_urls"):
            url = meta["redirect_urls"][0]
        final = frontier.normalise(response.url)

        def skip(reason: str, detail: str = "", status: int | None = None) -> None:
            self.hooks.record(
                [
                    UrlOutcome(
                        site_id,
                        url,
                        SKIPPED,
                        reason,
                        detail,
                        status=status,
                        depth=depth,
                        referrer=meta["referrer"],
                    )
                ]
            )

        if final in self.handed[site_id] or (url != final and url in self.handed[site_id]):
            skip("duplicate", f"redirects to {final}", response.status)
            return
        previous = self.hooks.previous(site_id, url) if self.incremental else None
        if SITEMAP_LASTMOD in response.flags and previous is not None:
            lastmod = self.lastmods[site_id].get(url)
            how = f"sitemap lastmod {lastmod:%Y-%m-%d %H:%M} UTC, not after its last fetch"
            requests = await self._reuse(site_id, url, depth, previous, how, SITEMAP_LASTMOD)
        elif response.status == 304 and previous is not None:
            requests = await self._reuse(site_id, url, depth, previous, "not modified (304)")
        else:
            if not isinstance(response, HtmlResponse):
                content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
                kind = document_type(response.url, content_type)
                if kind:
                    self.hooks.record(
                        [
                            UrlOutcome(
                                site_id,
                                url,
                                SKIPPED,
                                "document",
                                kind,
                                status=response.status,
                                depth=depth,
                                referrer=meta["referrer"],
                                document=kind,
                                content_type=content_type,
                                size=len(response.body),
                            )
                        ]
                    )
                else:
                    skip("not_html", content_type or "no content type", response.status)
                return
            content_hash = hashlib.sha256(response.body).hexdigest()
            links = page_links(response)
            audit_again = meta.get("fetch_plan") in AUDITED_AGAIN
            if previous is not None and previous.content_hash == content_hash and not audit_again:
                requests = await self._reuse(
                    site_id, url, depth, previous, "same content hash", links=links
                )
            else:
                self.handed[site_id].add(url)
                self.handed[site_id].add(final)
                requests, discovered = self._decide(site_id, links, depth + 1, url)
                await self.hooks.audit(
                    FetchedPage(
                        site_id=site_id,
                        agency_id=site.agency,
                        url=url,
                        final_url=response.url,
                        status=response.status,
                        depth=depth,
                        content_type=response.headers.get(b"Content-Type", b"").decode("latin-1"),
                        body=response.body,
                        headers=response_headers(response),
                        links=tuple(frontier.normalise(link) for link in links),
                        etag=header(response, b"ETag"),
                        last_modified=header(response, b"Last-Modified"),
                        content_hash=content_hash,
                        discovered=tuple(discovered),
                    )
                )
        for request in requests:
            yield request

    async def _reuse(
        self,
        site_id: str,
        url: str,
        depth: int,
        previous: PreviousPage,
        how: str,
        reason: str | None = None,
        links: list[str] | None = None,
    ) -> list[scrapy.Request]:
        """Carry the page over; its links (`links`, else those stored with `previous`) are
        decided on while the page is stored. Returns the requests for the new ones."""
        self.handed[site_id].add(url)
        site = self.frontiers[site_id].site
        decided: list[tuple[list[scrapy.Request], list[UrlOutcome]]] = []

        def discover(stored_links: list[str]) -> list[UrlOutcome]:
            if not decided:  # once, even when the store tries the write again
                found = stored_links if links is None else links
                decided.append(self._decide(site_id, found, depth + 1, url))
            return decided[0][1]

        page = ReusedPage(site_id, site.agency, url, depth, previous, how, reason)
        await self.hooks.reuse(page, discover)
        return decided[0][0] if decided else []

    def page_failed(self, failure: Failure) -> None:
        request = failure.request
        meta = request.meta
        reason, detail, status = failure_reason(failure)
        if reason == "too_large":
            limit = self.frontiers[meta["site_id"]].site.max_page_bytes
            detail = f"larger than max_page_bytes ({limit} bytes)"
        url = meta["redirect_urls"][0] if meta.get("redirect_urls") else request.url
        self.hooks.record(
            [
                UrlOutcome(
                    meta["site_id"],
                    url,
                    SKIPPED,
                    reason,
                    detail,
                    status=status,
                    depth=meta["depth"],
                    referrer=meta["referrer"],
                )
            ]
        )
