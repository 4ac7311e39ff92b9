"""A limit on how many pages are in the browser at once that may change during a run (the run's
adaptive pages in flight, pipeline/adaptive_concurrency.py)."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque


class AdjustableLimit:
    """At most `limit` holders at once, first come first served. Lowering the limit interrupts
    no holder: the ones over it finish and no one takes their place; raising it lets waiters in
    at once. `waits` counts the holders that had to wait for a place (the limit was what held
    them back)."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"a limit of at least 1 is needed, got {limit}")
        self._limit = limit
        self._held = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self.waits = 0

    @property
    def limit(self) -> int:
        return self._limit

    @property
    def held(self) -> int:
        return self._held

    @property
    def waiting(self) -> int:
        return sum(1 for waiter in self._waiters if not waiter.done())

    def set_limit(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"a limit of at least 1 is needed, got {limit}")
        self._limit = limit
        self._wake()

    async def acquire(self) -> None:
        if self._held < self._limit and not self._waiters:
            self._held += 1
            return
        self.waits += 1
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # given a place just as it was cancelled: pass it on
            else:
                waiter.cancel()
                with contextlib.suppress(ValueError):  # taken off the queue already
                    self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        self._held -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self._held < self._limit:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self._held += 1
                waiter.set_result(None)

    async def __aenter__(self) -> AdjustableLimit:
        await self.acquire()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.release()
