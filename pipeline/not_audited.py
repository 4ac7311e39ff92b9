"""Sites a run could not audit: not one page audited or carried over (the site was unreachable,
robots.txt forbids it, every page failed). Each gets a one-line reason, read from its stored URL
states, for the run's summary (`sites_not_audited`) and the operator."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from massaudit.crawler.frontier import QUEUED, SKIPPED, SiteFrontier
from massaudit.crawler.sites import Site, SitesConfig
from massaudit.pipeline.url_tally import UrlTally
from massaudit.store.connection import one_line
from massaudit.store.db import Store

# Skips that are the site failing, not the crawl choosing to leave a URL alone.
FAILURES = {
    "robots_txt",
    "redirect_out_of_scope",
    "redirect_loop",
    "http_error",
    "timeout",
    "network_error",
    "browser_error",
    "too_large",
}
_SAID = {
    "robots_txt": "robots.txt forbids crawling it",
    "out_of_scope": "its start URL is outside its scope (allowed_hosts, include, exclude)",
}


def sites_not_audited(
    store: Store, run_id: int, sites: SitesConfig, tally: UrlTally
) -> list[dict[str, str]]:
    """{"site": id, "reason": one line} for each site of the run without a page audited or
    carried over; the URL states are read only when there is such a site."""
    missing = [site for site in sites.sites if tally.pages_of(site.id) == 0]
    if not missing:
        return []
    rows: dict[str, list[Any]] = defaultdict(list)
    for row in store.url_states(run_id):
        rows[row.site_id].append(row)
    return [
        {"site": site.id, "reason": not_audited_reason(site, rows[site.id])} for site in missing
    ]


def not_audited_reason(site: Site, rows: Sequence[Any]) -> str:
    """Why `site`, with these URL states (url_states rows) and no page audited, was not audited:
    the failure of its start URL, else of its least deep URL that failed, else why its start
    URL was skipped."""
    skipped = [row for row in rows if row.state == SKIPPED]
    if not skipped:
        if any(row.state == QUEUED for row in rows):
            return "the run stopped before any of its pages was audited"
        return "no URL of it was reached"
    normalise = SiteFrontier(site).normalise
    starts = {normalise(url) for url in site.start_urls}
    failed = [row for row in skipped if row.reason in FAILURES]
    first = min(
        skipped, key=lambda row: (row.reason not in FAILURES, row.url not in starts, row.depth)
    )
    said = _SAID.get(first.reason or "") or first.detail or (first.reason or "").replace("_", " ")
    if first.reason == "other_site":
        said = f"its start URL is {first.detail}"
    if first.url not in starts:
        said = f"{first.url}: {said}"
    more = len(failed) - (first in failed)
    if more:
        said = f"{said}; {more} more of its URLs failed"
    return one_line(said, 200)
