"""Rendering pages in Chromium and collecting their artifacts (axe-core results, timings).

The `Auditor` here owns the browser: its lifecycle, the page and context budgets, timeouts and
recovery when the browser dies. The tabs it reuses are in audits/tabs.py, the scripts pages run
in audits/page_scripts.py, the facts for our own checks in audits/page_facts.py and the 404
probe in audits/not_found_probe.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from playwright.async_api import BrowserContext, Playwright, async_playwright

from massaudit.audits.audit_settings import LAUNCH_TIMEOUT_S, AuditSettings
from massaudit.audits.axe import axe_source
from massaudit.audits.browser import (
    browser_processes,
    kill_browser_process,
    launch_chromium,
    process_alive,
)
from massaudit.audits.document_fetch import DocumentFetcher, DocumentSource, ServedDocument
from massaudit.audits.keyboard import KeyboardBudget, add_keyboard_fact
from massaudit.audits.not_found_probe import PROBE_TIMEOUT_S, NotFoundProbes
from massaudit.audits.page_facts import collect_facts
from massaudit.audits.page_scripts import (
    AXE_RUN_OPTIONS,
    CAPTURE_STRINGIFY,
    PERFORMANCE_JS,
    RUN_AXE_AND_TITLE,
    evaluate_json,
)
from massaudit.audits.page_slots import AdjustableLimit
from massaudit.audits.scope_guard import BrowserScope, NavigationGuard
from massaudit.audits.screenshots import AfterAudit
from massaudit.audits.settle import load_and_settle
from massaudit.audits.tabs import ContextSlot, Tab, close_quietly, is_lost, renderer_died
from massaudit.audits.time_limits import ms_since, within
from massaudit.rules.model import PageArtifacts

# A script cut short because the page navigated away while it ran.
_CONTEXT_DESTROYED = "Execution context was destroyed"


class Auditor:
    """One Chromium, pages audited `concurrency` at a time, contexts recycled.

    With a `fetcher` (the run's per-host politeness), every document the browser needs besides
    the crawler's download goes through it, the 404 probe too. `requests` counts the browser's
    requests by kind (audits/document_fetch.py).
    """

    def __init__(
        self, settings: AuditSettings | None = None, fetcher: DocumentFetcher | None = None
    ) -> None:
        self.settings = settings or AuditSettings()
        self._fetcher = fetcher
        self.requests: Counter[str] = Counter()
        self._slots = AdjustableLimit(self.settings.concurrency)
        self._playwright: Playwright | None = None
        self._browser = None
        self._current: ContextSlot | None = None
        self._lock = asyncio.Lock()
        self._start_lock = asyncio.Lock()
        self._live: set[ContextSlot] = set()  # contexts not closed yet
        self._browser_pages = 0
        self._drained = asyncio.Event()
        self.axe_version: str | None = None
        self._probes = NotFoundProbes(fetcher, self.requests, self.settings.host_headers)
        self._known_sizes: dict[str, int] = {}
        self._generation = 0  # which browser: contexts of an older one are gone with it
        self._browser_pids: dict[int, int | None] = {}  # id(browser) -> its main process
        self._started = False
        self.restarts = 0  # browsers replaced because one died or got stuck
        self.retried = 0  # pages audited again because the browser died under them

    @property
    def slots(self) -> AdjustableLimit:
        """The pages in the browser at once: `settings.concurrency` to begin with, changed by
        `set_concurrency` (the run's adaptive pages in flight)."""
        return self._slots

    def set_concurrency(self, pages: int) -> None:
        """Audit up to `pages` at once from now on; pages over a lowered limit finish first."""
        self._slots.set_limit(pages)

    async def start(self) -> None:
        self._playwright = await async_playwright().start()
        try:
            self._browser = await self._launch()
        except BaseException:
            await self._stop_playwright()
            raise
        self._started = True

    async def close(self) -> None:
        """Close the browser and the driver; each step bounded, so a stuck browser cannot hold
        the end of a run."""
        browser, self._browser = self._browser, None
        self._started = False
        if browser is not None:
            await self._close_browser(browser)
        await self._stop_playwright()

    async def recycle(self) -> None:
        """A new browser now: after a page overran its whole budget, nothing of it may linger.
        Pages in flight in the old browser are audited again."""
        async with self._lock:
            if self._playwright is None:
                await self.start()
            else:
                await self._replace_browser(planned=False)

    async def _launch(self) -> Any:
        before = browser_processes()
        browser = await asyncio.wait_for(
            launch_chromium(self._playwright, self.settings.blocked_hosts), LAUNCH_TIMEOUT_S
        )
        started = browser_processes() - before
        self._browser_pids[id(browser)] = started.pop() if len(started) == 1 else None
        return browser

    async def _close_browser(self, browser: Any) -> None:
        """Close a browser, bounded; one that does not close in time, or whose process is still
        there after closing, is killed: a browser left behind keeps its memory and open files
        for the rest of the run."""
        pid = self._browser_pids.pop(id(browser), None)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(browser.close(), self.settings.close_timeout_s)
        for _ in range(20):
            if pid is None or not process_alive(pid):
                return
            await asyncio.sleep(0.1)
        kill_browser_process(pid)

    async def _stop_playwright(self) -> None:
        playwright, self._playwright = self._playwright, None
        if playwright is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(playwright.stop(), self.settings.close_timeout_s)

    async def __aenter__(self) -> Auditor:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _acquire_context(self) -> ContextSlot:
        while True:
            async with self._lock:
                slot = self._current
                rotate = slot is None or slot.opened >= self.settings.pages_per_context
                if rotate and slot is not None and slot.active == 0:
                    self._current = None
                    await self._close_context(slot)
                    slot = None
                if rotate and self._browser_pages >= self.settings.pages_per_browser:
                    self._current = None  # retire it: the last page released closes it
                    if not self._live:
                        await self._replace_browser(planned=True)
                        rotate, drain = True, False
                    else:
                        drain = True
                else:
                    drain = False
                if not drain:
                    if rotate:
                        context = await asyncio.wait_for(
                            self._new_context(), self.settings.navigation_timeout_s
                        )
                        slot = self._current = ContextSlot(context, self._generation)
                        self._live.add(slot)
                    slot.opened += 1
                    slot.active += 1
                    self._browser_pages += 1
                    return slot
                self._drained.clear()
            await self._drained.wait()  # pages still in flight on the old browser

    async def _new_context(self) -> BrowserContext:
        width, height = self.settings.viewport
        context = await self._browser.new_context(
            viewport={"width": width, "height": height},
            user_agent=self.settings.user_agent,
            ignore_https_errors=False,
            service_workers="block",
            accept_downloads=False,
        )
        await context.add_init_script(script=CAPTURE_STRINGIFY)
        await context.add_init_script(script=axe_source())
        if self.settings.collect_facts:
            await context.add_init_script(script=PERFORMANCE_JS)
        return context

    async def _replace_browser(self, planned: bool) -> None:
        """A new Chromium, and a new Playwright driver should the old one be gone. Planned every
        `pages_per_browser` pages (memory stays flat on long runs); otherwise because the browser
        died or would not let go of a page. Called with the lock held."""
        old, self._browser = self._browser, None
        self._current = None
        self._live.clear()  # the old browser's contexts go with it
        # A 404 probe cut short by the old browser is asked again.
        self._probes.forget_unanswered()
        if old is not None:
            await self._close_browser(old)
        try:
            self._browser = await self._launch()
        except Exception:  # the driver died with it (or hangs): a new one
            await self._stop_playwright()
            # A driver that did not stop keeps its browsers: nothing of the old one may stay.
            for pid in browser_processes(with_drivers=True):
                kill_browser_process(pid)
            self._playwright = await async_playwright().start()
            self._browser = await self._launch()
        self._generation += 1
        self._browser_pages = 0
        if not planned:
            self.restarts += 1
        self._drained.set()

    async def _close_context(self, slot: ContextSlot) -> None:
        """Close a context none of whose pages is in use; one that will not close (a page in it
        keeps reloading) takes the browser with it. Called with the lock held."""
        self._live.discard(slot)
        if slot.generation != self._generation:
            return  # its browser is already gone
        try:
            await asyncio.wait_for(slot.context.close(), self.settings.close_timeout_s)
        except Exception:
            await self._replace_browser(planned=False)

    async def _release_context(self, slot: ContextSlot) -> None:
        async with self._lock:
            slot.active -= 1
            if slot is not self._current and slot.active == 0 and slot in self._live:
                await self._close_context(slot)
            if not self._live:
                self._drained.set()

    async def _recover(self, generation: int) -> None:
        """After a page was lost in browser `generation`: a new browser, unless the old one still
        answers (only the page's renderer died) or another page has already replaced it."""
        async with self._lock:
            if generation == self._generation and not await self._browser_answers():
                await self._replace_browser(planned=False)

    async def _browser_answers(self) -> bool:
        if self._browser is None or not self._browser.is_connected():  # "disconnected" fired
            return False
        try:  # the driver and the browser both alive
            session = await asyncio.wait_for(self._browser.new_browser_cdp_session(), 5)
            await asyncio.wait_for(session.send("Browser.getVersion"), 5)
            await asyncio.wait_for(session.detach(), 5)
            return True
        except Exception:
            return False

    async def audit(
        self,
        url: str,
        *,
        allowed_hosts: Iterable[str] | None = None,
        document: ServedDocument | None = None,
        keyboard: KeyboardBudget | None = None,
        after_audit: AfterAudit | None = None,
    ) -> PageArtifacts:
        """Render `url`, run axe-core and collect the facts our own checks judge.

        The browser's top frame stays on `allowed_hosts` (the site's; the URL's own host when
        None), and internal addresses are refused unless listed there. With `document` (what
        the crawler downloaded from `url`, or from the end of its redirects), the browser renders
        that instead of asking the site again. Errors become an artifact with `error` set.

        Every step is bounded (navigation, each script, closing the tab). A page whose browser
        (or renderer, or driver) dies under it is audited again once, in a new browser if need
        be; dying twice makes it a `BrowserCrashed` error. `after_audit` runs in the tab once
        the artifacts are collected (the run's screenshots).
        """
        scope = (
            BrowserScope.of(allowed_hosts)
            if allowed_hosts is not None
            else BrowserScope.of_url(url)
        )
        # Lazily: a run that reuses every page never starts one. Once started, a browser being
        # replaced (None for a moment) is the replacement's business, not a reason to start a
        # second driver and browser beside it.
        if not self._started:
            async with self._start_lock:
                if not self._started:
                    await self.start()
        if not self.settings.serve_crawled_pages:
            document = None
        keyboard = keyboard or self.settings.keyboard
        async with self._slots:
            artifacts, lost_in = await self._attempt(url, scope, document, keyboard, after_audit)
            if lost_in is None:
                return artifacts
            self.retried += 1
            await self._recover(lost_in)
            artifacts, lost_in = await self._attempt(url, scope, document, keyboard, after_audit)
            if lost_in is None:
                return artifacts
            await self._recover(lost_in)
            error = "BrowserCrashed: the browser or the page's renderer died twice on this page"
            return replace(artifacts, error=error)

    async def _attempt(
        self,
        url: str,
        scope: BrowserScope,
        document: ServedDocument | None,
        keys: KeyboardBudget,
        after_audit: AfterAudit | None,
    ) -> tuple[PageArtifacts, int | None]:
        """One try at `url`, and the browser generation it was lost in (None: not lost)."""
        generation = self._generation
        try:
            slot = await self._acquire_context()
        except Exception as exc:
            if not (is_lost(exc) or not await self._browser_answers()):
                raise
            return PageArtifacts(url, url, None, "", {}, {}, error=_one_line(exc)), generation
        tab: Tab | None = None
        healthy = False
        started = time.perf_counter()
        timings: dict[str, float] = {}
        status: int | None = None
        final_url = url
        title = ""
        try:
            try:
                tab = await within(
                    self._open_tab(slot), self.settings.navigation_timeout_s, "opening a tab"
                )
                tab.guard.begin(scope, document)
                page = tab.page
                tab.network = []
                tab.navigations = 0
                response = await load_and_settle(
                    page,
                    tab.watch,
                    url,
                    rule=self.settings.settle,
                    timeout_s=self.settings.navigation_timeout_s,
                    timings=timings,
                    own=scope.allows_document,
                )
                timings["navigation_ms"] = ms_since(started)
                status = response.status if response is not None else None
                final_url = page.url
                axe_started = time.perf_counter()
                axe, title, document_ms = await within(
                    evaluate_json(page, RUN_AXE_AND_TITLE, AXE_RUN_OPTIONS),
                    self.settings.axe_timeout_s,
                    "axe-core",
                )
                title = title if isinstance(title, str) else ""
                if isinstance(document_ms, int | float) and document_ms >= 0:
                    timings["document_fetch_ms"] = round(document_ms, 1)
                timings["axe_ms"] = ms_since(axe_started)
                self.axe_version = (axe.get("testEngine") or {}).get("version")
                facts: dict[str, Any] = {}
                if self.settings.collect_facts:  # the keyboard walk before the 320 px pass
                    await add_keyboard_fact(tab, keys, facts, timings)
                    facts_started = time.perf_counter()
                    facts |= await within(
                        collect_facts(
                            tab,
                            response,
                            slot.context,
                            final_url,
                            timeout=self.settings.axe_timeout_s,
                            probes=self._probes,
                            known_sizes=self._known_sizes,
                            counts=self.requests,
                        ),
                        2 * self.settings.axe_timeout_s + PROBE_TIMEOUT_S + 10,
                        "collecting the facts",
                    )
                    timings["facts_ms"] = ms_since(facts_started)
                timings["total_ms"] = ms_since(started)
                tab.guard.raise_if_refused()
                healthy = True
                artifacts = PageArtifacts(url, final_url, status, title, axe, timings, facts=facts)
                if after_audit is not None:  # False: the page stopped answering, close the tab
                    healthy = await after_audit(tab, artifacts)
                # Replaced while this page was in it: its 404 probe may have been cut short.
                lost = slot.generation != self._generation
                return artifacts, slot.generation if lost else None
            except Exception as exc:  # one broken page must not end the run
                timings["total_ms"] = ms_since(started)
                refused = tab.guard.refusal_error() if tab and tab.guard else None
                if refused is not None:  # why the page broke, whatever the browser reported
                    final_url, title = url, ""
                error = _one_line(refused or exc)
                if refused is None and tab is not None and _CONTEXT_DESTROYED in str(exc):
                    error = (
                        "PageKeptNavigating: the page kept navigating after it loaded "
                        f"({max(tab.navigations - 1, 1)} more: a refresh or a script)"
                    )
                artifacts = PageArtifacts(url, final_url, status, title, {}, timings, error=error)
                lost = refused is None and (
                    slot.generation != self._generation
                    or is_lost(exc)
                    or self._browser is None
                    or not self._browser.is_connected()
                    or (tab is not None and await renderer_died(tab, exc))
                )
                return artifacts, slot.generation if lost else None
        finally:
            await self._release_tab(slot, tab, healthy)
            await self._release_context(slot)

    async def _open_tab(self, slot: ContextSlot) -> Tab:
        while slot.idle:
            tab = slot.idle.pop()
            if tab.guard.navigation_refused is None:  # it did not try to leave while it waited
                return tab
            await close_quietly(tab.page)
        page = await slot.context.new_page()
        page.set_default_timeout(self.settings.navigation_timeout_s * 1000)
        tab = Tab(page, record_network=self.settings.collect_facts)
        try:
            documents = DocumentSource(self._fetcher, self.requests, self.settings.host_headers)
            tab.guard = await NavigationGuard.attach(slot.context, page, documents)
        except BaseException:
            await close_quietly(page)
            raise
        return tab

    async def _release_tab(self, slot: ContextSlot, tab: Tab | None, healthy: bool) -> None:
        """Keep a page that audited cleanly for the next URL; close it after any error. A page
        that will not close retires its context: no new page goes there, and it closes (the
        page with it) once its other pages are done."""
        if tab is not None and tab.guard is not None:
            tab.guard.end()
        if tab is None or slot.generation != self._generation:
            return  # nothing opened, or its browser is already gone
        if healthy and slot is self._current and slot.opened < self.settings.pages_per_context:
            with contextlib.suppress(Exception):
                await tab.restore_viewport(self.settings.viewport, self.settings.close_timeout_s)
                slot.idle.append(tab)
                return
        if not await close_quietly(tab.page, self.settings.close_timeout_s):
            async with self._lock:
                if self._current is slot:
                    self._current = None


def _one_line(exc: BaseException) -> str:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}"[:500]
