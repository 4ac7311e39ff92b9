"""What the crawl reports: pages to audit, pages unchanged since the last run, URL outcomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class FetchedPage:
    """An in-scope HTML page the crawler downloaded and the audit stage should render."""

    site_id: str
    agency_id: str
    url: str
    final_url: str
    status: int
    depth: int
    content_type: str
    body: bytes
    links: tuple[str, ...] = ()
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str = ""
    # The response's headers, one (name, value) per value: the browser renders this answer.
    headers: tuple[tuple[str, str], ...] = ()
    # States of the URLs first seen on this page, stored in the same transaction as the page.
    discovered: tuple[UrlOutcome, ...] = ()


@dataclass(frozen=True)
class FetchedDocument:
    """A linked PDF or Word file downloaded (up to the site's `max_document_bytes`) for analysis."""

    site_id: str
    agency_id: str
    url: str
    kind: str  # crawler.urls.document_type: "pdf", "word"
    content_type: str
    body: bytes
    last_modified: str | None = None
    sha256: str = ""
    referrer: str | None = None
    # The document's final URL state, stored with its findings (queued until then).
    outcome: UrlOutcome | None = None


@dataclass(frozen=True)
class PreviousPage:
    """What the last completed run stored about a URL, for conditional requests and reuse."""

    page_id: int
    etag: str | None
    last_modified: str | None
    content_hash: str
    # When the artifacts it holds were fetched (the audited page it was reused from, if reused).
    fetched_at: datetime | None = None


@dataclass(frozen=True)
class ReusedPage:
    """A page whose content has not changed since `previous`: its findings are carried over."""

    site_id: str
    agency_id: str
    url: str
    depth: int
    previous: PreviousPage
    how: str  # "not modified (304)", "same content hash" or what the sitemap lastmod said
    reason: str | None = None  # the URL state's reason: crawler.reuse.SITEMAP_LASTMOD or None


@dataclass(frozen=True)
class UrlOutcome:
    """The state of one URL of a site in a run (see crawler.frontier for states and reasons)."""

    site_id: str
    url: str
    state: str
    reason: str | None = None
    detail: str = ""
    status: int | None = None
    depth: int = 0
    referrer: str | None = None
    document: str | None = None
    content_type: str = ""
    size: int | None = None


@dataclass
class ResumeState:
    """A stored run's frontier: URLs already seen per site, and those still waiting."""

    # site -> url -> state ("skipped:<reason>" for skipped URLs)
    seen: dict[str, dict[str, str]] = field(default_factory=dict)
    # (site, url, depth, referrer, document kind or None)
    queued: list[tuple[str, str, int, str | None, str | None]] = field(default_factory=list)
