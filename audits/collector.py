"""Rendering pages in Chromium and collecting their artifacts (axe-core results, timings)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from playwright.async_api import BrowserContext, Page, Playwright, async_playwright
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from massaudit.audits.axe import AXE_TAGS, axe_source
from massaudit.audits.browser import ANALYTICS_HOSTS, launch_chromium
from massaudit.audits.scope_guard import BrowserScope, NavigationGuard
from massaudit.rules.model import PageArtifacts

# Passes and inapplicable keep every rule id but only one sample node each: judging needs the
# rule-level outcome, and full node lists for passing rules are most of axe's cost.
AXE_RUN_OPTIONS: dict[str, Any] = {
    "runOnly": {"type": "tag", "values": list(AXE_TAGS)},
    "resultTypes": ["violations", "incomplete"],
}
# Results come back as JSON text: Playwright's own transfer of a large object (axe-core's results,
# the facts) walks and validates every value in Python, several times the cost of json.loads.
# JSON.stringify is captured before the page's scripts run, so a page cannot replace it.
_CAPTURE_STRINGIFY = """(() => {
  const key = Symbol.for("massaudit.stringify");
  if (!window[key]) Object.defineProperty(window, key, { value: JSON.stringify.bind(JSON) });
})();"""


def _as_json(function: str) -> str:
    """`function` (JS, may return a promise) wrapped to return its result as JSON text."""
    return (
        "async (arg) => (window[Symbol.for('massaudit.stringify')] || JSON.stringify)"
        f"(await ({function})(arg))"
    )


# The main audit also reads the title and how long the document itself took to download (the
# browser fetches what the crawler fetched; the bench reports that cost): one round trip.
_RUN_AXE_AND_TITLE = _as_json(
    "(options) => axe.run(document, options).then((r) => {"
    " const n = performance.getEntriesByType('navigation')[0];"
    " return [r, document.title, n ? n.responseEnd - n.requestStart : null]; })"
)
# WCAG 2.2 2.5.8 Target Size (Minimum), run apart from the 2.1 AA set at the 320 px width.
TARGET_SIZE_OPTIONS: dict[str, Any] = {
    "runOnly": ["target-size"],
    "resultTypes": ["violations", "incomplete"],
}
REFLOW_VIEWPORT = {"width": 320, "height": 640}
_FACTS_JS = _as_json((Path(__file__).parent / "facts.js").read_text(encoding="utf-8"))
_REFLOW_JS = (Path(__file__).parent / "reflow.js").read_text(encoding="utf-8")
_PERFORMANCE_JS = (Path(__file__).parent / "performance.js").read_text(encoding="utf-8")
# At 320 px, one animation frame after the resize (the page's resize handlers and media queries
# have run; at most 100 ms, should the page have replaced requestAnimationFrame): reflow, then
# axe-core's target-size rule.
_AT_320 = _as_json(
    "async (options) => {"
    " await new Promise((r) => { requestAnimationFrame(r); setTimeout(r, 100); });"
    f" const reflow = ({_REFLOW_JS.strip().rstrip(';')})();"
    " const target = await axe.run(document, options);"
    " return { reflow, target }; }"
)
# Response headers kept for the checks (HSTS, declared language, type).
KEPT_HEADERS = ("strict-transport-security", "content-language", "content-type")
_PROBE_TIMEOUT_S = 15
_LAUNCH_TIMEOUT_S = 60
# What Playwright says when the page's renderer, its context, the browser or the driver is gone.
_LOST_MARKERS = ("has been closed", "Target closed", "crashed", "Connection closed", "disconnected")
# A script cut short because the page navigated away while it ran.
_CONTEXT_DESTROYED = "Execution context was destroyed"


@dataclass(frozen=True)
class AuditSettings:
    concurrency: int = 2
    navigation_timeout_s: float = 30.0
    axe_timeout_s: float = 60.0
    pages_per_context: int = 250
    pages_per_browser: int = 1000
    viewport: tuple[int, int] = (1280, 900)
    # False: axe-core only, without the facts our own checks judge (--checks axe).
    collect_facts: bool = True
    # Hosts never contacted (analytics beacons by default; empty with --keep-analytics).
    blocked_hosts: tuple[str, ...] = ANALYTICS_HOSTS
    # Closing a tab or a context; past it the context, then the whole browser, is replaced.
    close_timeout_s: float = 10.0

    def attempt_budget_s(self) -> float:
        """The longest one attempt at a page may take: opening a tab and loading the page,
        axe-core, the facts (two scripts and the 404 probe), each at its own timeout, and
        closing the tab and its context, or a new browser should they not close."""
        rendering = 2 * self.navigation_timeout_s + 5 + 3 * self.axe_timeout_s + _PROBE_TIMEOUT_S
        return rendering + 10 + 2 * self.close_timeout_s + _LAUNCH_TIMEOUT_S

    def page_budget_s(self) -> float:
        """The backstop for a whole page: two attempts (a page is retried once when the browser
        dies under it), with a margin."""
        return 2 * self.attempt_budget_s() + 10


class _Tab:
    """A page kept open and navigated from one URL to the next: a new page per URL costs a new
    renderer process and a cold axe-core (about as much again as the audit itself)."""

    def __init__(self, page: Page, record_network: bool) -> None:
        self.page = page
        self.network: list[Any] = []  # requests finished since the current navigation began
        self.resized = False
        self.guard: NavigationGuard | None = None  # set once the page's DevTools session is up
        self.navigations = 0  # top-frame navigations since the current URL was requested
        self.crashed = False  # its renderer died (killed, or out of memory)
        if record_network:  # without a listener the driver does not send request events
            page.on("requestfinished", lambda request: self.network.append(request))
        # A window the page opens would stay open for as long as this page is reused.
        page.on("popup", lambda popup: asyncio.ensure_future(_close_quietly(popup)))
        page.on("dialog", _answer_dialog)
        page.on("framenavigated", self._navigated)
        page.on("crash", lambda _: setattr(self, "crashed", True))

    def _navigated(self, frame: Any) -> None:
        if frame.parent_frame is None:
            self.navigations += 1


class _ContextSlot:
    """A browser context with a page budget; retired contexts close once their pages are done."""

    def __init__(self, context: BrowserContext, generation: int) -> None:
        self.context = context
        self.generation = generation  # of the browser it lives in
        self.opened = 0
        self.active = 0
        self.idle: list[_Tab] = []  # open pages waiting for their next URL


class Auditor:
    """One Chromium, pages audited `concurrency` at a time, contexts recycled."""

    def __init__(self, settings: AuditSettings | None = None) -> None:
        self.settings = settings or AuditSettings()
        self._semaphore = asyncio.Semaphore(self.settings.concurrency)
        self._playwright: Playwright | None = None
        self._browser = None
        self._current: _ContextSlot | None = None
        self._lock = asyncio.Lock()
        self._start_lock = asyncio.Lock()
        self._live: set[_ContextSlot] = set()  # contexts not closed yet
        self._browser_pages = 0
        self._drained = asyncio.Event()
        self.axe_version: str | None = None
        self._probes: dict[str, asyncio.Task] = {}
        self._known_sizes: dict[str, int] = {}
        self._generation = 0  # which browser: contexts of an older one are gone with it
        self.restarts = 0  # browsers replaced because one died or got stuck
        self.retried = 0  # pages audited again because the browser died under them

    async def start(self) -> None:
        self._playwright = await async_playwright().start()
        try:
            self._browser = await self._launch()
        except BaseException:
            await self._stop_playwright()
            raise

    async def close(self) -> None:
        """Close the browser and the driver; each step bounded, so a stuck browser cannot hold
        the end of a run."""
        browser, self._browser = self._browser, None
        if browser is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(browser.close(), self.settings.close_timeout_s)
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
        return await asyncio.wait_for(
            launch_chromium(self._playwright, self.settings.blocked_hosts), _LAUNCH_TIMEOUT_S
        )

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

    async def _acquire_context(self) -> _ContextSlot:
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
                        slot = self._current = _ContextSlot(context, self._generation)
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
            ignore_https_errors=False,
            service_workers="block",
            accept_downloads=False,
        )
        await context.add_init_script(script=_CAPTURE_STRINGIFY)
        await context.add_init_script(script=axe_source())
        if self.settings.collect_facts:
            await context.add_init_script(script=_PERFORMANCE_JS)
        return context

    async def _replace_browser(self, planned: bool) -> None:
        """A new Chromium, and a new Playwright driver should the old one be gone. Planned every
        `pages_per_browser` pages (memory stays flat on long runs); otherwise because the browser
        died or would not let go of a page. Called with the lock held."""
        old, self._browser = self._browser, None
        self._current = None
        self._live.clear()  # the old browser's contexts go with it
        # A 404 probe cut short by the old browser is asked again.
        self._probes = {origin: t for origin, t in self._probes.items() if _probe_answered(t)}
        if old is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(old.close(), self.settings.close_timeout_s)
        try:
            self._browser = await self._launch()
        except Exception:  # the driver died with it (or hangs): a new one
            await self._stop_playwright()
            self._playwright = await async_playwright().start()
            self._browser = await self._launch()
        self._generation += 1
        self._browser_pages = 0
        if not planned:
            self.restarts += 1
        self._drained.set()

    async def _close_context(self, slot: _ContextSlot) -> None:
        """Close a context none of whose pages is in use; one that will not close (a page in it
        keeps reloading) takes the browser with it. Called with the lock held."""
        self._live.discard(slot)
        if slot.generation != self._generation:
            return  # its browser is already gone
        try:
            await asyncio.wait_for(slot.context.close(), self.settings.close_timeout_s)
        except Exception:
            await self._replace_browser(planned=False)

    async def _release_context(self, slot: _ContextSlot) -> None:
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

    async def audit(self, url: str, *, allowed_hosts: Iterable[str] | None = None) -> PageArtifacts:
        """Render `url`, run axe-core and collect the facts our own checks judge.

        The browser's top frame stays on `allowed_hosts` (the site's; the URL's own host when
        None), and internal addresses are refused unless listed there. Errors become an
        artifact with `error` set.

        Every step is bounded (navigation, each script, closing the tab). A page whose browser
        (or renderer, or driver) dies under it is audited again once, in a new browser if need
        be; dying twice makes it a `BrowserCrashed` error.
        """
        scope = (
            BrowserScope.of(allowed_hosts)
            if allowed_hosts is not None
            else BrowserScope.of_url(url)
        )
        if self._browser is None:
            async with self._start_lock:  # lazily: a run that reuses every page never starts one
                if self._browser is None:
                    await self.start()
        async with self._semaphore:
            artifacts, lost_in = await self._attempt(url, scope)
            if lost_in is None:
                return artifacts
            self.retried += 1
            await self._recover(lost_in)
            artifacts, lost_in = await self._attempt(url, scope)
            if lost_in is None:
                return artifacts
            await self._recover(lost_in)
            error = "BrowserCrashed: the browser or the page's renderer died twice on this page"
            return replace(artifacts, error=error)

    async def _attempt(self, url: str, scope: BrowserScope) -> tuple[PageArtifacts, int | None]:
        """One try at `url`, and the browser generation it was lost in (None: not lost)."""
        generation = self._generation
        try:
            slot = await self._acquire_context()
        except Exception as exc:
            if not (_is_lost(exc) or not await self._browser_answers()):
                raise
            return PageArtifacts(url, url, None, "", {}, {}, error=_one_line(exc)), generation
        tab: _Tab | None = None
        healthy = False
        started = time.perf_counter()
        timings: dict[str, float] = {}
        status: int | None = None
        final_url = url
        title = ""
        try:
            try:
                tab = await _within(
                    self._open_tab(slot), self.settings.navigation_timeout_s, "opening a tab"
                )
                tab.guard.begin(scope)
                page = tab.page
                tab.network = []
                tab.navigations = 0
                response = await _within(
                    page.goto(url, wait_until="load"),
                    self.settings.navigation_timeout_s + 5,
                    "loading the page",
                )
                timings["navigation_ms"] = _ms_since(started)
                status = response.status if response is not None else None
                final_url = page.url
                axe_started = time.perf_counter()
                axe, title, document_ms = await _within(
                    _evaluate_json(page, _RUN_AXE_AND_TITLE, AXE_RUN_OPTIONS),
                    self.settings.axe_timeout_s,
                    "axe-core",
                )
                title = title if isinstance(title, str) else ""
                if isinstance(document_ms, int | float) and document_ms >= 0:
                    timings["document_fetch_ms"] = round(document_ms, 1)
                timings["axe_ms"] = _ms_since(axe_started)
                self.axe_version = (axe.get("testEngine") or {}).get("version")
                facts: dict[str, Any] = {}
                if self.settings.collect_facts:
                    facts_started = time.perf_counter()
                    facts = await _within(
                        self._collect_facts(tab, response, slot, final_url),
                        2 * self.settings.axe_timeout_s + _PROBE_TIMEOUT_S + 10,
                        "collecting the facts",
                    )
                    timings["facts_ms"] = _ms_since(facts_started)
                timings["total_ms"] = _ms_since(started)
                tab.guard.raise_if_refused()
                healthy = True
                artifacts = PageArtifacts(url, final_url, status, title, axe, timings, facts=facts)
                # Replaced while this page was in it: its 404 probe may have been cut short.
                lost = slot.generation != self._generation
                return artifacts, slot.generation if lost else None
            except Exception as exc:  # one broken page must not end the run
                timings["total_ms"] = _ms_since(started)
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
                    or _is_lost(exc)
                    or self._browser is None
                    or not self._browser.is_connected()
                    or (tab is not None and await _renderer_died(tab, exc))
                )
                return artifacts, slot.generation if lost else None
        finally:
            await self._release_tab(slot, tab, healthy)
            await self._release_context(slot)

    async def _open_tab(self, slot: _ContextSlot) -> _Tab:
        while slot.idle:
            tab = slot.idle.pop()
            if tab.guard.navigation_refused is None:  # it did not try to leave while it waited
                return tab
            await _close_quietly(tab.page)
        page = await slot.context.new_page()
        page.set_default_timeout(self.settings.navigation_timeout_s * 1000)
        tab = _Tab(page, record_network=self.settings.collect_facts)
        try:
            tab.guard = await NavigationGuard.attach(slot.context, page)
        except BaseException:
            await _close_quietly(page)
            raise
        return tab

    async def _release_tab(self, slot: _ContextSlot, tab: _Tab | None, healthy: bool) -> None:
        """Keep a page that audited cleanly for the next URL; close it after any error. A page
        that will not close retires its context: no new page goes there, and it closes (the
        page with it) once its other pages are done."""
        if tab is None or slot.generation != self._generation:
            return  # nothing opened, or its browser is already gone
        if healthy and slot is self._current and slot.opened < self.settings.pages_per_context:
            with contextlib.suppress(Exception):
                if tab.resized:
                    width, height = self.settings.viewport
                    await asyncio.wait_for(
                        tab.page.set_viewport_size({"width": width, "height": height}),
                        self.settings.close_timeout_s,
                    )
                    tab.resized = False
                slot.idle.append(tab)
                return
        if not await _close_quietly(tab.page, self.settings.close_timeout_s):
            async with self._lock:
                if self._current is slot:
                    self._current = None

    async def _collect_facts(
        self, tab: _Tab, response: Any, slot: _ContextSlot, final_url: str
    ) -> dict[str, Any]:
        """DOM, network, header and 320 px facts of the loaded page (after axe has run)."""
        page = tab.page
        timeout = self.settings.axe_timeout_s
        facts = await _within(_evaluate_json(page, _FACTS_JS), timeout, "the facts script")
        headers: dict[str, str] = {}
        if response is not None:
            with contextlib.suppress(Exception):
                all_headers = await response.all_headers()
                headers = {k: v for k, v in all_headers.items() if k in KEPT_HEADERS}
        facts["headers"] = headers
        facts["network"] = await _network_summary(list(tab.network), self._known_sizes)
        # The same page at 320 CSS px: reflow (1.4.10) and target size (2.5.8).
        tab.resized = True
        await page.set_viewport_size(REFLOW_VIEWPORT)
        at_320 = await _within(
            _evaluate_json(page, _AT_320, TARGET_SIZE_OPTIONS), timeout, "the 320 px checks"
        )
        facts["reflow_320"] = at_320["reflow"]
        target = at_320["target"]
        facts["target_size"] = {
            bucket: target.get(bucket) or [] for bucket in ("violations", "incomplete")
        }
        facts["not_found_probe"] = await self._probe_404(slot, final_url, tab.guard.scope)
        facts["refused_requests"] = tab.guard.refused_requests()
        return facts

    async def _probe_404(
        self, slot: _ContextSlot, url: str, scope: BrowserScope
    ) -> dict[str, Any] | None:
        """Once per host: what a surely-missing address answers (a real 404, or a soft 404).

        Only on the site's own hosts, and redirects are followed only within them.
        """
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not scope.allows_document(url):
            return None
        origin = f"{parts.scheme}://{parts.netloc}"
        task = self._probes.get(origin)
        if task is None:
            probe_url = f"{origin}/massaudit-404-probe-{secrets.token_hex(6)}"
            task = self._probes[origin] = asyncio.ensure_future(
                _fetch_status(slot.context, probe_url, scope)
            )
        return await asyncio.shield(task)


_PROBE_REDIRECTS = 5
_REDIRECT_STATUSES = (301, 302, 303, 307, 308)


async def _fetch_status(context: BrowserContext, url: str, scope: BrowserScope) -> dict[str, Any]:
    """Status of `url`, following redirects one hop at a time and only within `scope`."""
    current = url
    try:
        for _ in range(_PROBE_REDIRECTS + 1):
            response = await context.request.get(current, timeout=15000, max_redirects=0)
            status, location = response.status, response.headers.get("location")
            await response.dispose()
            if status not in _REDIRECT_STATUSES or not location:
                break
            target = urljoin(current, location)
            if not scope.allows_document(target):
                return {"url": url, "status": status, "final_url": current, "location": target}
            current = target
        return {"url": url, "status": status, "final_url": current}
    except Exception as exc:
        return {"url": url, "status": None, "error": f"{type(exc).__name__}"}


# Bytes a URL took over the network when first fetched, for later hits in the browser's cache.
_KNOWN_SIZES_LIMIT = 50_000


async def _network_summary(requests: list[Any], known: dict[str, int]) -> dict[str, Any]:
    """Bytes and request count of everything the page loaded until now, as a first visit costs.

    A resource served from the browser's cache (or revalidated) reports no body; it counts the
    bytes it took when this run first fetched it, so a page's weight does not depend on the
    pages audited before it.
    """

    async def size(request: Any) -> int:
        try:
            sizes = await asyncio.wait_for(request.sizes(), 5)
        except Exception:
            return known.get(request.url, 0)
        body = int(sizes.get("responseBodySize", 0))
        if body <= 0 and request.url in known:  # from the cache, or revalidated (304)
            return known[request.url]
        fetched = body + int(sizes.get("responseHeadersSize", 0))
        if len(known) >= _KNOWN_SIZES_LIMIT:
            known.clear()
        known[request.url] = fetched
        return fetched

    sizes = await asyncio.gather(*(size(r) for r in requests))
    by_type: dict[str, int] = {}
    for request, bytes_ in zip(requests, sizes, strict=True):
        by_type[request.resource_type] = by_type.get(request.resource_type, 0) + bytes_
    return {"requests": len(requests), "bytes": sum(sizes), "bytes_by_type": by_type}


async def _close_quietly(page: Page, timeout: float = 10.0) -> bool:
    """Close `page` without running its beforeunload handlers; False if that did not work in time
    (a page that keeps reloading itself can hold Playwright's close for ever)."""
    try:
        await asyncio.wait_for(page.close(run_before_unload=False), timeout)
        return True
    except Exception:
        return False


def _answer_dialog(dialog: Any) -> None:
    """Alerts, confirms and prompts are dismissed; a prompt before leaving lets the page go."""
    answer = dialog.accept if dialog.type == "beforeunload" else dialog.dismiss
    asyncio.ensure_future(_quietly(answer()))


async def _quietly(awaitable: Any) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(awaitable, 10)


async def _within(awaitable: Any, seconds: float, what: str) -> Any:
    """`awaitable`, or a TimeoutError naming the step that took too long."""
    try:
        return await asyncio.wait_for(awaitable, seconds)
    except TimeoutError:
        raise TimeoutError(f"{what} took longer than {seconds:g} s") from None


async def _renderer_died(tab: _Tab, exc: BaseException) -> bool:
    """Whether the page failed because its renderer died: the crash event may come after the
    error it caused (a navigation aborted), so a page that failed otherwise than by timing out
    is asked once whether it is still there."""
    if tab.crashed or isinstance(exc, TimeoutError | PlaywrightTimeoutError):
        return tab.crashed
    try:
        await asyncio.wait_for(tab.page.evaluate("1"), 5)
    except Exception as error:
        return tab.crashed or _is_lost(error)
    return False


def _one_line(exc: BaseException) -> str:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}"[:500]


def _probe_answered(task: asyncio.Task) -> bool:
    return task.done() and not task.cancelled() and task.result().get("status") is not None


def _is_lost(exc: BaseException) -> bool:
    """Whether `exc` says the page's renderer, context, browser or driver went away."""
    return any(marker in str(exc) for marker in _LOST_MARKERS)


async def _evaluate_json(page: Page, function: str, arg: Any = None) -> Any:
    text = await page.evaluate(function, arg)
    if not isinstance(text, str):
        raise ValueError("the page's script returned no result")
    return json.loads(text)


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
