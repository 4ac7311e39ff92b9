"""The nightly audit: crawl the sites, render and audit each page, judge, score and store it."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from pathlib import Path

from scrapy.crawler import AsyncCrawlerRunner

from massaudit.audits.axe import AXE_VERSION
from massaudit.audits.collector import Auditor, AuditSettings
from massaudit.crawler.credentials import CredentialError, host_headers
from massaudit.crawler.items import ResumeState
from massaudit.crawler.politeness import PoliteFetcher
from massaudit.crawler.settings import crawl_settings, run_on_reactor, user_agent
from massaudit.crawler.sites import SitesConfig
from massaudit.crawler.spider import SiteSpider
from massaudit.pipeline.crawl_job import CrawlFunction, CrawlJob
from massaudit.pipeline.finish import finish_run
from massaudit.pipeline.hooks import AuditHooks
from massaudit.pipeline.in_flight import InFlightDriver
from massaudit.pipeline.not_audited import sites_not_audited
from massaudit.pipeline.notify import NotifyOptions, notify_run, take_environment
from massaudit.pipeline.run_log import LogWriteError, RunLog
from massaudit.pipeline.run_options import RunError, resumed_options, stored_options
from massaudit.pipeline.screenshots import RunScreenshots
from massaudit.pipeline.site_level import check_settings
from massaudit.pipeline.summary import ProgressCallback, RunSummary
from massaudit.rules.catalogue import Catalogue, load_catalogue
from massaudit.rules.scoring import SCORING_VERSION
from massaudit.store.db import RunVersions, Store, StoreError


def run_audit(
    sites: SitesConfig | None,
    store: Store,
    *,
    tool_version: str,
    audit_settings: AuditSettings | None = None,
    progress: ProgressCallback | None = None,
    resume_run: int | None = None,
    full: bool = False,
    log_path: Path | None = None,
    notify: NotifyOptions | None = None,
    crawl: CrawlFunction | None = None,
) -> RunSummary:
    """Run one audit of `sites` into `store`; with `resume_run`, continue that stored run with
    the options it started with (RunError when `audit_settings` or `full` ask for others).

    Pages whose content has not changed since the last complete run are carried over unless
    `full`. A run that dies keeps its pages and is marked incomplete. `tool_version` (massaudit's
    version) is stored with the run and sent in the crawler's and the browser's User-Agent.
    The sites file's [notify] targets hear of the finished run (`notify`: its scorecard's
    folder and regression threshold). `crawl` replaces the crawl that audits each page here
    (a distributed run's coordinator, pipeline/distributed/coordinator.py).
    """
    catalogue = load_catalogue()
    audit_settings = audit_settings or AuditSettings()
    if not audit_settings.collect_facts and sites is not None:
        sites = axe_only(sites, catalogue)
    store.mark_abandoned_runs()
    resume: ResumeState | None = None
    if resume_run is not None:
        run = store.get_run(resume_run)
        if run is None:
            raise RunError(f"--resume: no run {resume_run} in this database")
        if run.status == "complete":
            raise RunError(f"--resume: run {resume_run} is complete; nothing to resume")
        if run.status == "running":
            raise RunError(f"--resume: run {resume_run} is still running (pid {run.pid})")
        audit_settings, full = resumed_options(run.id, run.options, audit_settings, full)
        sites = SitesConfig.from_dict(run.config)
        credentials = _credentials(run.id, sites)
        seen, queued = store.resume_state(run.id)
        resume = ResumeState(seen=seen, queued=queued)
        store.reopen_run(run.id)
        run_id = run.id
    else:
        credentials = _credentials(None, sites)
        run_id = store.begin_run(
            config=sites.to_dict(),
            options=stored_options(audit_settings, full),
            versions=RunVersions(tool_version, AXE_VERSION, catalogue.version, SCORING_VERSION),
        )
    if audit_settings.user_agent is None:
        audit_settings = replace(audit_settings, user_agent=user_agent(tool_version))
    audit_settings = replace(audit_settings, host_headers=credentials)
    notify_environment = take_environment(sites)  # before the browser or a worker starts
    previous = {} if full else store.previous_pages(run_id, [s.id for s in sites.sites])
    summary = RunSummary(run_id)
    if resume is not None:
        summary.urls.seed(resume.seen)
    started = time.monotonic()
    error: str | None = None
    log = RunLog(log_path)
    log.event("run started", run=run_id, resumed=resume is not None, full=full)
    store_gone = False
    try:
        if log.failure:
            raise LogWriteError(log.failure)
        run_on_reactor(
            lambda: (crawl or _crawl_and_audit)(
                CrawlJob(
                    sites,
                    store,
                    catalogue,
                    audit_settings,
                    summary,
                    progress,
                    resume,
                    previous,
                    log,
                    tool_version,
                )
            )
        )
        summary.findings.update(finish_run(store, run_id, catalogue, sites))
        # Never "complete" with work left: a URL still queued was lost somewhere.
        left = store.state_counts(run_id).get("queued", 0)
        summary.status = "incomplete" if left else "complete"
        if left:
            error = f"{left} URLs still queued when the crawl ended; --resume continues the run"
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM from a scheduler's time limit
        summary.status = "incomplete"
        error = "interrupted"
    except LogWriteError as exc:  # stopped on purpose; --resume continues with another --log
        summary.status = "incomplete"
        error = str(exc)
    except BaseException as exc:
        # A store that gave up leaves a resumable run: whatever it had stored is kept.
        store_gone = isinstance(exc, StoreError)
        first_try = summary.pages_audited == 0 and not store_gone
        summary.status = "failed" if first_try else "incomplete"
        error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        summary.seconds = round(time.monotonic() - started, 1)
        totals: dict[str, int] = {}
        if not store_gone:  # else the run stays "running" until the next command finds its
            totals = store.state_counts(run_id)  # process gone and marks it incomplete
            summary.sites_not_audited = sites_not_audited(store, run_id, sites, summary.urls)
            summary_dict = summary.to_dict() | {"states": totals}
            store.finish_run(run_id, summary.status, summary_dict, error)
        log.event(
            "run finished",
            status=summary.status,
            error=error,
            states=totals,
            sites_not_audited=summary.sites_not_audited,
        )
        store_left = None if store_gone else store
        notify_options = notify or NotifyOptions()
        notify_run(store_left, run_id, sites, catalogue, notify_options, log, notify_environment)
        log.close()
    return summary


def _credentials(resumed: int | None, sites: SitesConfig) -> dict[str, dict[str, str]]:
    """The sites' credentials, read from the environment now (a resumed run's too: its stored
    config names the variables); sent to the sites' own hosts only, never stored."""
    try:
        return host_headers(sites.sites)
    except CredentialError as exc:
        where = f"--resume: run {resumed}: " if resumed is not None else ""
        raise RunError(f"{where}{exc}") from None


