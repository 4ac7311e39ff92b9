"""Browser tabs kept open between pages, the contexts holding them, and what a page may do to
them: open popups, show dialogs, crash its renderer, or refuse to close."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from playwright.async_api import BrowserContext, Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from massaudit.audits.scope_guard import NavigationGuard
from massaudit.audits.settle import NetworkWatch

# What Playwright says when the page's renderer, its context, the browser or the driver is gone.
LOST_MARKERS = ("has been closed", "Target closed", "crashed", "Connection closed", "disconnected")


class Tab:
    """A page kept open and navigated from one URL to the next: a new page per URL costs a new
    renderer process and a cold axe-core (about as much again as the audit itself)."""

    def __init__(self, page: Page, record_network: bool) -> None:
        self.page = page
        self.network: list[Any] = []  # requests finished since the current navigation began
        self.resized = False
        self.guard: NavigationGuard | None = None  # set once the page's DevTools session is up
        self.navigations = 0  # top-frame navigations since the current URL was requested
        self.crashed = False  # its renderer died (killed, or out of memory)
        self.watch = NetworkWatch.attach(page)  # what its settling waits for (audits/settle.py)
        if record_network:  # without a listener the driver does not send request events
            page.on("requestfinished", lambda request: self.network.append(request))
        # A window the page opens would stay open for as long as this page is reused.
        page.on("popup", lambda popup: asyncio.ensure_future(close_quietly(popup)))
        page.on("dialog", _answer_dialog)
        page.on("framenavigated", self._navigated)
        page.on("crash", lambda _: setattr(self, "crashed", True))

    async def restore_viewport(self, viewport: tuple[int, int], timeout: float) -> None:
        """Back at the audit's viewport after the 320 px pass (audits/page_facts.py)."""
        if self.resized:
            width, height = viewport
            size = {"width": width, "height": height}
            await asyncio.wait_for(self.page.set_viewport_size(size), timeout)
            self.resized = False

    def _navigated(self, frame: Any) -> None:
        if frame.parent_frame is None:
            self.navigations += 1


class ContextSlot:
    """A browser context with a page budget; retired contexts close once their pages are done."""

    def __init__(self, context: BrowserContext, generation: int) -> None:
        self.context = context
        self.generation = generation  # of the browser it lives in
        self.opened = 0
        self.active = 0
        self.idle: list[Tab] = []  # open pages waiting for their next URL


async def close_quietly(page: Page, timeout: float = 10.0) -> bool:
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


async def renderer_died(tab: Tab, exc: BaseException) -> bool:
    """Whether the page failed because its renderer died: the crash event may come after the
    error it caused (a navigation aborted), so a page that failed otherwise than by timing out
    is asked once whether it is still there."""
    if tab.crashed or isinstance(exc, TimeoutError | PlaywrightTimeoutError):
        return tab.crashed
    try:
        await asyncio.wait_for(tab.page.evaluate("1"), 5)
    except Exception as error:
        return tab.crashed or is_lost(error)
    return False


def is_lost(exc: BaseException) -> bool:
    """Whether `exc` says the page's renderer, context, browser or driver went away."""
    return any(marker in str(exc) for marker in LOST_MARKERS)
