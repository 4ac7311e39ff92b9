"""A distributed run's coordinator: the run's Scrapy crawl as a single-process run has it (scope,
robots.txt, sitemaps, caps, what is carried over), but each page to audit is written `auditing`
and published as a job for the workers instead of audited here (docs/distributed.md).

It holds the run's advisory lock in PostgreSQL and writes a heartbeat; every request of its
crawl waits for its host's lease in Redis; it pauses while the queue is deeper than
`max_queue_depth`. When the crawl is idle it waits until no URL is `auditing`, publishing again
any `auditing` URL older than `republish_after` whenever the queue is empty. The run's end
(site-level checks, documents, scorecard) is then run_audit's, once.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from scrapy.crawler import AsyncCrawlerRunner

from massaudit.audits.collector import Auditor
from massaudit.crawler.frontier import AUDITED, SKIPPED
from massaudit.crawler.items import FetchedPage, UrlOutcome
from massaudit.crawler.politeness import RequestTally
from massaudit.crawler.settings import crawl_settings
from massaudit.crawler.sites import SitesConfig
from massaudit.crawler.spider import SiteSpider
from massaudit.pipeline.crawl_job import CrawlFunction, CrawlJob
from massaudit.pipeline.distributed.broker import DEFAULT_QUEUE, JobPublisher
from massaudit.pipeline.distributed.host_leases import HostLeases
from massaudit.pipeline.distributed.jobs import AuditJob
from massaudit.pipeline.distributed.leased_requests import (
    CRAWL_LEASES,
    LEASES_SETTING,
    host_limits,
)
from massaudit.pipeline.distributed.request_counts import RunRequestCounts, run_key
from massaudit.pipeline.hooks import AuditHooks
from massaudit.pipeline.run_log import RunLog
from massaudit.pipeline.run_options import RunError
from massaudit.pipeline.site_level import check_settings
from massaudit.pipeline.summary import ProgressCallback, RunSummary
from massaudit.pipeline.url_tally import UrlTally
from massaudit.store.db import Store

AUDITING = "auditing"
_REPUBLISHED_AT_MOST = 3  # a job lost more often than this: the page is skipped (browser_error)


@dataclass(frozen=True)
class DistributedOptions:
    broker_url: str
    redis_url: str
    queue: str = DEFAULT_QUEUE
    max_queue_depth: int = 200  # jobs waiting in the queue before the crawl pauses
    republish_after: float = 600.0  # seconds an `auditing` URL may wait while the queue is empty
    poll_seconds: float = 1.0
    heartbeat_seconds: float = 10.0


class DistributedHooks(AuditHooks):
    """The spider's hooks with `audit` replaced: the page's URL is written `auditing`, with the
    states of the URLs first seen on it, and its job published (after the broker's confirm)."""

    publisher: JobPublisher
    options: DistributedOptions

    async def audit(self, page: FetchedPage) -> None:
        if self.failed:
            return
        job = AuditJob.of_page(self.summary.run_id, page, self.max_page_bytes.get(page.site_id))
        outcome = UrlOutcome(page.site_id, page.url, AUDITING, status=page.status, depth=page.depth)
        states = [*(asdict(o) for o in page.discovered), asdict(outcome)]
        loop = asyncio.get_running_loop()
        try:
            while await loop.run_in_executor(self.writer, self.publisher.depth) > (
                self.options.max_queue_depth
            ):
                await asyncio.sleep(self.options.poll_seconds)
            await loop.run_in_executor(self.writer, self._publish, job, states)
        except Exception as exc:  # the store or the broker is gone: stop, lose nothing silently
            self.failed = True
            self.stop(exc)
            return
        self.summary.urls.add([outcome])
        self._count(page.discovered)
        self.log.event("page published", site=page.site_id, url=page.url, job=job.key)

    def _publish(self, job: AuditJob, states: list[dict[str, Any]]) -> None:
        self.store.record_url_states(self.summary.run_id, states)  # before the job exists
        self.publisher.publish(job)


def distributed_crawl(options: DistributedOptions) -> CrawlFunction:
    """run_audit's crawl for a distributed run (pipeline/nightly.py calls it in place of its own)."""

    async def crawl(job: CrawlJob) -> None:
        sites, store, summary, log, resume = job.sites, job.store, job.summary, job.log, job.resume
        progress = job.progress
        run_id = summary.run_id
        loop = asyncio.get_running_loop()
        lock = await loop.run_in_executor(None, store.lock_run, run_id)
        if lock is None:
            raise RunError(f"run {run_id} has a coordinator already (its advisory lock is held)")
        leases = HostLeases(options.redis_url)
        request_counts = RunRequestCounts(options.redis_url)
        run = await loop.run_in_executor(None, store.get_run, run_id)
        counts_key = run_key(run_id, run.started_at)
        publisher: JobPublisher | None = None
        beating = asyncio.ensure_future(_heartbeat(store, run_id, options.heartbeat_seconds))
        try:
            publisher = await loop.run_in_executor(
                None, JobPublisher, options.broker_url, options.queue
            )
            if resume is not None:  # a URL `auditing` is the workers' now: not crawled again
                for urls in resume.seen.values():
                    for url, state in urls.items():
                        if state == AUDITING:
                            urls[url] = AUDITED
            limits = host_limits(sites)
            settings = _leased_settings(crawl_settings(sites, tool_version=job.tool_version))
            settings[LEASES_SETTING] = f"run-{run_id}"
            CRAWL_LEASES[settings[LEASES_SETTING]] = (leases, limits)
            runner = AsyncCrawlerRunner(settings)
            crawler = runner.create_crawler(SiteSpider)
            tally = RequestTally(crawler)
            fatal: list[BaseException] = []

            def stop(exc: BaseException) -> None:
                fatal.append(exc)
                if len(fatal) == 1:
                    asyncio.ensure_future(crawler.stop_async())

            # Never launched here: the hooks only read its settings.
            auditor = Auditor(job.audit_settings)
            hooks = DistributedHooks(
                store, auditor, job.catalogue, summary, job.previous, progress, log, stop
            )
            hooks.publisher, hooks.options = publisher, options
            hooks.checks = check_settings(sites.to_dict())
            hooks.allowed_hosts = {site.id: site.allowed_hosts for site in sites.sites}
            hooks.max_page_bytes = {site.id: site.max_page_bytes for site in sites.sites}
            logging.getLogger("scrapy").setLevel(logging.WARNING)
            try:
                await runner.crawl(crawler, sites=sites, hooks=hooks, resume=resume)
            finally:
                await loop.run_in_executor(None, hooks.close_writer)
                await loop.run_in_executor(None, request_counts.add, counts_key, tally.counts)
            if fatal:
                raise fatal[0]
            log.event("crawl finished", published=publisher.published)
            await _until_audited(store, run_id, publisher, options, summary, progress, log)
        finally:
            beating.cancel()
            CRAWL_LEASES.pop(f"run-{run_id}", None)
            if publisher is not None:
                await loop.run_in_executor(None, publisher.close)
            await leases.aclose()
            await loop.run_in_executor(None, lock.close)
            summary.requests = await loop.run_in_executor(None, request_counts.read, counts_key)
            request_counts.close()
        _tally_from_store(store, run_id, summary)

    return crawl


def _leased_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """The crawl's settings with the hosts' leases as the only pace: Scrapy's own delay,
    AutoThrottle and per-slot concurrency would only slow the run's share further."""
    settings = dict(settings)
    settings["DOWNLOAD_SLOTS"] = {
        name: {"concurrency": 64, "delay": 0.0} for name in settings["DOWNLOAD_SLOTS"]
    }
    settings["DOWNLOAD_DELAY"] = 0.0
    settings["AUTOTHROTTLE_ENABLED"] = False
    settings["CONCURRENT_REQUESTS_PER_DOMAIN"] = 64
    settings["DOWNLOADER_MIDDLEWARES"] = {
        **settings["DOWNLOADER_MIDDLEWARES"],
        "massaudit.pipeline.distributed.leased_requests.LeaseMiddleware": 950,
    }
    return settings


async def _heartbeat(store: Store, run_id: int, seconds: float) -> None:
    loop = asyncio.get_running_loop()
    while True:
        try:
            await loop.run_in_executor(None, store.beat, run_id)
        except Exception as exc:  # a missed beat is not the run's end; the next one may pass
            logging.getLogger("massaudit").warning("heartbeat of run %s: %s", run_id, exc)
        await asyncio.sleep(seconds)


async def _until_audited(
    store: Store,
    run_id: int,
    publisher: JobPublisher,
    options: DistributedOptions,
    summary: RunSummary,
    progress: ProgressCallback | None,
    log: RunLog,
) -> None:
    """Wait until no URL of the run is `auditing`; whenever the queue is empty, publish again
    the `auditing` URLs older than `republish_after` (a job lost before or after its publish:
    writes are idempotent, so one delivered twice costs an audit, never a double)."""
    loop = asyncio.get_running_loop()
    republished: Counter[tuple[str, str]] = Counter()
    run = await loop.run_in_executor(None, store.get_run, run_id)
    agencies = {site.id: site.agency for site in SitesConfig.from_dict(run.config).sites}
    while True:
        counts = await loop.run_in_executor(None, store.state_counts, run_id)
        if not counts.get(AUDITING):
            return
        if progress is not None:
            await loop.run_in_executor(None, _tally_from_store, store, run_id, summary)
            progress(summary, "")
        if await loop.run_in_executor(None, publisher.depth) == 0:
            stale = await loop.run_in_executor(
                None, store.stale_auditing, run_id, options.republish_after
            )
            for site_id, url, depth in stale:
                await loop.run_in_executor(
                    None,
                    _republish,
                    store,
                    publisher,
                    run_id,
                    (site_id, url, depth),
                    republished,
                    agencies,
                )
                log.event("job published again", site=site_id, url=url)
        await asyncio.sleep(options.poll_seconds)


def _republish(
    store: Store,
    publisher: JobPublisher,
    run_id: int,
    row: tuple[str, str, int],
    republished: Counter[tuple[str, str]],
    agencies: dict[str, str],
) -> None:
    site_id, url, depth = row
    republished[(site_id, url)] += 1
    if republished[(site_id, url)] > _REPUBLISHED_AT_MOST:
        detail = f"its audit job was lost {_REPUBLISHED_AT_MOST} times"
        lost = UrlOutcome(site_id, url, SKIPPED, "browser_error", detail, depth=depth)
        store.record_url_states(run_id, [asdict(lost)])
        return
    again = UrlOutcome(site_id, url, AUDITING, depth=depth)
    store.record_url_states(run_id, [asdict(again)])  # its age starts again
    publisher.publish(AuditJob(run_id, site_id, agencies.get(site_id, ""), url, depth))


def _tally_from_store(store: Store, run_id: int, summary: RunSummary) -> None:
    """The summary's counts from what the workers stored."""
    seen, _ = store.resume_state(run_id)
    summary.urls = UrlTally()
    summary.urls.seed(seen)
    audited, failed, outcomes = store.audit_tallies(run_id)
    summary.pages_audited, summary.pages_failed = audited, failed
    summary.findings = Counter(outcomes)
    summary.per_site = Counter({site: summary.urls.pages_of(site) for site in seen})