def axe_only(sites: SitesConfig, catalogue: Catalogue) -> SitesConfig:
    """The same sites with every massaudit rule disabled, so only axe-core rules judge."""
    ours = sorted(r.id for r in catalogue.rules.values() if r.source == "massaudit")
    narrowed = tuple(
        replace(site, checks={**site.checks, "disabled": ours}) for site in sites.sites
    )
    return replace(sites, sites=narrowed)


async def _crawl_and_audit(job: CrawlJob) -> None:
    sites, store, summary, log = job.sites, job.store, job.summary, job.log
    runner = AsyncCrawlerRunner(crawl_settings(sites, tool_version=job.tool_version))
    crawler = runner.create_crawler(SiteSpider)
    # Every document the browser needs besides the crawler's download goes through the
    # crawler's per-host slots; Chromium starts on the first page that needs it.
    politeness = PoliteFetcher(crawler, sites)
    auditor = Auditor(job.audit_settings, fetcher=politeness)
    hooks: AuditHooks | None = None
    try:
        fatal: list[BaseException] = []

        def stop(exc: BaseException) -> None:
            fatal.append(exc)
            if len(fatal) == 1:
                asyncio.ensure_future(crawler.stop_async())

        hooks = AuditHooks(
            store, auditor, job.catalogue, summary, job.previous, job.progress, log, stop
        )

        def log_failed(exc: BaseException) -> None:  # pages not yet audited stay queued
            hooks.failed = True
            stop(exc)

        log.on_failure = log_failed
        hooks.checks = check_settings(sites.to_dict())
        hooks.allowed_hosts = {site.id: site.allowed_hosts for site in sites.sites}
        hooks.max_page_bytes = {site.id: site.max_page_bytes for site in sites.sites}
        hooks.screenshots = RunScreenshots.for_run(
            store, summary.run_id, job.catalogue, job.audit_settings
        )
        logging.getLogger("scrapy").setLevel(logging.WARNING)
        in_flight = InFlightDriver.for_run(
            job.audit_settings,
            auditor.slots,
            pages_done=hooks.pages_done,
            apply=hooks.set_pages_in_flight,
            log=log,
        )
        in_flight.start()
        try:
            await runner.crawl(crawler, sites=sites, hooks=hooks, resume=job.resume)
        finally:
            await in_flight.stop()
            summary.pages_in_flight = in_flight.history
        if fatal:
            raise fatal[0]
    finally:
        summary.browser_restarts, summary.pages_retried = auditor.restarts, auditor.retried
        summary.requests = politeness.tally.counts + auditor.requests
        await auditor.close()
        if hooks is not None:
            hooks.close_writer()
