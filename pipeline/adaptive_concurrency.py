"""How many pages to keep in the browser at once, decided from what the run measures (like
Scrapy's AutoThrottle, for the browser): a pure class, fed samples by the run
(pipeline/in_flight.py); docs/pages-in-flight.md explains it.

The rule, once per window (at least `window_s` seconds and a few pages):
- memory over the budget (RSS of the process tree): one page fewer, whatever else (even with
  few pages done);
- after a raise, pages per minute must not have fallen by `fall`, or the raise is undone and not
  tried again for a while (twice as long after each raise that did not pay); a window holds a
  few pages whose times vary, so a raise is judged by harm, not by a gain smaller than that noise;
- pages per minute fell by `drop` with the CPUs busy (contention): one page fewer, down to the
  start (only memory goes below it);
- otherwise one page more when pages waited for the browser (the browser, not the crawl and its
  per-host politeness, held the run back), the CPUs have room and memory is under 80 % of the
  budget, up to `high`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sample:
    """What the run measured at `seconds` (a monotonic clock): pages done so far, how busy the
    machine's CPUs were since the last sample (0 to 1; None: unknown), the process tree's RSS
    (None: unknown), and whether any page waited for a place in the browser since then."""

    seconds: float
    pages_done: int
    cpu_busy: float | None
    rss_bytes: int | None
    pages_waited: bool


@dataclass(frozen=True)
class Decision:
    """The pages in flight from now on, and why ("start", "hold", "raise", "no gain",
    "contention", "memory")."""

    pages: int
    reason: str
    pages_per_minute: float | None = None


@dataclass
class ConcurrencyController:
    start: int
    high: int
    low: int = 1
    memory_budget_bytes: int | None = None
    cpu_room: float = 0.85  # raise only while the CPUs are busy less than this
    fall: float = 0.2  # a raise is undone when pages per minute fell by this share after it
    drop: float = 0.2  # pages per minute falling by this share, CPUs busy: one page fewer
    window_s: float = 15.0
    window_pages: int = 4  # pages done, at least, before a window is judged
    backoff_windows: int = 2  # windows without a raise after one that did not pay (doubling)

    def __post_init__(self) -> None:
        self.low = max(1, self.low)
        self.high = max(self.low, self.high)
        self.pages = min(max(self.start, self.low), self.high)
        self._window: Sample | None = None
        self._waited = False
        self._cpu: list[float] = []
        self._rate_before_raise: float | None = None
        self._last_rate: float | None = None
        self._quiet_windows = 0  # windows left before the next raise may be tried
        self._backoff = self.backoff_windows

    @property
    def fixed(self) -> bool:
        return self.low == self.high

    def decide(self, sample: Sample) -> Decision:
        """The pages in flight after `sample`."""
        if self._window is None:
            self._new_window(sample)
            return Decision(self.pages, "start")
        self._waited = self._waited or sample.pages_waited
        if sample.cpu_busy is not None:
            self._cpu.append(sample.cpu_busy)
        seconds = sample.seconds - self._window.seconds
        done = sample.pages_done - self._window.pages_done
        budget = self.memory_budget_bytes
        over_memory = bool(budget) and sample.rss_bytes is not None and sample.rss_bytes > budget
        if over_memory and self.pages > self.low and seconds >= self.window_s:
            self._rate_before_raise = None
            self._quiet_windows = max(self._quiet_windows, self._backoff)
            return self._change(sample, self.pages - 1, "memory", None)
        if seconds < self.window_s or done < self.window_pages:
            return Decision(self.pages, "hold")
        rate = done / seconds * 60
        cpu = sum(self._cpu) / len(self._cpu) if self._cpu else None
        if self._rate_before_raise is not None:  # judge the last raise
            before, self._rate_before_raise = self._rate_before_raise, None
            if rate < before * (1 - self.fall):
                self._quiet_windows = self._backoff
                self._backoff *= 2
                return self._change(sample, self.pages - 1, "no gain", rate)
            self._backoff = self.backoff_windows
        busy = cpu is not None and cpu >= self.cpu_room
        last = self._last_rate
        above_start = self.pages > max(self.start, self.low)
        if busy and last is not None and rate < last * (1 - self.drop) and above_start:
            self._quiet_windows = max(self._quiet_windows, self._backoff)
            return self._change(sample, self.pages - 1, "contention", rate)
        memory_room = not budget or sample.rss_bytes is None or sample.rss_bytes < 0.8 * budget
        if self._quiet_windows > 0:
            self._quiet_windows -= 1
        elif (
            self._waited and cpu is not None and not busy and memory_room and self.pages < self.high
        ):
            self._rate_before_raise = rate
            return self._change(sample, self.pages + 1, "raise", rate)
        self._new_window(sample, rate)
        return Decision(self.pages, "hold", rate)

    def _change(self, sample: Sample, pages: int, reason: str, rate: float | None) -> Decision:
        self.pages = min(max(pages, self.low), self.high)
        self._new_window(sample, rate)
        return Decision(self.pages, reason, rate)

    def _new_window(self, sample: Sample, rate: float | None = None) -> None:
        self._window = sample
        self._waited = False
        self._cpu = []
        if rate is not None:
            self._last_rate = rate
