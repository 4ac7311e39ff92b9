"""The requests a distributed run sent, by kind (pipeline/summary.py's `requests`), added up in
Redis across its processes: each worker adds what its browser asked for as it stores pages, the
coordinator adds its crawl's and reads the total into the run's summary. Figures for the
operator, not the run's record: a worker killed between two additions loses its last few, and
while Redis is away additions are dropped with a log line, never a page."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from datetime import datetime

import redis

from massaudit.pipeline.distributed.host_leases import REDIS_ERRORS

logger = logging.getLogger("massaudit.distributed.requests")

KEY_PREFIX = "massaudit:run"
KEEP_SECONDS = 14 * 24 * 3600  # a run's counts outlive any run, not the month


def run_key(run_id: int, started_at: datetime) -> str:
    """A run's name in Redis: its id and start (one Redis may serve several stores, whose run
    ids repeat)."""
    return f"{run_id}-{round(started_at.timestamp() * 1_000_000)}"


class RunRequestCounts:
    """A run's request counts in Redis; its methods suit any thread."""

    def __init__(self, redis_url: str, prefix: str = KEY_PREFIX) -> None:
        self.prefix = prefix
        self._redis = redis.Redis.from_url(
            redis_url, socket_connect_timeout=3.0, socket_timeout=10.0
        )

    def key(self, run: str) -> str:
        return f"{self.prefix}:{run}:requests"

    def add(self, run: str, counts: Mapping[str, int]) -> None:
        """Add `counts` to those of `run` (its `run_key`)."""
        added = {kind: count for kind, count in counts.items() if count > 0}
        if not added:
            return
        key = self.key(run)
        try:
            with self._redis.pipeline(transaction=True) as pipe:
                for kind, count in added.items():
                    pipe.hincrby(key, kind, count)
                pipe.expire(key, KEEP_SECONDS)
                pipe.execute()
        except REDIS_ERRORS as exc:
            logger.warning("request counts of run %s not added (%s)", run, exc)

    def read(self, run: str) -> Counter[str]:
        try:
            stored = self._redis.hgetall(self.key(run))
        except REDIS_ERRORS as exc:
            logger.warning("request counts of run %s not read (%s)", run, exc)
            return Counter()
        return Counter({kind.decode(): int(count) for kind, count in stored.items()})

    def close(self) -> None:
        self._redis.close()


def not_yet_added(now: Counter[str], added: Counter[str]) -> Counter[str]:
    """What `now` (a process's counts so far) holds beyond `added`, which then holds it too;
    snapshots taken by several threads may arrive out of order: none is counted twice."""
    fresh = now - added
    added.update(fresh)
    return fresh
