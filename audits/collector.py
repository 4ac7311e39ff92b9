"""Rendering pages in Chromium and collecting their artifacts (axe-core results, timings)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from playwright.async_api import BrowserContext, Page, Playwright, async_playwright

from audits.axe import AXE_TAGS, axe_source
from audits.browser import ANALYTICS_HOSTS, launch_chromium
from audits.scope_guard import BrowserScope, NavigationGuard
from rules.model import PageArtifacts

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


class _Tab:
    """A page kept open and navigated from one URL to the next: a new page per URL costs a new
    renderer process and a cold axe-core (about as much again as the audit itself)."""

    def __init__(self, page: Page, record_network: bool) -> None:
        self.page = page
        self.network: list[Any] = []  # requests finished since the current navigation began
        self.resized = False
        self.guard: NavigationGuard | None = None  # set once the page's DevTools session is up
        if record_network:  # without a listener the driver does not send request events
            page.on("requestfinished", lambda request: self.network.append(request))
        # A window the page opens would stay open for as long as this page is reused.
        page.on("popup", lambda popup: asyncio.ensure_future(_close_quietly(popup)))


class _ContextSlot:
    """A browser context with a page budget; retired contexts close once their pages are done."""

    def __init__(self, context: BrowserContext) -> None:
        self.context = context
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

    async def start(self) -> None:
        self._playwright = await async_playwright().start()
        try:
            self._browser = await launch_chromium(self._playwright, self.settings.blocked_hosts)
        except BaseException:
            await self._playwright.stop()
            self._playwright = None
            raise

    async def close(self) -> None:
        if self._browser is not None:
            await self._browser.close()
            self._browser = None
        if self._playwright is not None:
            await self._playwright.stop()
            self._playwright = None

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
                    await slot.context.close()
                    self._live.discard(slot)
                    self._current = slot = None
                if rotate and self._browser_pages >= self.settings.pages_per_browser:
                    self._current = None  # retire it: the last page released closes it
                    if not self._live:
                        await self._restart_browser()
                        rotate, drain = True, False
                    else:
                        drain = True
                else:
                    drain = False
                if not drain:
                    if rotate:
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
                        slot = self._current = _ContextSlot(context)
                        self._live.add(slot)
                    slot.opened += 1
                    slot.active += 1
                    self._browser_pages += 1
                    return slot
                self._drained.clear()
            await self._drained.wait()  # pages still in flight on the old browser

    async def _restart_browser(self) -> None:
        """A fresh Chromium every `pages_per_browser` pages keeps memory flat on long runs."""
        if self._browser is not None:
            with contextlib.suppress(Exception):
                await self._browser.close()
        self._browser = await launch_chromium(self._playwright, self.settings.blocked_hosts)
        self._browser_pages = 0

    async def _release_context(self, slot: _ContextSlot) -> None:
        async with self._lock:
            slot.active -= 1
            if slot is not self._current and slot.active == 0:
                await slot.context.close()
                self._live.discard(slot)
            if not self._live:
                self._drained.set()

    async def audit(self, url: str, *, allowed_hosts: Iterable[str] | None = None) -> PageArtifacts:
        """Render `url`, run axe-core and collect the facts our own checks judge.

        The browser's top frame stays on `allowed_hosts` (the site's; the URL's own host when
        None), and internal addresses are refused unless listed there. Errors become an
        artifact with `error` set.
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
            slot = await self._acquire_context()
            tab: _Tab | None = None
            healthy = False
            started = time.perf_counter()
            timings: dict[str, float] = {}
            status: int | None = None
            final_url = url
            title = ""
            try:
                tab = await self._open_tab(slot)
                tab.guard.begin(scope)
                page = tab.page
                tab.network = []
                response = await page.goto(url, wait_until="load")
                timings["navigation_ms"] = _ms_since(started)
                status = response.status if response is not None else None
                final_url = page.url
                axe_started = time.perf_counter()
                axe, title, document_ms = await asyncio.wait_for(
                    _evaluate_json(page, _RUN_AXE_AND_TITLE, AXE_RUN_OPTIONS),
                    self.settings.axe_timeout_s,
                )
                title = title if isinstance(title, str) else ""
                if isinstance(document_ms, int | float) and document_ms >= 0:
                    timings["document_fetch_ms"] = round(document_ms, 1)
                timings["axe_ms"] = _ms_since(axe_started)
                self.axe_version = (axe.get("testEngine") or {}).get("version")
                facts: dict[str, Any] = {}
                if self.settings.collect_facts:
                    facts_started = time.perf_counter()
                    facts = await self._collect_facts(tab, response, slot, final_url)
                    timings["facts_ms"] = _ms_since(facts_started)
                timings["total_ms"] = _ms_since(started)
                tab.guard.raise_if_refused()
                healthy = True
                return PageArtifacts(url, final_url, status, title, axe, timings, facts=facts)
            except Exception as exc:  # one broken page must not end the run
                timings["total_ms"] = _ms_since(started)
                refused = tab.guard.refusal_error() if tab and tab.guard else None
                if refused is not None:  # why the page broke, whatever the browser reported
                    final_url, title = url, ""
                failure = refused or exc
                message = str(failure).strip().splitlines()[0] if str(failure).strip() else ""
                error = f"{type(failure).__name__}: {message}"[:500]
                return PageArtifacts(url, final_url, status, title, {}, timings, error=error)
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
        """Keep a page that audited cleanly for the next URL; close it after any error."""
        if tab is None:
            return
        if healthy and slot is self._current and slot.opened < self.settings.pages_per_context:
            with contextlib.suppress(Exception):
                if tab.resized:
                    width, height = self.settings.viewport
                    await tab.page.set_viewport_size({"width": width, "height": height})
                    tab.resized = False
                slot.idle.append(tab)
                return
        with contextlib.suppress(Exception):
            await tab.page.close()

    async def _collect_facts(
        self, tab: _Tab, response: Any, slot: _ContextSlot, final_url: str
    ) -> dict[str, Any]:
        """DOM, network, header and 320 px facts of the loaded page (after axe has run)."""
        page = tab.page
        timeout = self.settings.axe_timeout_s
        facts = await asyncio.wait_for(_evaluate_json(page, _FACTS_JS), timeout)
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
        at_320 = await asyncio.wait_for(_evaluate_json(page, _AT_320, TARGET_SIZE_OPTIONS), timeout)
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


async def _close_quietly(page: Page) -> None:
    with contextlib.suppress(Exception):
        await page.close()


async def _evaluate_json(page: Page, function: str, arg: Any = None) -> Any:
    text = await page.evaluate(function, arg)
    if not isinstance(text, str):
        raise ValueError("the page's script returned no result")
    return json.loads(text)


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
