"""The run's pages in flight (pipeline/in_flight.py): the driver samples, the controller decides,
the browser's limit follows, and each change is in the run log and the history."""

from __future__ import annotations

import asyncio
import json

from massaudit.audits.audit_settings import AuditSettings
from massaudit.audits.page_slots import AdjustableLimit
from massaudit.pipeline.adaptive_concurrency import ConcurrencyController
from massaudit.pipeline.in_flight import InFlightDriver
from massaudit.pipeline.run_log import RunLog


def test_the_settings_make_it_fixed_or_adaptive(tmp_path):
    log = RunLog(None)
    slots = AdjustableLimit(2)
    fixed = InFlightDriver.for_run(
        AuditSettings(concurrency=3), slots, pages_done=lambda: 0, apply=print, log=log
    )
    assert fixed.controller.fixed and fixed.controller.pages == 3
    adaptive = InFlightDriver.for_run(
        AuditSettings(concurrency=2, max_concurrency=6),
        slots,
        pages_done=lambda: 0,
        apply=print,
        log=log,
    )
    controller = adaptive.controller
    assert (controller.pages, controller.low, controller.high) == (2, 1, 6)


def test_a_change_is_applied_logged_and_kept_in_the_history(tmp_path):
    log_path = tmp_path / "run.jsonl"
    log = RunLog(log_path)
    slots = AdjustableLimit(2)
    applied: list[int] = []
    done = [0]
    # Windows of no time at all: every step is judged; the CPUs always have room.
    controller = ConcurrencyController(start=2, high=4, window_s=0, window_pages=1)
    driver = InFlightDriver(
        controller,
        slots=slots,
        pages_done=lambda: done[0],
        apply=lambda pages: (applied.append(pages), slots.set_limit(pages)),
        log=log,
        cpu_busy=lambda: 0.3,
    )

    async def scenario():
        driver.start()
        await slots.acquire()
        await slots.acquire()
        driver.step()  # the first sample
        waiting = asyncio.ensure_future(slots.acquire())  # a page waits for the browser
        await asyncio.sleep(0)
        done[0] = 10
        decision = driver.step()
        await driver.stop()
        waiting.cancel()
        return decision

    decision = asyncio.run(scenario())
    log.close()
    assert (decision.pages, decision.reason) == (3, "raise") and applied == [3]
    assert [pages for _, pages in driver.history] == [2, 3]
    events = [json.loads(line) for line in log_path.read_text().splitlines()]
    assert [(e["event"], e["pages"], e["reason"]) for e in events] == [
        ("pages in flight", 2, "start"),
        ("pages in flight", 3, "raise"),
    ]
