"""Rendering pages in Chromium and collecting their artifacts (axe-core results, timings)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import Any

from playwright.async_api import BrowserContext, Playwright, async_playwright

from audits.axe import AXE_TAGS, axe_source
from audits.browser import launch_chromium
from rules.model import PageArtifacts

# Passes and inapplicable keep every rule id but only one sample node each: judging needs the
# rule-level outcome, and full node lists for passing rules are most of axe's cost.
AXE_RUN_OPTIONS: dict[str, Any] = {
    "runOnly": {"type": "tag", "values": list(AXE_TAGS)},
    "resultTypes": ["violations", "incomplete"],
}
_RUN_AXE = "(options) => axe.run(document, options)"


@dataclass(frozen=True)
class AuditSettings:
    concurrency: int = 2
    navigation_timeout_s: float = 30.0
    axe_timeout_s: float = 60.0
    pages_per_context: int = 50
    viewport: tuple[int, int] = (1280, 900)


class _ContextSlot:
    """A browser context with a page budget; retired contexts close once their pages are done."""

    def __init__(self, context: BrowserContext) -> None:
        self.context = context
        self.opened = 0
        self.active = 0


class Auditor:
    """One Chromium, pages audited `concurrency` at a time, contexts recycled."""

    def __init__(self, settings: AuditSettings | None = None) -> None:
        self.settings = settings or AuditSettings()
        self._semaphore = asyncio.Semaphore(self.settings.concurrency)
        self._playwright: Playwright | None = None
        self._browser = None
        self._current: _ContextSlot | None = None
        self._lock = asyncio.Lock()
        self.axe_version: str | None = None

    async def start(self) -> None:
        self._playwright = await async_playwright().start()
        try:
            self._browser = await launch_chromium(self._playwright)
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
        async with self._lock:
            slot = self._current
            if slot is None or slot.opened >= self.settings.pages_per_context:
                if slot is not None and slot.active == 0:
                    await slot.context.close()
                width, height = self.settings.viewport
                context = await self._browser.new_context(
                    viewport={"width": width, "height": height},
                    ignore_https_errors=False,
                    service_workers="block",
                )
                await context.add_init_script(script=axe_source())
                slot = self._current = _ContextSlot(context)
            slot.opened += 1
            slot.active += 1
            return slot

    async def _release_context(self, slot: _ContextSlot) -> None:
        async with self._lock:
            slot.active -= 1
            if slot is not self._current and slot.active == 0:
                await slot.context.close()

    async def audit(self, url: str) -> PageArtifacts:
        """Render `url` and run axe-core on it. Errors become an artifact with `error` set."""
        if self._browser is None:
            raise RuntimeError("Auditor.start() must be called first")
        async with self._semaphore:
            slot = await self._acquire_context()
            page = None
            started = time.perf_counter()
            timings: dict[str, float] = {}
            status: int | None = None
            final_url = url
            title = ""
            try:
                page = await slot.context.new_page()
                page.set_default_timeout(self.settings.navigation_timeout_s * 1000)
                response = await page.goto(url, wait_until="load")
                timings["navigation_ms"] = _ms_since(started)
                status = response.status if response is not None else None
                final_url = page.url
                title = await page.title()
                axe_started = time.perf_counter()
                axe = await asyncio.wait_for(
                    page.evaluate(_RUN_AXE, AXE_RUN_OPTIONS), self.settings.axe_timeout_s
                )
                timings["axe_ms"] = _ms_since(axe_started)
                timings["total_ms"] = _ms_since(started)
                self.axe_version = (axe.get("testEngine") or {}).get("version")
                return PageArtifacts(url, final_url, status, title, axe, timings)
            except Exception as exc:  # one broken page must not end the run
                timings["total_ms"] = _ms_since(started)
                message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                error = f"{type(exc).__name__}: {message}"[:500]
                return PageArtifacts(url, final_url, status, title, {}, timings, error=error)
            finally:
                if page is not None:
                    with contextlib.suppress(Exception):
                        await page.close()
                await self._release_context(slot)


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
