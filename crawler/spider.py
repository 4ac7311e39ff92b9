"""The Scrapy spider: discovers each site's pages and reports every URL's outcome to hooks."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots
from twisted.internet.error import (
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure

from massaudit.crawler.frontier import AUDITED, QUEUED, SKIPPED, UNCHANGED, SiteFrontier
from massaudit.crawler.items import (
    FetchedDocument,
    FetchedPage,
    PreviousPage,
    ResumeState,
    ReusedPage,
    UrlOutcome,
)
from massaudit.crawler.middlewares import OutOfScopeRedirect
from massaudit.crawler.scope import ScopeOwners
from massaudit.crawler.sites import SitesConfig, host_key
from massaudit.crawler.urls import document_type

MAX_SITEMAP_NESTING = 3
# The sitemap protocol's own limit on one (uncompressed) sitemap file.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024
# Document types downloaded for analysis (GET, bounded by the site's max_document_bytes); the
# others (Excel, PowerPoint) only get a HEAD request for their type and size.
ANALYSED_DOCUMENTS = {"pdf", "word"}
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


class CrawlHooks(Protocol):
    """What the spider needs from the rest of the pipeline (the audit stage and the store)."""

    # `page.discovered` (and what `discover` returns) are the states of the URLs first seen on
    # the page: the hooks store them in the same transaction as the page itself.
    async def audit(self, page: FetchedPage) -> None: ...

    async def reuse(
        self, page: ReusedPage, discover: Callable[[list[str]], list[UrlOutcome]]
    ) -> list[str]: ...

    def record(self, outcomes: list[UrlOutcome]) -> None: ...

    # Optional: `async def document(self, document: FetchedDocument) -> None` analyses a downloaded
    # document. Hooks without it get a HEAD request per document, as before issue 7.

    def previous(self, site_id: str, url: str) -> PreviousPage | None: ...


class SiteSpider(scrapy.Spider):
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
        self.links = LinkExtractor(unique=True, deny_extensions=[], tags=("a", "area"))
        self.link_checks: Counter[str] = Counter()
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

    # Start: resumed URLs, start URLs, sitemaps.

    async def start(self) -> AsyncIterator[Any]:
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
            if site.use_sitemaps:
                for request in self._sitemap_requests(site):
                    yield request

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

    def _link_check_allowed(self, site_id: str) -> bool:
        site = self.frontiers[site_id].site
        if not site.check_external_links or self.link_checks[site_id] >= site.external_link_budget:
            return False
        self.link_checks[site_id] += 1
        return True

    def _link_check_request(
        self, site_id: str, url: str, depth: int, referrer: str | None
    ) -> scrapy.Request:
        """HEAD request for the status of a link outside the site; never followed further."""
        return scrapy.Request(
            url,
            method="HEAD",
            callback=self.parse_link_check,
            errback=self.link_check_failed,
            dont_filter=True,
            meta={
                "site_id": site_id,
                "depth": depth,
                "referrer": referrer,
                "link_check": True,
                "dont_redirect": False,
                "handle_httpstatus_all": True,
            },
        )

    def parse_link_check(self, response: Response) -> None:
        meta = response.meta
        self.hooks.record(
            [
                UrlOutcome(
                    meta["site_id"],
                    response.request.url,
                    SKIPPED,
                    "out_of_scope",
                    f"link checked: HTTP {response.status}",
                    status=response.status,
                    depth=meta["depth"],
                    referrer=meta["referrer"],
                )
            ]
        )

    def link_check_failed(self, failure: Failure) -> None:
        meta = failure.request.meta
        reason, detail, status = _failure_reason(failure)
        self.hooks.record(
            [
                UrlOutcome(
                    meta["site_id"],
                    failure.request.url,
                    SKIPPED,
                    "out_of_scope",
                    f"link checked: {detail}",
                    status=status,
                    depth=meta["depth"],
                    referrer=meta["referrer"],
                )
            ]
        )

    def _page_request(
        self, site_id: str, url: str, depth: int, referrer: str | None
    ) -> scrapy.Request:
        headers = {}
        previous = self.hooks.previous(site_id, url) if self.incremental else None
        if previous is not None:
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
                "download_timeout": self.frontiers[site_id].site.fetch_timeout,
                # Scrapy cancels a download past this size, and stops decompressing past it
                # (a gzip bomb is never inflated in this process): skipped `too_large`.
                "download_maxsize": self.frontiers[site_id].site.max_page_bytes,
            },
        )

    def _document_request(
        self, site_id: str, url: str, depth: int, referrer: str | None
    ) -> scrapy.Request:
        site = self.frontiers[site_id].site
        meta: dict[str, Any] = {
            "site_id": site_id,
            "depth": depth,
            "referrer": referrer,
            "document": True,
            "download_timeout": site.fetch_timeout,
        }
        fetch = (
            document_type(url) in ANALYSED_DOCUMENTS
            and site.max_document_bytes > 0
            and hasattr(self.hooks, "document")
        )
        if fetch:
            meta["download_maxsize"] = site.max_document_bytes
        return scrapy.Request(
            url,
            method="GET" if fetch else "HEAD",
            callback=self.parse_document,
            errback=self.document_failed,
            dont_filter=True,
            meta=meta,
        )

    async def parse_document(self, response: Response) -> None:
        meta = response.meta
        url = response.request.url
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        length = response.headers.get(b"Content-Length")
        kind = document_type(url, content_type)
        fetched = response.request.method == "GET"
        # A declared size is only a claim: at most 18 digits, so it fits a 64-bit column.
        size = int(length) if length and length.isdigit() and len(length) <= 18 else None
        if fetched:
            size = len(response.body)
        outcome = UrlOutcome(
            meta["site_id"],
            url,
            SKIPPED,
            "document",
            kind or "",
            status=response.status,
            depth=meta["depth"],
            referrer=meta["referrer"],
            document=kind,
            content_type=content_type,
            size=size,
        )
        if not (fetched and kind in ANALYSED_DOCUMENTS and response.body):
            self.hooks.record([outcome])
        else:  # the final state is stored with the document's findings
            site = self.frontiers[meta["site_id"]].site
            await self.hooks.document(
                FetchedDocument(
                    site_id=site.id,
                    agency_id=site.agency,
                    url=url,
                    kind=kind,
                    content_type=content_type,
                    body=response.body,
                    last_modified=_header(response, b"Last-Modified"),
                    sha256=hashlib.sha256(response.body).hexdigest(),
                    referrer=meta["referrer"],
                    outcome=outcome,
                )
            )

    def document_failed(self, failure: Failure) -> None:
        request = failure.request
        reason, detail, status = _failure_reason(failure)
        if reason == "too_large":
            detail = f"larger than max_document_bytes ({detail[:120]})"
        meta = request.meta
        self.hooks.record(
            [
                UrlOutcome(
                    meta["site_id"],
                    request.url,
                    SKIPPED,
                    "document",
                    f"{reason}: {detail}",
                    status=status,
                    depth=meta["depth"],
                    referrer=meta["referrer"],
                    document=document_type(request.url),
                )
            ]
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
        if response.status == 304 and previous is not None:
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
            links = [link.url for link in self.links.extract_links(response)]
            if previous is not None and previous.content_hash == content_hash:
                requests = await self._reuse(
                    site_id, url, depth, previous, "same content hash", links
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
                        links=tuple(frontier.normalise(link) for link in links),
                        etag=_header(response, b"ETag"),
                        last_modified=_header(response, b"Last-Modified"),
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

        page = ReusedPage(site_id, site.agency, url, depth, previous, how)
        await self.hooks.reuse(page, discover)
        return decided[0][0] if decided else []

    def page_failed(self, failure: Failure) -> None:
        request = failure.request
        meta = request.meta
        reason, detail, status = _failure_reason(failure)
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


def _failure_reason(failure: Failure) -> tuple[str, str, int | None]:
    """(reason, detail, HTTP status) for a failed request."""
    if failure.check(HttpError):
        status = failure.value.response.status
        return "http_error", f"HTTP {status}", status
    if failure.check(OutOfScopeRedirect):
        return "redirect_out_of_scope", str(failure.value), None
    if _over_max_size(failure):
        return "too_large", str(failure.value).strip()[:200], None
    if failure.check(IgnoreRequest):
        message = str(failure.value)
        if "robots.txt" in message.lower():
            return "robots_txt", "Forbidden by robots.txt", None
        if "redirect" in message.lower():
            return "redirect_loop", message, None
        return "network_error", message or "request ignored", None
    if failure.check(TimeoutError, TCPTimedOutError, DownloadTimeoutError):
        return "timeout", str(failure.value).strip()[:200], None
    if failure.check(DNSLookupError, ConnectionRefusedError):
        return "network_error", str(failure.value).strip()[:200], None
    return "network_error", f"{failure.type.__name__}: {failure.value}"[:200], None


def _over_max_size(failure: Failure) -> bool:
    """A download cancelled past its `download_maxsize` (announced by Content-Length, or as the
    body grew), or a compressed body that inflated past it (HttpCompressionMiddleware)."""
    if failure.check(DownloadCancelledError):  # Scrapy's name for a cancelled download
        return True
    return bool(failure.check(IgnoreRequest)) and "DOWNLOAD_MAXSIZE" in str(failure.value)


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
