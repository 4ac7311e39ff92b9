"""Which discovered URLs a site's crawl fetches, and why the others are skipped.

Pure bookkeeping, no I/O: the spider asks `consider()` about every URL it sees.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

from massaudit.crawler.scope import ScopeOwners, SiteScope
from massaudit.crawler.sites import Site, host_key
from massaudit.crawler.urls import document_type, is_non_html, normalise_url, trap_pattern

# Final states of a URL in a run. Every URL seen ends in exactly one.
AUDITED, UNCHANGED, SKIPPED = "audited", "unchanged", "skipped"
QUEUED = "queued"  # not final: waiting to be fetched (what --resume picks up)

# Why a URL was skipped. docs/crawling.md explains each; reports.views.SKIP_REASON_TEXT says it
# to scorecard readers (a test keeps the two lists the same).
SKIP_REASONS = (
    "out_of_scope",
    "other_site",
    "robots_txt",
    "page_cap",
    "depth_cap",
    "trap_guard",
    "document",
    "not_html",
    "redirect_out_of_scope",
    "redirect_loop",
    "duplicate",
    "http_error",
    "timeout",
    "network_error",
    "browser_error",
    "too_large",
)


@dataclass(frozen=True)
class Decision:
    url: str
    fetch: bool
    reason: str | None = None
    detail: str = ""
    document: str | None = None


class SiteFrontier:
    def __init__(self, site: Site, owners: ScopeOwners | None = None) -> None:
        self.site = site
        self.scope = SiteScope.of(site)
        # The run's sites, when several may contain one URL: it is crawled by one of them only.
        self.owners = owners
        self.seen: set[str] = set()
        self.queued = 0
        self.per_pattern: Counter[str] = Counter()
        self.query_variants: Counter[str] = Counter()

    def normalise(self, url: str) -> str:
        site = self.site
        return normalise_url(
            url,
            ignore_params=site.ignore_params,
            strip_tracking=site.strip_tracking,
            trailing_slash=site.trailing_slash,
            lowercase_path=site.lowercase_paths,
        )

    def consider(self, raw_url: str, depth: int) -> Decision | None:
        """What to do with a URL seen at `depth`; None when this run has seen it already."""
        url = self.normalise(raw_url)
        if url in self.seen:
            return None
        self.seen.add(url)
        if urlsplit(url).scheme not in ("http", "https"):
            return Decision(url, False, "out_of_scope", "not an http(s) address")
        kind = document_type(url)
        if kind is not None:
            on_site = host_key(url) in self.site.allowed_hosts
            return Decision(url, on_site, "document", kind, document=kind)
        if not self.scope.contains(url):
            return Decision(url, False, "out_of_scope")
        owner = self.owners.owner(url) if self.owners is not None else self.site.id
        if owner != self.site.id:
            return Decision(url, False, "other_site", f"audited under site {owner}")
        if is_non_html(url):
            return Decision(url, False, "not_html", "by file extension")
        if depth > self.site.max_depth:
            return Decision(url, False, "depth_cap", f"depth {depth} > {self.site.max_depth}")
        pattern = trap_pattern(url)
        if self.per_pattern[pattern] >= self.site.max_per_pattern:
            return Decision(
                url, False, "trap_guard", f"over {self.site.max_per_pattern} like {pattern}"
            )
        variants_of = _query_path(url)
        if variants_of and self.query_variants[variants_of] >= self.site.max_query_variants:
            return Decision(
                url,
                False,
                "trap_guard",
                f"over {self.site.max_query_variants} query variants of {urlsplit(url).path}",
            )
        if self.queued >= self.site.max_pages:
            return Decision(url, False, "page_cap", f"max_pages = {self.site.max_pages}")
        self._fetching(url)
        return Decision(url, True)

    def resume(self, url: str, queued: bool) -> None:
        """Rebuild the bookkeeping from a stored run: `url` was seen (and fetched if queued)."""
        self.seen.add(url)
        if queued:
            self._fetching(url)

    def _fetching(self, url: str) -> None:
        """Count `url` against the page cap, its trap pattern and its path's query variants."""
        self.queued += 1
        self.per_pattern[trap_pattern(url)] += 1
        variants_of = _query_path(url)
        if variants_of:
            self.query_variants[variants_of] += 1


def _query_path(url: str) -> str | None:
    """The host and path whose query variants `url` is one of; None without a query."""
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}" if parts.query else None
