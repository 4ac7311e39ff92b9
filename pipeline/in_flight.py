"""The run's pages in flight: every few seconds the machine is sampled (CPU, the process tree's
RSS), pipeline/adaptive_concurrency.py decides, and the browser's limit follows. Each change is
written to the run log ("pages in flight") and kept in the run's summary."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable

from massaudit.audits.audit_settings import AuditSettings
from massaudit.audits.page_slots import AdjustableLimit
from massaudit.pipeline.adaptive_concurrency import ConcurrencyController, Decision, Sample
from massaudit.pipeline.process_tree import CpuMeter, memory_total_bytes, tree_rss_bytes
from massaudit.pipeline.run_log import RunLog

SAMPLE_EVERY_S = 5.0
# Memory the run's processes may hold before pages in flight go down: half the machine's.
MEMORY_SHARE = 0.5


def memory_budget() -> int | None:
    total = memory_total_bytes()
    return int(total * MEMORY_SHARE) if total else None


class InFlightDriver:
    """Feeds `controller` a sample every `every_s` seconds and applies its decisions with
    `apply`; `pages_done` counts the pages the browser finished, `slots` is the browser's limit
    (its waits tell whether pages queued for it), `cpu_busy` how busy the CPUs were since it was
    last asked (default: read from /proc). `history` is [[seconds since start, pages]]
    at the start and at every change."""

    def __init__(
        self,
        controller: ConcurrencyController,
        *,
        slots: AdjustableLimit,
        pages_done: Callable[[], int],
        apply: Callable[[int], None],
        log: RunLog,
        every_s: float = SAMPLE_EVERY_S,
        cpu_busy: Callable[[], float | None] | None = None,
    ) -> None:
        self.controller = controller
        self._slots = slots
        self._pages_done = pages_done
        self._apply = apply
        self._log = log
        self._every_s = every_s
        self._cpu_busy = cpu_busy or CpuMeter().busy
        self._waits = slots.waits
        self._started = time.monotonic()
        self.history: list[list[float]] = []
        self._task: asyncio.Task | None = None

    @classmethod
    def for_run(
        cls,
        settings: AuditSettings,
        slots: AdjustableLimit,
        *,
        pages_done: Callable[[], int],
        apply: Callable[[int], None],
        log: RunLog,
    ) -> InFlightDriver:
        """Fixed at `settings.concurrency`, or adapting from it between 1 and
        `settings.max_concurrency`."""
        start, high = settings.concurrency, settings.max_concurrency
        controller = ConcurrencyController(
            start=start,
            high=high or start,
            low=1 if high else start,
            memory_budget_bytes=memory_budget(),
        )
        return cls(controller, slots=slots, pages_done=pages_done, apply=apply, log=log)

    def start(self) -> None:
        self._record(Decision(self.controller.pages, "start"))
        if not self.controller.fixed:
            self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._every_s)
            self.step()

    def step(self) -> Decision:
        """One sample and the decision on it."""
        waits = self._slots.waits
        waited, self._waits = waits > self._waits, waits
        before = self.controller.pages
        decision = self.controller.decide(
            Sample(
                seconds=time.monotonic(),
                pages_done=self._pages_done(),
                cpu_busy=self._cpu_busy(),
                rss_bytes=tree_rss_bytes(os.getpid()),
                pages_waited=waited,
            )
        )
        if decision.pages != before:
            self._apply(decision.pages)
            self._record(decision)
        return decision

    def _record(self, decision: Decision) -> None:
        at = round(time.monotonic() - self._started, 1)
        self.history.append([at, decision.pages])
        rate = decision.pages_per_minute
        self._log.event(
            "pages in flight",
            pages=decision.pages,
            reason=decision.reason,
            seconds=at,
            pages_per_minute=None if rate is None else round(rate, 1),
        )
