"""The run's hooks into the crawler and the auditor: what the spider calls for each page, linked
document and URL outcome (audit or reuse, judge, store, count, log)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict
from typing import Any

from massaudit.audits.collector import Auditor
from massaudit.audits.document_fetch import ServedDocument
from massaudit.audits.keyboard import KeyboardBudget, keyboard_budget
from massaudit.audits.page_slots import AdjustableLimit
from massaudit.audits.scope_guard import REDIRECT_OUT_OF_SCOPE, OutOfScopeNavigation
from massaudit.audits.screenshots import AfterAudit
from massaudit.crawler.frontier import AUDITED, SKIPPED, UNCHANGED
from massaudit.crawler.items import (
    FetchedDocument,
    FetchedPage,
    PreviousPage,
    ReusedPage,
    UrlOutcome,
)
from massaudit.pipeline.document_checks import check_document
from massaudit.pipeline.run_log import RunLog
from massaudit.pipeline.screenshots import RunScreenshots
from massaudit.pipeline.summary import ProgressCallback, RunSummary
from massaudit.rules.catalogue import Catalogue
from massaudit.rules.checks.settings import CheckSettings
from massaudit.rules.judge import PageJudgement, judge
from massaudit.rules.model import PageArtifacts
from massaudit.store.db import Store


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
        self._pages_in_flight = AdjustableLimit(2 * auditor.settings.concurrency)
        # site id -> settings of our checks, from the run's config (set in nightly.py)
        self.checks: dict[str, CheckSettings] = {}
        self.allowed_hosts: dict[str, tuple[str, ...]] = {}  # site id -> where its browser may go
        self.max_page_bytes: dict[str, int] = {}  # site id -> the largest page it renders
        self.reuse_documents = bool(previous)  # no earlier run to reuse from, or --full
        self.screenshots = RunScreenshots.off(catalogue)  # the run's are set in nightly.py

    def set_pages_in_flight(self, pages: int) -> None:
        """`pages` in the browser at once from now on, and as many waiting to be stored."""
        self.auditor.set_concurrency(pages)
        self._pages_in_flight.set_limit(2 * pages)

    def pages_done(self) -> int:
        """Pages the browser has finished with (audited, or failed with their reason)."""
        return self.summary.pages_audited + self.summary.pages_failed

    async def document(self, document: FetchedDocument) -> None:
        """A linked PDF or Word file: analyse (or reuse by sha256), judge and store it."""
        if self.failed:
            return
        try:
            # After the writes queued so far (this URL's `queued` state among them): the document
            # and its final state are stored from another thread, and two inserts would clash.
            await asyncio.get_running_loop().run_in_executor(self.writer, _after_queued_writes)
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
        if document.outcome is not None:  # stored with the document's findings
            self.summary.urls.add([document.outcome])
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
                document = self._served(page)
                checks = self.checks.get(page.site_id)
                capture = self.screenshots.after_audit(page.site_id, page.url, checks)
                artifacts = await self._audit_within_budget(page, hosts, document, capture)
                # Judging and storing run on one worker thread, off the event loop that drives
                # the browser, and in order (one writer for SQLite).
                judgement, outcome = await asyncio.get_running_loop().run_in_executor(
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
        else:
            summary.pages_audited += 1
        summary.urls.add([outcome])
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
        self,
        page: FetchedPage,
        allowed_hosts: tuple[str, ...] | None,
        document: ServedDocument | None = None,
        capture: AfterAudit | None = None,
    ) -> PageArtifacts:
        """The auditor bounds every step; this bounds the whole page (both attempts, closing,
        a browser restart) should anything still hang. A page over it is a `timeout`, and the
        browser is replaced so nothing of it lingers."""
        budget = self.auditor.settings.page_budget_s()
        task = asyncio.ensure_future(
            self.auditor.audit(
                page.url,
                allowed_hosts=allowed_hosts,
                document=document,
                after_audit=capture,
                keyboard=self._keyboard(page.site_id),
            )
        )
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

    def _keyboard(self, site_id: str) -> KeyboardBudget | None:
        """The keyboard walk's budget from the site's `checks` table (None: the auditor's)."""
        checks = self.checks.get(site_id)
        return keyboard_budget(checks) if checks else None

    def _served(self, page: FetchedPage) -> ServedDocument | None:
        """The crawler's download, for the browser to render instead of fetching the page again;
        None for a body over the site's limit (the browser's own request then fails as the
        crawler's would have)."""
        limit = self.max_page_bytes.get(page.site_id)
        if limit is not None and len(page.body) > limit:
            return None
        return ServedDocument(page.final_url, page.status, page.headers, page.body)

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
    ) -> tuple[PageJudgement, UrlOutcome]:
        judgement, shots = self.screenshots.taken(page.site_id, page.url, artifacts)
        judgement = judgement or judge(artifacts, self.catalogue, self.checks.get(page.site_id))
        outcome = _page_outcome(page.site_id, page.url, page.depth, artifacts)
        page_id = self.store.save_page(
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
            url_state=asdict(outcome),
            discovered=[asdict(o) for o in page.discovered],
        )
        self.store.save_screenshots(self.summary.run_id, page_id, [asdict(s) for s in shots])
        return judgement, outcome

    async def reuse(
        self, page: ReusedPage, discover: Callable[[list[str]], list[UrlOutcome]]
    ) -> list[str]:
        if self.failed:
            return []
        outcome = UrlOutcome(
            page.site_id, page.url, UNCHANGED, page.reason, page.how, depth=page.depth
        )
        discovered: list[UrlOutcome] = []

        def states_of_links(links: list[str]) -> list[dict[str, Any]]:
            discovered[:] = discover(links)
            return [asdict(o) for o in discovered]

        try:
            # After the writes queued so far (this URL's `queued` state among them): the page is
            # stored here, on the event loop's thread, and two inserts of one state would clash.
            await asyncio.get_running_loop().run_in_executor(self.writer, _after_queued_writes)
            links = self.store.reuse_page(
                self.summary.run_id,
                page.previous.page_id,
                depth=page.depth,
                url_state=asdict(outcome),
                discover=states_of_links,
            )
        except Exception as exc:  # the store is gone: stop, lose nothing silently
            self.failed = True
            self.stop(exc)
            return []
        self.summary.urls.add([outcome])
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
        """Count URL states just stored (or queued to be stored, in order) and log the skips."""
        self.summary.urls.add(outcomes)
        for outcome in outcomes:
            if outcome.state == SKIPPED:
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


def _after_queued_writes() -> None:
    """Nothing: run on the writer thread, it returns once the writes queued before it are done."""


def _page_outcome(site_id: str, url: str, depth: int, artifacts: PageArtifacts) -> UrlOutcome:
    if artifacts.error is None:
        return UrlOutcome(site_id, url, AUDITED, status=artifacts.status, depth=depth)
    reason = "timeout" if "Timeout" in artifacts.error else "browser_error"
    if artifacts.error.startswith(OutOfScopeNavigation.__name__):
        reason = REDIRECT_OUT_OF_SCOPE
    return UrlOutcome(site_id, url, SKIPPED, reason, artifacts.error, artifacts.status, depth)
