"""A browser that does not close when it is replaced is killed: left behind, it would keep its
memory and open files for the rest of a long run (real Chromium)."""

from __future__ import annotations

import asyncio
import os

import pytest

from massaudit.audits.browser import browser_processes
from massaudit.audits.collector import Auditor, AuditSettings

pytestmark = pytest.mark.browser


def running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads processes from /proc (Linux)")
def test_a_browser_that_will_not_close_is_killed_when_replaced():
    async def scenario() -> tuple[int, set[int], set[int]]:
        auditor = Auditor(AuditSettings(close_timeout_s=1))
        await auditor.start()
        try:
            (first,) = browser_processes()
            stuck = auditor._browser

            async def never_closes() -> None:
                await asyncio.sleep(3600)

            stuck.close = never_closes  # the browser ignores the request to close
            async with auditor._lock:
                await auditor._replace_browser(planned=True)
            await asyncio.sleep(0.5)
            return first, browser_processes(), {p for p in browser_processes() if running(p)}
        finally:
            await auditor.close()

    first, after, alive = asyncio.run(scenario())
    assert not running(first), "the browser that would not close is still running"
    assert first not in alive and len(alive) == 1, (first, after)


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads processes from /proc (Linux)")
def test_closing_the_auditor_leaves_no_browser_behind():
    async def scenario() -> int:
        auditor = Auditor(AuditSettings(close_timeout_s=1))
        await auditor.start()
        (pid,) = browser_processes()
        await auditor.close()
        return pid

    assert not running(asyncio.run(scenario()))


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads processes from /proc (Linux)")
def test_a_driver_replaced_after_a_failed_relaunch_leaves_nothing_behind():
    """A relaunch that fails makes the auditor start a new Playwright driver; the old driver
    (here it will not stop) and the browser it launched must not stay running beside it."""

    async def scenario() -> tuple[set[int], set[int]]:
        auditor = Auditor(AuditSettings(close_timeout_s=1))
        await auditor.start()
        try:
            launch, failures = auditor._launch, []

            async def launches_then_fails():
                browser = await launch()
                if not failures:
                    failures.append(browser)
                    raise RuntimeError("the relaunch failed")
                return browser

            async def never_stops() -> None:
                await asyncio.sleep(3600)

            auditor._launch = launches_then_fails
            auditor._playwright.stop = never_stops
            async with auditor._lock:
                await auditor._replace_browser(planned=True)
            await asyncio.sleep(0.5)
            everything = {p for p in browser_processes(with_drivers=True) if running(p)}
            browsers = {p for p in browser_processes() if running(p)}
            return everything, browsers
        finally:
            await auditor.close()

    everything, browsers = asyncio.run(scenario())
    assert len(browsers) == 1, browsers
    assert len(everything - browsers) == 1, "one driver, the new one"
