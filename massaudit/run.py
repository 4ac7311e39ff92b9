"""The nightly audit: crawl the sites, render and audit each page, judge, score and store it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from scrapy.crawler import AsyncCrawlerRunner

from massaudit import __version__
from massaudit.audits.axe import AXE_VERSION
from massaudit.audits.collector import Auditor, AuditSettings
from massaudit.audits.scope_guard import REDIRECT_OUT_OF_SCOPE, OutOfScopeNavigation
from massaudit.crawler.frontier import AUDITED, SKIPPED, UNCHANGED
from massaudit.crawler.items import (
    FetchedDocument,
    FetchedPage,
    PreviousPage,
    ResumeState,
    ReusedPage,
    UrlOutcome,
)
from massaudit.crawler.settings import crawl_settings, run_on_reactor
from massaudit.crawler.sites import SitesConfig
from massaudit.crawler.spider import SiteSpider
from massaudit.documents import check_document, finalise_documents
from massaudit.judging import check_settings, judge_site_level
from massaudit.rules.catalogue import Catalogue, load_catalogue
from massaudit.rules.checks.settings import CheckSettings
from massaudit.rules.judge import PageJudgement, judge
from massaudit.rules.model import PageArtifacts
from massaudit.rules.scoring import SCORING_VERSION
from massaudit.store.db import RunVersions, Store, StoreError


class RunError(RuntimeError):
    """A run that cannot start (e.g. nothing to resume); one line for the operator."""


class LogWriteError(RuntimeError):
    """The run log cannot be written (e.g. a full disk): the run stops, incomplete."""


@dataclass
class RunSummary:
    run_id: int
    status: str = "running"
    discovered: int = 0
    pages_audited: int = 0
    pages_reused: int = 0
    pages_failed: int = 0
    documents_checked: int = 0
    documents_reused: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    findings: Counter[str] = field(default_factory=Counter)
    per_site: Counter[str] = field(default_factory=Counter)
    # Browsers replaced because one died or got stuck, and pages audited again after that.
    browser_restarts: int = 0
    pages_retried: int = 0
    seconds: float = 0.0
    started: float = field(default_factory=time.monotonic, repr=False)

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("started")
        for key in ("skipped", "findings", "per_site"):
            data[key] = dict(getattr(self, key))
        return data

    @property
    def pages_per_minute(self) -> float:
        elapsed = time.monotonic() - self.started
        done = self.pages_audited + self.pages_reused
        return done / elapsed * 60 if elapsed > 0 else 0.0


ProgressCallback = Callable[[RunSummary, str], None]


def run_audit(
    sites: SitesConfig,
    store: Store,
    *,
    audit_settings: AuditSettings | None = None,
    progress: ProgressCallback | None = None,
    resume_run: int | None = None,
    full: bool = False,
    log_path: Path | None = None,
) -> RunSummary:
    """Run one audit of `sites` into `store`; with `resume_run`, continue that stored run.

    Pages whose content has not changed since the last complete run are carried over unless
    `full`. A run that dies keeps its pages and is marked incomplete.
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
        sites = SitesConfig.from_dict(run.config)
        seen, queued = store.resume_state(run.id)
        resume = ResumeState(seen=seen, queued=queued)
        store.reopen_run(run.id)
        run_id = run.id
    else:
        run_id = store.begin_run(
            config=sites.to_dict(),
            options={"audit": asdict(audit_settings), "full": full},
            versions=RunVersions(__version__, AXE_VERSION, catalogue.version, SCORING_VERSION),
        )
    previous = {} if full else store.previous_pages(run_id, [s.id for s in sites.sites])
    summary = RunSummary(run_id)
    started = time.monotonic()
    error: str | None = None
    log = RunLog(log_path)
    log.event("run started", run=run_id, resumed=resume is not None, full=full)
    store_gone = False
    try:
        if log.failure:
            raise LogWriteError(log.failure)
        run_on_reactor(
            lambda: _crawl_and_audit(
                sites, store, catalogue, audit_settings, summary, progress, resume, previous, log
            )
        )
        summary.findings.update(judge_site_level(store, run_id, catalogue))
        finalise_documents(store, run_id, sites)
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
            summary_dict = summary.to_dict() | {"states": totals}
            store.finish_run(run_id, summary.status, summary_dict, error)
        log.event("run finished", status=summary.status, error=error, states=totals)
        log.close()
    return summary


