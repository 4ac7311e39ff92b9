"""A job the reconciler published again carries no download (the coordinator keeps none of its
pages' bodies). The worker then fetches the page itself, under its host's lease, redirects
followed through the lease too, and audits and stores it as a page the crawler handed over:
rendered from that one download, with its links, validators and content hash."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from urllib.parse import urljoin

from scrapy.http import HtmlResponse

from massaudit.audits.document_fetch import BROWSER
from massaudit.crawler.frontier import SiteFrontier
from massaudit.crawler.sites import Site
from massaudit.crawler.spider import page_links
from massaudit.pipeline.distributed.jobs import AuditJob, Download
from massaudit.pipeline.distributed.leased_requests import LeasedFetcher

MAX_REDIRECTS = 5  # as the crawler's REDIRECT_MAX_TIMES
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class Refetched:
    download: Download
    links: tuple[str, ...]
    etag: str | None
    last_modified: str | None
    content_hash: str


async def refetch(fetcher: LeasedFetcher, site: Site, url: str) -> Refetched | None:
    """The page at `url` as the crawler hands a page over; None when no HTML page answers (a
    failure, an error status, too many redirects, another host): the browser then asks for it
    itself and meets whatever the site answers, as before. The fetcher counts each request as a
    document the browser needed besides its job's."""
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        try:
            answer = await fetcher.fetch(current, kind=BROWSER)
        except (TimeoutError, ConnectionError, PermissionError):
            return None
        location = _header(answer.headers, "location")
        if answer.status not in _REDIRECTS or not location:
            break
        current = urljoin(current, location)
        if not fetcher.governs(current):
            return None
    else:
        return None
    content_type = _header(answer.headers, "content-type") or ""
    if not 200 <= answer.status < 300 or not content_type.lower().startswith(_HTML_TYPES):
        return None
    response = HtmlResponse(
        url=current,
        status=answer.status,
        headers=[(name, value) for name, value in answer.headers],
        body=answer.body,
    )
    frontier = SiteFrontier(site)
    return Refetched(
        download=Download(current, answer.status, answer.headers, answer.body, content_type),
        links=tuple(frontier.normalise(link) for link in page_links(response)),
        etag=_header(answer.headers, "etag"),
        last_modified=_header(answer.headers, "last-modified"),
        content_hash=hashlib.sha256(answer.body).hexdigest(),
    )


def with_download(job: AuditJob, refetched: Refetched) -> AuditJob:
    """The job as the coordinator first published it, from the worker's own download."""
    return replace(
        job,
        download=refetched.download,
        links=refetched.links,
        etag=refetched.etag,
        last_modified=refetched.last_modified,
        content_hash=refetched.content_hash,
    )


def _header(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    return next((value for key, value in headers if key.lower() == name), None)
