"""A distributed run's worker process: audits, judges and stores the pages of the jobs it is
handed (massaudit/worker_command.py hands them from the queue, on several threads at once).

One browser a process (an `Auditor` on an event loop of its own thread), as many pages in it
at once as the worker's concurrency; every document it needs from a run's host is fetched under
that host's lease in Redis. A job is done once its page and final URL state are committed in
one transaction (INSERT ... ON CONFLICT: a job delivered again, or a page stored already, writes
nothing), and only then acknowledged.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from massaudit.audits.collector import Auditor, AuditSettings
from massaudit.audits.document_fetch import ServedDocument
from massaudit.audits.keyboard import keyboard_budget
from massaudit.crawler.credentials import CredentialError, host_headers
from massaudit.crawler.items import FetchedPage
from massaudit.crawler.settings import user_agent
from massaudit.crawler.sites import Site, SitesConfig
from massaudit.pipeline.distributed.broker import POISON_DELIVERIES
from massaudit.pipeline.distributed.host_leases import HostLeases
from massaudit.pipeline.distributed.jobs import AuditJob
from massaudit.pipeline.distributed.leased_requests import LeasedFetcher, host_limits
from massaudit.pipeline.distributed.refetch import refetch, with_download
from massaudit.pipeline.distributed.request_counts import (
    RunRequestCounts,
    not_yet_added,
    run_key,
)
from massaudit.pipeline.hooks import _page_outcome
from massaudit.pipeline.run_options import resumed_options
from massaudit.pipeline.screenshots import RunScreenshots
from massaudit.pipeline.site_level import check_settings
from massaudit.rules.catalogue import Catalogue, load_catalogue
from massaudit.rules.checks.settings import CheckSettings
from massaudit.rules.judge import judge
from massaudit.rules.model import PageArtifacts
from massaudit.store.db import FAULT_ENV, Store
from massaudit.store.url_states import FINAL_STATES

log = logging.getLogger("massaudit.worker")

STORED, ALREADY_STORED, POISONED, NO_RUN = "stored", "already stored", "poison", "no such run"
_KILL_ON = "kill-worker-on"  # FAULT_ENV=kill-worker-on:<text>: a page that takes the worker down


@dataclass
class RunContext:
    """What the worker keeps of a run it audits pages of."""

    run_id: int
    auditor: Auditor
    fetcher: LeasedFetcher
    sites: dict[str, Site]
    checks: dict[str, CheckSettings]
    allowed_hosts: dict[str, tuple[str, ...]]
    screenshots: RunScreenshots
    counts_key: str  # the run's request counts in Redis
    requests_added: Counter[str] = field(default_factory=Counter)


class AuditWorker:
    """The jobs of one worker process; `handle` is called from any number of threads."""

    def __init__(
        self, store: Store, redis_url: str, *, concurrency: int, tool_version: str
    ) -> None:
        self.store = store
        self.redis_url = redis_url
        self.concurrency = concurrency
        self.tool_version = tool_version
        self.catalogue: Catalogue = load_catalogue()
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="massaudit-browser", daemon=True
        )
        self._thread.start()
        self._leases: HostLeases | None = None
        self._fetchers: list[LeasedFetcher] = []
        self._runs: dict[int, RunContext | None] = {}
        self._lock = threading.Lock()
        self._request_counts = RunRequestCounts(redis_url)

    def handle(self, message: Any, deliveries: int = 0) -> str:
        """Audit, judge and store the page of one job; what became of it (STORED, ...).
        `deliveries`: how often the broker handed the job out before without an acknowledgement."""
        job = AuditJob.from_message(message)
        context = self._context(job.run_id)
        if context is None:
            log.warning("job for run %s, which is not in the store: dropped", job.run_id)
            return NO_RUN
        if deliveries:
            log.warning("job delivered again (%d before): %s", deliveries, job.url)
        if self.store.url_state(job.run_id, job.site_id, job.url) in FINAL_STATES:
            log.warning("page stored already, nothing to do: %s", job.url)
            return ALREADY_STORED
        if job.download is None and deliveries < POISON_DELIVERIES:  # published again
            job = self._refetched(context, job)
        page = job.page()
        if deliveries >= POISON_DELIVERIES:
            error = (
                f"BrowserError: the page's audit stopped its worker {deliveries} times; "
                "not audited again"
            )
            artifacts = PageArtifacts(page.url, page.url, None, "", {}, {}, error=error)
            return self._store(context, job, page, artifacts)
        _fault(job.url)
        document = None
        if job.download is not None:
            d = job.download
            document = ServedDocument(d.final_url, d.status, d.headers, d.body)
        artifacts = asyncio.run_coroutine_threadsafe(
            self._audit(context, page, document), self.loop
        ).result()
        stored = self._store(context, job, page, artifacts)
        self._add_requests(context)
        return stored

    def _add_requests(self, context: RunContext) -> None:
        """The requests of the browser and of its fetcher since the last addition, to the run's
        counts in Redis."""

        async def snapshot() -> Counter[str]:  # on the loop that counts them
            return Counter(context.auditor.requests) + context.fetcher.requests

        now = asyncio.run_coroutine_threadsafe(snapshot(), self.loop).result()
        with self._lock:
            fresh = not_yet_added(now, context.requests_added)
        self._request_counts.add(context.counts_key, fresh)

    def _refetched(self, context: RunContext, job: AuditJob) -> AuditJob:
        site = context.sites.get(job.site_id)
        if site is None:
            return job
        fetched = asyncio.run_coroutine_threadsafe(
            refetch(context.fetcher, site, job.url), self.loop
        ).result()  # its requests are the fetcher's, added with the page's
        return job if fetched is None else with_download(job, fetched)

    def _store(
        self, context: RunContext, job: AuditJob, page: FetchedPage, artifacts: PageArtifacts
    ) -> str:
        checks = context.checks.get(page.site_id)
        judgement, shots = context.screenshots.taken(page.site_id, page.url, artifacts)
        judgement = judgement or judge(artifacts, self.catalogue, checks)
        outcome = _page_outcome(page.site_id, page.url, page.depth, artifacts)
        page_id = self.store.save_page_once(
            job.run_id,
            site_id=page.site_id,
            agency_id=page.agency_id,
            depth=page.depth,
            artifacts=artifacts,
            judgement=judgement,
            url_state=asdict(outcome),
            links=page.links,
            etag=page.etag,
            last_modified=page.last_modified,
            content_hash=page.content_hash,
            shots=[asdict(shot) for shot in shots],
        )
        if page_id is None:
            return ALREADY_STORED
        return POISONED if artifacts.error and "not audited again" in artifacts.error else STORED

    async def _audit(
        self, context: RunContext, page: FetchedPage, document: ServedDocument | None
    ) -> PageArtifacts:
        """The auditor bounds every step; this bounds the whole page, as a single-process run
        does (pipeline/hooks.py): a page over it is a `timeout`, and the browser is replaced."""
        auditor = context.auditor
        checks = context.checks.get(page.site_id)
        keyboard = keyboard_budget(checks) if checks else None
        budget = auditor.settings.page_budget_s()
        task = asyncio.ensure_future(
            auditor.audit(
                page.url,
                allowed_hosts=context.allowed_hosts.get(page.site_id),
                document=document,
                after_audit=context.screenshots.after_audit(page.site_id, page.url, checks),
                keyboard=keyboard,
            )
        )
        done, _ = await asyncio.wait({task}, timeout=budget)
        if done:
            return task.result()
        task.cancel()
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        await asyncio.wait_for(auditor.recycle(), budget)
        error = f"TimeoutError: the whole audit of the page took longer than {budget:g} s"
        return PageArtifacts(page.url, page.url, None, "", {}, {}, error=error)

    def _context(self, run_id: int) -> RunContext | None:
        with self._lock:
            if run_id not in self._runs:
                self._close_finished_runs()
                self._runs[run_id] = self._open_run(run_id)
            return self._runs[run_id]

    def _close_finished_runs(self) -> None:
        """The browsers of runs that have ended: a worker lives through many nightly runs."""
        for run_id, context in list(self._runs.items()):
            run = self.store.get_run(run_id)
            if run is None or run.status != "running":
                del self._runs[run_id]
                if context is not None:
                    closing = asyncio.run_coroutine_threadsafe(context.auditor.close(), self.loop)
                    closing.result(timeout=60)

    def _open_run(self, run_id: int) -> RunContext | None:
        run = self.store.get_run(run_id)
        if run is None:
            return None
        sites = SitesConfig.from_dict(run.config)
        settings, _ = resumed_options(run_id, run.options, AuditSettings(), False)
        try:
            credentials = host_headers(sites.sites)
        except CredentialError as exc:
            log.warning("run %s: %s; its pages are fetched without credentials", run_id, exc)
            credentials = {}
        agent = user_agent(self.tool_version)
        settings = replace(
            settings,
            concurrency=self.concurrency,
            user_agent=agent,
            host_headers=credentials,
        )
        auditor, fetcher = asyncio.run_coroutine_threadsafe(
            self._new_auditor(settings, sites, agent, credentials), self.loop
        ).result()
        return RunContext(
            run_id,
            auditor,
            fetcher,
            {site.id: site for site in sites.sites},
            check_settings(sites.to_dict()),
            {site.id: site.allowed_hosts for site in sites.sites},
            RunScreenshots.for_run(self.store, run_id, self.catalogue, settings),
            run_key(run_id, run.started_at),
        )

    async def _new_auditor(
        self,
        settings: AuditSettings,
        sites: SitesConfig,
        agent: str,
        credentials: dict[str, dict[str, str]],
    ) -> tuple[Auditor, LeasedFetcher]:
        if self._leases is None:  # its connections belong to this loop
            self._leases = HostLeases(self.redis_url)
        fetcher = LeasedFetcher(self._leases, host_limits(sites), agent, credentials)
        self._fetchers.append(fetcher)
        return Auditor(settings, fetcher=fetcher), fetcher

    def close(self) -> None:
        """Close the browsers and the leases' connections, then stop the loop."""

        async def close_all() -> None:
            for context in self._runs.values():
                if context is not None:
                    await context.auditor.close()
            for fetcher in self._fetchers:
                await fetcher.close()
            if self._leases is not None:
                await self._leases.aclose()

        try:
            asyncio.run_coroutine_threadsafe(close_all(), self.loop).result(timeout=60)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=10)
            self._request_counts.close()


def _fault(url: str) -> None:
    """For tests only: FAULT_ENV=kill-worker-on:<text> kills this worker's whole process group
    (SIGKILL) when it is handed a page whose URL contains <text>, as a page that brings the
    machine down would."""
    kind, _, text = os.environ.get(FAULT_ENV, "").partition(":")
    if kind == _KILL_ON and text and text in url:
        os.killpg(os.getpgid(0), signal.SIGKILL)
