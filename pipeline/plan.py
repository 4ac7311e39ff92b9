"""A night plan: for each site, the pages the next run expects and how many are due, the requests
it will send and the time they take at the site's politeness, and whether they fit in a window.

Nothing is rendered: the sitemaps are read (through the crawler's downloader, with its
politeness, robots.txt and bounds) and compared with each site's last complete audit in the
store, page by page, as the run's crawler will (crawler/reuse.py `fetch_plan`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import AsyncCrawlerRunner

from massaudit.crawler.frontier import SiteFrontier
from massaudit.crawler.reuse import AGED, CHANGED, KNOWN_UNCHANGED, NEW, fetch_plan
from massaudit.crawler.scope import ScopeOwners
from massaudit.crawler.settings import crawl_settings, run_on_reactor
from massaudit.crawler.sitemaps import SitemapReader, SiteSitemaps, lastmods
from massaudit.crawler.sites import Site, SitesConfig
from massaudit.store.db import Store

# What a response is assumed to take when the delay does not bind (download_delay 0): the
# run's end shows what the site really took.
ASSUMED_RESPONSE_S = 0.5


@dataclass
class SitePlan:
    site_id: str
    slot: str  # the host whose politeness binds it (the host of its first start URL)
    expected: int  # pages expected
    expected_from: str  # "last run", "sitemap" or "start URLs"
    counts: dict[str, int] = field(default_factory=dict)  # fetch plan -> pages
    documents: int = 0  # linked documents checked in the last run: downloaded again
    seconds: float = 0.0  # its own requests' time (its host's shared ones left out)

    @property
    def due(self) -> int:
        """Pages the run expects to audit: new, a newer lastmod, or too old to reuse."""
        return sum(self.counts.get(kind, 0) for kind in (NEW, CHANGED, AGED))

    @property
    def page_requests(self) -> int:
        """Every page but those reused on their sitemap lastmod costs one request."""
        return sum(n for kind, n in self.counts.items() if kind != KNOWN_UNCHANGED)

    @property
    def requests(self) -> int:
        return self.page_requests + self.documents


@dataclass
class HostPlan:
    host: str
    seconds_per_request: float
    requests: int = 0  # its sites' requests, and the host's own (robots.txt, sitemaps, probe)
    site_ids: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return self.requests * self.seconds_per_request


@dataclass
class NightPlan:
    sites: list[SitePlan]
    hosts: list[HostPlan]
    window_s: float

    def not_fitting(self) -> list[str]:
        """Sites whose host's requests (all its sites' together) take longer than the window."""
        return [s for host in self.hosts if host.seconds > self.window_s for s in host.site_ids]

    @property
    def seconds(self) -> float:
        """Hosts are crawled side by side: the night lasts as long as its busiest host."""
        return max((host.seconds for host in self.hosts), default=0.0)


def plan_night(
    sites: SitesConfig,
    store: Store | None,
    window_s: float,
    *,
    tool_version: str,
    now: datetime | None = None,
    sitemaps: dict[str, SiteSitemaps] | None = None,
) -> NightPlan:
    """The plan of a run of `sites` now; sitemaps are read unless given (`sitemaps`)."""
    now = now or datetime.now(UTC)
    if sitemaps is None:
        sitemaps = read_sitemaps(sites, tool_version)
    site_ids = [site.id for site in sites.sites]
    previous = store.previous_pages(2**62, site_ids) if store is not None else {}
    last = store.last_audits(site_ids) if store is not None else {}
    by_site: dict[str, dict[str, Any]] = defaultdict(dict)
    for (site_id, url), row in previous.items():
        by_site[site_id][url] = row[4]  # when its artifacts were fetched
    owners = ScopeOwners(sites.sites)
    plans = []
    sitemap_files: dict[str, set[str]] = defaultdict(set)  # slot -> files, read once per run
    for site in sites.sites:
        found = sitemaps.get(site.id) or SiteSitemaps()
        plan = _site_plan(site, owners, found, by_site[site.id], last.get(site.id), now)
        for url in found.files:
            sitemap_files[_slot(url)].add(url)
        plans.append(plan)
    hosts = _host_plans(sites, plans, sitemap_files)
    return NightPlan(plans, hosts, window_s)


def _site_plan(
    site: Site,
    owners: ScopeOwners,
    found: SiteSitemaps,
    fetched: dict[str, Any],
    last: tuple[int, int, int] | None,
    now: datetime,
) -> SitePlan:
    """The site's pages as its crawl will meet them: start URLs, the last audit's pages, the
    sitemaps' URLs, within its scope and caps; each with what it needs this run."""
    frontier = SiteFrontier(site, owners)
    listed = lastmods(found.entries, frontier.normalise)
    counts: dict[str, int] = defaultdict(int)
    pages = 0
    for url in [*site.start_urls, *fetched, *listed]:
        decision = frontier.consider(url, 0)
        if decision is None or not decision.fetch or decision.document is not None:
            continue
        pages += 1
        url = decision.url
        known = url in fetched
        kind = fetch_plan(
            url, fetched.get(url), listed.get(url), now, site.max_reuse_age_days, known=known
        )
        counts[kind] += 1
    if last is not None:
        expected, expected_from = last[1], "last run"
    else:
        expected, expected_from = pages, "sitemap" if listed else "start URLs"
    return SitePlan(
        site.id,
        _slot(site.start_urls[0]),
        expected,
        expected_from,
        dict(counts),
        documents=last[2] if last else 0,
    )