class RunLog:
    """A structured log of one run: one JSON object per line.

    A write that fails (a full disk, a file gone read-only) never raises into the crawl, where
    Scrapy would swallow it and stop following links: the first failure is kept in `failure`
    and `on_failure` is called with a LogWriteError, which stops the run as incomplete.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.failure: str | None = None
        self.on_failure: Callable[[BaseException], None] | None = None
        self._file: TextIO | None = None
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._file = path.open("a", encoding="utf-8")
            except OSError as exc:
                self._failed(exc)

    def event(self, event: str, **fields: Any) -> None:
        if self._file is None:
            return
        record = {"time": datetime.now(UTC).isoformat(timespec="milliseconds"), "event": event}
        try:
            self._file.write(json.dumps(record | fields, default=str) + "\n")
            self._file.flush()
        except (OSError, ValueError) as exc:
            self._failed(exc)

    def _failed(self, exc: Exception) -> None:
        if self.failure is not None:
            return
        reason = getattr(exc, "strerror", None) or str(exc)
        self.failure = f"cannot write the run log {self.path}: {reason}; the run stopped"
        self.close()
        if self.on_failure is not None:
            self.on_failure(LogWriteError(self.failure))

    def close(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            with contextlib.suppress(OSError):  # a failed flush is in `failure` already
                file.close()


def axe_only(sites: SitesConfig, catalogue: Catalogue) -> SitesConfig:
    """The same sites with every massaudit rule disabled, so only axe-core rules judge."""
    ours = sorted(r.id for r in catalogue.rules.values() if r.source == "massaudit")
    narrowed = tuple(
        replace(site, checks={**site.checks, "disabled": ours}) for site in sites.sites
    )
    return replace(sites, sites=narrowed)


class AuditHooks:
    """What the spider calls: audit or reuse a page, record URL outcomes, find the last run's page."""

    def __init__(
        self,
        store: Store,
        auditor: Auditor,
        catalogue: Catalogue,
        summary: RunSummary,
        previous: dict[tuple[str, str], tuple],
        progress: ProgressCallback | None,
        log: RunLog,
        stop: Callable[[BaseException], None],
    ) -> None:
        self.store = store
        self.auditor = auditor
        self.catalogue = catalogue
        self.summary = summary
        self._previous = previous
        self.progress = progress
        self.log = log
        self.stop = stop
        self.failed = False
        self.write_error: BaseException | None = None
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="massaudit-store")
        # Pages between the browser and the store: as many in the browser as it audits at once,
        # and as many again waiting to be judged and stored; no more artifacts pile up in memory.
        self._pages_in_flight = asyncio.Semaphore(2 * auditor.settings.concurrency)
        # site id -> settings of our checks, from the run's config (set by _crawl_and_audit)
        self.checks: dict[str, CheckSettings] = {}
        self.allowed_hosts: dict[str, tuple[str, ...]] = {}  # site id -> where its browser may go
        self.reuse_documents = bool(previous)  # no earlier run to reuse from, or --full

    async def document(self, document: FetchedDocument) -> None:
        """A linked PDF or Word file: analyse (or reuse by sha256), judge and store it."""
        if self.failed:
            return
        try:
            _, reused, failures = await check_document(
                self.store,
                self.summary.run_id,
                document,
                self.catalogue,
                self.checks.get(document.site_id),
                reuse=self.reuse_documents,
            )
        except Exception as exc:  # the store is gone: stop, lose nothing silently
            self.failed = True
            self.stop(exc)
            return
        self.summary.documents_checked += 1
        self.summary.documents_reused += reused
        self.log.event(
            "document checked",
            site=document.site_id,
            url=document.url,
            reused=reused,
            failures=failures,
        )

    def previous(self, site_id: str, url: str) -> PreviousPage | None:
        row = self._previous.get((site_id, url))
        return PreviousPage(*row) if row else None

    async def audit(self, page: FetchedPage) -> None:
        if self.failed:
            return
        try:
            async with self._pages_in_flight:
                if self.failed:  # stopped while this page waited: it stays queued for --resume
                    return
                hosts = self.allowed_hosts.get(page.site_id)
                artifacts = await self._audit_within_budget(page, hosts)
                # Judging and storing run on one worker thread, off the event loop that drives
                # the browser, and in order (one writer for SQLite).
                judgement, state = await asyncio.get_running_loop().run_in_executor(
                    self.writer, self._judge_and_store, page, artifacts
                )
        except Exception as exc:  # no browser, or the store is gone: stop, lose nothing silently
            self.failed = True
            self.stop(exc)
            return
        summary = self.summary
        if self.auditor.restarts > summary.browser_restarts:
            self.log.event("browser restarted", restarts=self.auditor.restarts, url=page.url)
        summary.browser_restarts = self.auditor.restarts
        summary.pages_retried = self.auditor.retried
        if artifacts.error:
            summary.pages_failed += 1
            summary.skipped[state["reason"]] += 1
        else:
            summary.pages_audited += 1
        self._count(page.discovered)
        summary.per_site[page.site_id] += 1
        for finding in judgement.findings:
            summary.findings[finding.outcome] += 1
        self.log.event(
            "page audited",
            site=page.site_id,
            url=page.url,
            error=artifacts.error,
            findings=len(judgement.findings),
            timings=artifacts.timings,
        )
        if self.progress is not None:
            self.progress(summary, page.url)

    async def _audit_within_budget(
        self, page: FetchedPage, allowed_hosts: tuple[str, ...] | None
    ) -> PageArtifacts:
        """The auditor bounds every step; this bounds the whole page (both attempts, closing,
        a browser restart) should anything still hang. A page over it is a `timeout`, and the
        browser is replaced so nothing of it lingers."""
        budget = self.auditor.settings.page_budget_s()
        task = asyncio.ensure_future(self.auditor.audit(page.url, allowed_hosts=allowed_hosts))
        # Not wait_for: it would wait for the cancelled audit to finish, and that may be what hangs.
        done, _ = await asyncio.wait({task}, timeout=budget)
        if done:
            return task.result()
        task.cancel()
        task.add_done_callback(lambda t: t.cancelled() or t.exception())  # nothing unretrieved
        self.log.event("page over its budget", site=page.site_id, url=page.url, seconds=budget)
        await asyncio.wait_for(self.auditor.recycle(), budget)
        error = f"TimeoutError: the whole audit of the page took longer than {budget:g} s"
        return PageArtifacts(page.url, page.url, None, "", {}, {}, error=error)

    def _write_later(self, write: Callable[..., Any], *args: Any) -> None:
        """Queue a store write on the writer thread, in order with the page writes, so the event
        loop that drives the browser never waits for the database; a failed write stops the run."""
        loop = asyncio.get_running_loop()

        def done(future: Future) -> None:
            exc = future.exception()
            if exc is not None and self.write_error is None:
                self.write_error = exc
            if exc is not None and not self.failed:
                self.failed = True
                loop.call_soon_threadsafe(self.stop, exc)

        self.writer.submit(write, *args).add_done_callback(done)

    def close_writer(self) -> None:
        """Wait for the queued store writes; one that failed fails the run, even when it failed
        after the crawl had ended (nothing is left to stop then)."""
        self.writer.shutdown(wait=True)
        if self.write_error is not None:
            raise self.write_error

    def _judge_and_store(
        self, page: FetchedPage, artifacts: PageArtifacts
    ) -> tuple[PageJudgement, dict]:
        judgement = judge(artifacts, self.catalogue, self.checks.get(page.site_id))
        state = _page_state(page.site_id, page.url, page.depth, artifacts)
        self.store.save_page(
            self.summary.run_id,
            site_id=page.site_id,
            agency_id=page.agency_id,
            depth=page.depth,
            artifacts=artifacts,
            judgement=judgement,
            links=page.links,
            etag=page.etag,
            last_modified=page.last_modified,
            content_hash=page.content_hash,
            url_state=state,
            discovered=[asdict(o) for o in page.discovered],
        )
        return judgement, state

    async def reuse(
        self, page: ReusedPage, discover: Callable[[list[str]], list[UrlOutcome]]
    ) -> list[str]:
        if self.failed:
            return []
        state = asdict(
            UrlOutcome(page.site_id, page.url, UNCHANGED, None, page.how, depth=page.depth)
        )
        discovered: list[UrlOutcome] = []

        def states_of_links(links: list[str]) -> list[dict[str, Any]]:
            discovered[:] = discover(links)
            return [asdict(o) for o in discovered]

        try:
            links = self.store.reuse_page(
                self.summary.run_id,
                page.previous.page_id,
                depth=page.depth,
                url_state=state,
                discover=states_of_links,
            )
        except Exception as exc:  # the store is gone: stop, lose nothing silently
            self.failed = True
            self.stop(exc)
            return []
        self._count(discovered)
        self.summary.pages_reused += 1
        self.summary.per_site[page.site_id] += 1
        self.log.event("page unchanged", site=page.site_id, url=page.url, how=page.how)
        if self.progress is not None:
            self.progress(self.summary, page.url)
        return links

    def record(self, outcomes: list[UrlOutcome]) -> None:
        self._write_later(
            self.store.record_url_states, self.summary.run_id, [asdict(o) for o in outcomes]
        )
        self._count(outcomes)

    def _count(self, outcomes: list[UrlOutcome] | tuple[UrlOutcome, ...]) -> None:
        for outcome in outcomes:
            if outcome.state == SKIPPED:
                self.summary.skipped[outcome.reason or "unknown"] += 1
                self.log.event(
                    "url skipped",
                    site=outcome.site_id,
                    url=outcome.url,
                    reason=outcome.reason,
                    detail=outcome.detail,
                    status=outcome.status,
                )
            elif outcome.document is None:
                self.summary.discovered += 1


