"""Linked documents: the request for each (GET for an analysed type, within the site's
max_document_bytes; HEAD for the others), and its outcome, handed to the hooks for analysis or
recorded as a skipped URL."""

from __future__ import annotations

import hashlib
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from massaudit.crawler.crawl_hooks import CrawlHooks
from massaudit.crawler.frontier import SKIPPED, SiteFrontier
from massaudit.crawler.items import FetchedDocument, UrlOutcome
from massaudit.crawler.responses import failure_reason, header
from massaudit.crawler.urls import document_type

# Document types downloaded for analysis (GET, bounded by the site's max_document_bytes); the
# others (Excel, PowerPoint) only get a HEAD request for their type and size.
ANALYSED_DOCUMENTS = {"pdf", "word"}


class DocumentRequests:
    """Mixed into SiteSpider: document requests and their callbacks."""

    frontiers: dict[str, SiteFrontier]
    hooks: CrawlHooks

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
                    last_modified=header(response, b"Last-Modified"),
                    sha256=hashlib.sha256(response.body).hexdigest(),
                    referrer=meta["referrer"],
                    outcome=outcome,
                )
            )

    def document_failed(self, failure: Failure) -> None:
        request = failure.request
        reason, detail, status = failure_reason(failure)
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