def _host_plans(
    sites: SitesConfig, plans: list[SitePlan], sitemap_files: dict[str, set[str]]
) -> list[HostPlan]:
    """Each host's requests and time: sites sharing a host add up, at the pace the run gives it
    (crawler/settings.py: the gentlest of its sites, and never faster than the run's largest
    download_delay, which AutoThrottle keeps as every host's least delay)."""
    run_delay = max((site.download_delay for site in sites.sites), default=1.0)
    hosts: dict[str, HostPlan] = {}
    for plan in plans:
        sharing = [
            s for s in sites.sites if plan.slot in {_slot(f"http://{h}/") for h in s.allowed_hosts}
        ]
        delay = max(run_delay, *(s.download_delay for s in sharing))
        concurrency = min(s.concurrency_per_host for s in sharing)
        per_request = max(delay, ASSUMED_RESPONSE_S / concurrency)
        host = hosts.setdefault(plan.slot, HostPlan(plan.slot, per_request))
        host.site_ids.append(plan.site_id)
        host.requests += plan.requests
        plan.seconds = plan.requests * per_request
    for host in hosts.values():
        # robots.txt and the sitemaps (each read once per run, whichever sites ask for them),
        # and the 404 probe
        robots = {
            "{0.scheme}://{0.netloc}/robots.txt".format(urlsplit(url))
            for site in sites.sites
            for url in site.start_urls
            if _slot(url) == host.host
        }
        host.requests += len(sitemap_files.get(host.host, set()) | robots) + 1
    return sorted(hosts.values(), key=lambda h: (-h.seconds, h.host))


def _slot(url: str) -> str:
    """Scrapy's politeness slot of a URL: its host name, without the port."""
    return (urlsplit(url).hostname or "").lower()


class PlanSpider(SitemapReader, scrapy.Spider):
    """Reads the sites' sitemaps and requests nothing else."""

    name = "massaudit-plan"

    def __init__(self, sites: SitesConfig, found: dict[str, SiteSitemaps], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sites = sites
        self.found = found

    async def start(self) -> AsyncIterator[Any]:
        self.found.update(await self.read_sitemaps(self.sites.sites))
        return
        yield  # an async generator that yields nothing


def read_sitemaps(sites: SitesConfig, tool_version: str) -> dict[str, SiteSitemaps]:
    """Every site's sitemaps, read with the crawl's settings (one reactor run per process)."""
    found: dict[str, SiteSitemaps] = {}

    async def crawl() -> None:
        runner = AsyncCrawlerRunner(crawl_settings(sites, tool_version=tool_version))
        await runner.crawl(PlanSpider, sites=sites, found=found)

    run_on_reactor(crawl)
    return found