def _page_state(site_id: str, url: str, depth: int, artifacts: PageArtifacts) -> dict:
    if artifacts.error is None:
        return asdict(UrlOutcome(site_id, url, AUDITED, status=artifacts.status, depth=depth))
    reason = "timeout" if "Timeout" in artifacts.error else "browser_error"
    if artifacts.error.startswith(OutOfScopeNavigation.__name__):
        reason = REDIRECT_OUT_OF_SCOPE
    return asdict(
        UrlOutcome(site_id, url, SKIPPED, reason, artifacts.error, artifacts.status, depth)
    )


async def _crawl_and_audit(
    sites: SitesConfig,
    store: Store,
    catalogue: Catalogue,
    audit_settings: AuditSettings,
    summary: RunSummary,
    progress: ProgressCallback | None,
    resume: ResumeState | None,
    previous: dict[tuple[str, str], tuple],
    log: RunLog,
) -> None:
    auditor = Auditor(audit_settings)  # starts Chromium on the first page that needs it
    hooks: AuditHooks | None = None
    try:
        settings = crawl_settings(sites, tool_version=__version__)
        runner = AsyncCrawlerRunner(settings)
        crawler = runner.create_crawler(SiteSpider)
        fatal: list[BaseException] = []

        def stop(exc: BaseException) -> None:
            fatal.append(exc)
            if len(fatal) == 1:
                asyncio.ensure_future(crawler.stop_async())

        hooks = AuditHooks(store, auditor, catalogue, summary, previous, progress, log, stop)

        def log_failed(exc: BaseException) -> None:  # pages not yet audited stay queued
            hooks.failed = True
            stop(exc)

        log.on_failure = log_failed
        hooks.checks = check_settings(sites.to_dict())
        hooks.allowed_hosts = {site.id: site.allowed_hosts for site in sites.sites}
        logging.getLogger("scrapy").setLevel(logging.WARNING)
        await runner.crawl(crawler, sites=sites, hooks=hooks, resume=resume)
        if fatal:
            raise fatal[0]
    finally:
        summary.browser_restarts, summary.pages_retried = auditor.restarts, auditor.retried
        await auditor.close()
        if hooks is not None:
            hooks.close_writer()
