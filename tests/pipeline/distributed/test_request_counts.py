"""A distributed run's request counts added up in the real Redis (skipped without one), none
counted twice when snapshots arrive out of order, and none of it stopping a run when Redis is
away."""

from __future__ import annotations

import logging
import socket
from collections import Counter
from datetime import UTC, datetime

import pytest
from redis_server import prefixed_redis, redis_url_or_skip

from massaudit.pipeline.distributed.request_counts import (
    RunRequestCounts,
    not_yet_added,
    run_key,
)


@pytest.fixture
def redis_place():
    yield from prefixed_redis(redis_url_or_skip())


def test_the_runs_processes_add_up_their_requests(redis_place):
    url, prefix = redis_place
    worker, coordinator = RunRequestCounts(url, prefix), RunRequestCounts(url, prefix)
    started = datetime(2026, 12, 2, 1, 0, 0, 123456, tzinfo=UTC)
    run = run_key(7, started)
    worker.add(run, Counter(browser=2, probe=1, subresource=0))
    worker.add(run, {"browser": 1})
    coordinator.add(run, Counter(crawler=300, other=4))
    coordinator.add(
        run_key(7, datetime(2026, 12, 3, tzinfo=UTC)), {"crawler": 1}
    )  # another store's
    assert coordinator.read(run) == Counter(crawler=300, other=4, browser=3, probe=1)
    assert coordinator.read(run_key(9, started)) == Counter()
    worker.close()
    coordinator.close()


def test_snapshots_out_of_order_count_each_request_once():
    added: Counter[str] = Counter()
    newer, older = Counter(browser=5, probe=1), Counter(browser=3, probe=1)
    assert not_yet_added(newer, added) == Counter(browser=5, probe=1)
    assert not_yet_added(older, added) == Counter()  # an older snapshot adds nothing
    assert not_yet_added(Counter(browser=6, probe=1, frame=2), added) == Counter(browser=1, frame=2)


def test_while_redis_is_away_counts_are_dropped_with_a_line(caplog):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    counts = RunRequestCounts(f"redis://127.0.0.1:{port}/0")
    with caplog.at_level(logging.WARNING, logger="massaudit.distributed.requests"):
        counts.add("1-0", {"browser": 1})
        assert counts.read("1-0") == Counter()
    assert [r.getMessage().split(" (")[0] for r in caplog.records] == [
        "request counts of run 1-0 not added",
        "request counts of run 1-0 not read",
    ]
