"""Per-host leases against the real Redis: several processes never exceed a host's concurrency,
grants keep the delay apart, counted from when the earlier request went out, a dead holder's
lease expires, a Retry-After holds everyone back, and an unreachable Redis makes callers wait
instead of skipping the limit."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import subprocess
import sys
import threading
import time

import pytest
import redis
import redis.asyncio
from redis_server import prefixed_redis, redis_url_or_skip

from massaudit.pipeline.distributed.host_leases import HostLeases, Lease


@pytest.fixture
def redis_place():
    yield from prefixed_redis(redis_url_or_skip())


# One contender process: `tasks` asyncio tasks each taking `rounds` leases on one host. While
# it holds a lease a task counts itself in a Redis counter (INCR/DECR, atomic), so the largest
# count seen is the most leases ever held at once, whoever held them.
CONTENDER = """
import asyncio, json, sys
import redis.asyncio
from massaudit.pipeline.distributed.host_leases import HostLeases

url, prefix, host, concurrency, delay, tasks, rounds, hold = sys.argv[1:]
concurrency, tasks, rounds = int(concurrency), int(tasks), int(rounds)
delay, hold = float(delay), float(hold)

async def task(leases, counter, seen, grants):
    for _ in range(rounds):
        lease = await leases.acquire(host, concurrency=concurrency, delay=delay)
        grants.append(lease.granted_at)
        await leases.mark_sent(lease)  # its request went out
        seen.append(await counter.incr(prefix + ":holding"))
        await asyncio.sleep(hold)
        await counter.decr(prefix + ":holding")
        await leases.release(lease)

async def main():
    leases = HostLeases(url, prefix=prefix)
    counter = redis.asyncio.Redis.from_url(url)
    seen, grants = [], []
    await asyncio.gather(*(task(leases, counter, seen, grants) for _ in range(tasks)))
    await counter.aclose()
    await leases.aclose()
    print(json.dumps({"most_held": max(seen), "grants": grants}))

asyncio.run(main())
"""


def run_contenders(url, prefix, *, processes, tasks, rounds, concurrency, delay, hold):
    args = [url, prefix, "site.example", concurrency, delay, tasks, rounds, hold]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CONTENDER, *map(str, args)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    results = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        results.append(json.loads(out))
    return results


def gaps(times: list[float]) -> list[float]:
    ordered = sorted(times)
    return [later - earlier for earlier, later in zip(ordered, ordered[1:], strict=False)]


def test_processes_never_exceed_the_hosts_concurrency_and_keep_the_delay_apart(redis_place):
    url, prefix = redis_place
    delay = 0.04
    results = run_contenders(
        url, prefix, processes=3, tasks=2, rounds=4, concurrency=2, delay=delay, hold=0.1
    )
    grants = [at for result in results for at in result["grants"]]
    assert len(grants) == 3 * 2 * 4
    assert max(result["most_held"] for result in results) <= 2
    # With holds longer than the delay, the host's two places were both used at some point.
    assert max(result["most_held"] for result in results) == 2
    # Randomised delays are at least half the delay (Scrapy's RANDOMIZE_DOWNLOAD_DELAY).
    assert min(gaps(grants)) >= delay * 0.5


def test_without_randomizing_grants_are_a_whole_delay_apart(redis_place):
    url, prefix = redis_place

    async def take_all() -> list[Lease]:
        leases = HostLeases(url, prefix=prefix)

        async def one() -> Lease:
            async with leases.holding(
                "a.example", concurrency=5, delay=0.1, randomize=False
            ) as lease:
                return lease

        try:
            return await asyncio.gather(*(one() for _ in range(6)))
        finally:
            await leases.aclose()

    taken = asyncio.run(take_all())
    assert min(gaps([lease.granted_at for lease in taken])) >= 0.1


def redis_now(url: str) -> float:
    client = redis.Redis.from_url(url)
    try:
        seconds, micros = client.time()
        return seconds + micros / 1_000_000
    finally:
        client.close()


def test_the_next_grant_waits_for_the_request_to_go_out_then_for_the_delay(redis_place):
    """A request that leaves late (a loaded machine) still keeps the next one a delay behind it:
    the delay counts from its mark, and nothing is granted on the host before the mark."""
    url, prefix = redis_place
    leases = HostLeases(url, prefix=prefix)
    first = leases.acquire_blocking("a.example", concurrency=2, delay=0.1, randomize=False)
    assert first.delay == pytest.approx(0.1)
    granted: list[Lease] = []
    waiter = threading.Thread(
        target=lambda: granted.append(
            leases.acquire_blocking("a.example", concurrency=2, delay=0.1, randomize=False)
        )
    )
    waiter.start()
    time.sleep(0.4)  # four delays: a place is free, but the first request has not gone out
    assert not granted
    before_mark = redis_now(url)
    leases.mark_sent_blocking(first)
    waiter.join(timeout=30)
    (second,) = granted
    assert second.granted_at >= before_mark + 0.1
    leases.mark_sent_blocking(first)  # a mark again (its answer lost, say) changes nothing
    before_release = redis_now(url)
    leases.release_blocking(second)  # released unmarked: it counts as sent now
    third = leases.acquire_blocking("a.example", concurrency=2, delay=0, randomize=False)
    assert third.granted_at >= before_release + 0.1
    for lease in (first, third):
        leases.release_blocking(lease)
    asyncio.run(leases.aclose())


def test_a_holder_dead_before_its_request_went_out_holds_the_host_back_briefly(redis_place):
    url, prefix = redis_place
    dead_worker = HostLeases(url, prefix=prefix, unsent_seconds=0.5)
    never_sent = dead_worker.acquire_blocking("a.example", concurrency=2, delay=0.05)
    live_worker = HostLeases(url, prefix=prefix)
    taken = live_worker.acquire_blocking("a.example", concurrency=2, delay=0.05)
    assert 0.5 <= taken.granted_at - never_sent.granted_at < 5
    live_worker.release_blocking(taken)
    dead_worker.release_blocking(never_sent)


def test_hosts_are_independent_and_a_release_frees_the_place_at_once(redis_place):
    url, prefix = redis_place
    leases = HostLeases(url, prefix=prefix)
    first = leases.acquire_blocking("a.example", concurrency=1, delay=0)
    other_host = leases.acquire_blocking("b.example", concurrency=1, delay=0)
    leases.release_blocking(first)
    again = leases.acquire_blocking("a.example", concurrency=1, delay=0)
    assert again.granted_at - first.granted_at < 5  # not the 120 s expiry
    for lease in (other_host, again):
        leases.release_blocking(lease)
    asyncio.run(leases.aclose())


def test_a_dead_holders_lease_expires_and_frees_its_place(redis_place):
    url, prefix = redis_place
    dead_worker = HostLeases(url, prefix=prefix, lease_seconds=0.5)
    never_released = dead_worker.acquire_blocking("a.example", concurrency=1, delay=0)
    live_worker = HostLeases(url, prefix=prefix)
    taken = live_worker.acquire_blocking("a.example", concurrency=1, delay=0)
    assert taken.granted_at >= never_released.expires_at
    assert never_released.expires_at - never_released.granted_at == pytest.approx(0.5)
    live_worker.release_blocking(taken)


def test_threads_share_one_host_within_its_concurrency(redis_place):
    url, prefix = redis_place
    leases = HostLeases(url, prefix=prefix)
    lock = threading.Lock()
    holding = [0, 0]  # now, most

    def worker():
        for _ in range(3):
            lease = leases.acquire_blocking("a.example", concurrency=2, delay=0.01)
            leases.mark_sent_blocking(lease)
            with lock:
                holding[0] += 1
                holding[1] = max(holding)
            time.sleep(0.05)
            with lock:
                holding[0] -= 1
            leases.release_blocking(lease)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert holding == [0, 2]


def test_a_retry_after_holds_every_worker_back_and_never_moves_the_time_earlier(redis_place):
    url, prefix = redis_place
    clock = redis.Redis.from_url(url)
    seen_by = HostLeases(url, prefix=prefix)
    other = HostLeases(url, prefix=prefix)
    seconds, micros = clock.time()
    asked_at = seconds + micros / 1_000_000
    seen_by.retry_after_blocking("a.example", 0.6)
    seen_by.retry_after_blocking("a.example", 0.1)  # a shorter one later: the longer stands
    lease = other.acquire_blocking("a.example", concurrency=4, delay=0)
    assert lease.granted_at >= asked_at + 0.6
    other.release_blocking(lease)

    async def through_async() -> tuple[float, Lease]:
        seconds, micros = clock.time()
        await seen_by.retry_after("b.example", 0.3)
        async with other.holding("b.example", concurrency=1, delay=0) as lease:
            return seconds + micros / 1_000_000, lease

    asked_at, lease = asyncio.run(through_async())
    assert lease.granted_at >= asked_at + 0.3
    clock.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def forward(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()


def test_while_redis_does_not_answer_callers_wait_then_go_on_when_it_is_back(redis_place, caplog):
    """Nothing listens on the port at first: acquire() waits (and says so); once a relay to the
    real Redis opens on that port, the same call is granted."""
    url, prefix = redis_place
    real = redis.Redis.from_url(url).connection_pool.connection_kwargs
    port = free_port()
    away_url = f"redis://127.0.0.1:{port}/{real.get('db', 0)}"

    async def relay(client_reader, client_writer):
        server_reader, server_writer = await asyncio.open_connection(real["host"], real["port"])
        await asyncio.gather(
            forward(client_reader, server_writer), forward(server_reader, client_writer)
        )

    async def scenario() -> tuple[bool, Lease]:
        leases = HostLeases(away_url, prefix=prefix)
        waiting = asyncio.create_task(leases.acquire("a.example", concurrency=1, delay=0))
        await asyncio.sleep(1.5)
        granted_while_away = waiting.done()
        server = await asyncio.start_server(relay, "127.0.0.1", port)
        try:
            lease = await asyncio.wait_for(waiting, timeout=30)
            await leases.release(lease)
            await leases.aclose()
        finally:
            server.close()
        return granted_while_away, lease

    with caplog.at_level(logging.WARNING, logger="massaudit.distributed.leases"):
        granted_while_away, lease = asyncio.run(scenario())
    assert not granted_while_away
    assert lease.host == "a.example"
    messages = [record.getMessage() for record in caplog.records]
    assert any("does not answer" in text and "no request goes out" in text for text in messages)
    assert any("answers again" in text for text in messages)


def test_an_acquire_cancelled_after_redis_granted_it_gives_the_place_back(redis_place):
    """The relay holds Redis's answers back, so the cancel (a page's timeout, say) comes after
    the script granted the lease but before the caller heard of it."""
    url, prefix = redis_place
    real = redis.Redis.from_url(url).connection_pool.connection_kwargs
    port = free_port()

    async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                await asyncio.sleep(0.5)
                writer.write(data)
                await writer.drain()
        writer.close()

    async def relay(client_reader, client_writer):
        server_reader, server_writer = await asyncio.open_connection(real["host"], real["port"])
        await asyncio.gather(
            forward(client_reader, server_writer), slow(server_reader, client_writer)
        )

    async def scenario() -> int:
        server = await asyncio.start_server(relay, "127.0.0.1", port)
        leases = HostLeases(f"redis://127.0.0.1:{port}/{real.get('db', 0)}", prefix=prefix)
        try:
            waiting = asyncio.create_task(leases.acquire("a.example", concurrency=1, delay=0))
            await asyncio.sleep(0.5)  # hello and script load answered; the script's is held
            held_key = leases.keys("a.example")[0]
            direct = redis.asyncio.Redis.from_url(url)
            while not await direct.zcard(held_key):  # Redis has granted it
                await asyncio.sleep(0.01)
            waiting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waiting
            await leases.aclose()  # waits for the lease given back
            left = await direct.zcard(held_key)
            await direct.aclose()
            return left
        finally:
            server.close()

    assert asyncio.run(scenario()) == 0


def test_a_retried_grant_whose_answer_was_lost_is_the_same_lease(redis_place):
    url, prefix = redis_place
    leases = HostLeases(url, prefix=prefix)
    args = ["token-1", 1, 0, 60_000_000]
    first = leases._sync_acquire(keys=leases.keys("a.example"), args=args)
    again = leases._sync_acquire(keys=leases.keys("a.example"), args=args)
    other = leases._sync_acquire(keys=leases.keys("a.example"), args=["token-2", 1, 0, 60_000_000])
    assert first[0] == again[0] == 1 and again[2] == first[2]
    assert other[0] == 0  # the host's one place is still token-1's, once


def test_a_release_while_redis_is_away_gives_up_once_the_lease_has_expired(redis_place):
    port = free_port()
    leases = HostLeases(f"redis://127.0.0.1:{port}/0", lease_seconds=0.5)
    now = time.time()
    lease = Lease("a.example", "token", granted_at=now, expires_at=now + 0.5)
    leases.release_blocking(lease)  # returns instead of waiting for a Redis that is not there
    assert time.time() - now < 10


def test_bad_arguments_are_refused_with_the_fix(redis_place):
    url, prefix = redis_place
    leases = HostLeases(url, prefix=prefix)
    with pytest.raises(ValueError, match="concurrency must be 1 or more"):
        leases.acquire_blocking("a.example", concurrency=0, delay=0)
    with pytest.raises(ValueError, match="delay must be 0 or more"):
        leases.acquire_blocking("a.example", concurrency=1, delay=-1)
    with pytest.raises(ValueError, match="lease_seconds must be above 0"):
        HostLeases(url, lease_seconds=0)
    with pytest.raises(ValueError, match="unsent_seconds must be above 0"):
        HostLeases(url, unsent_seconds=0)


def test_keys_share_one_cluster_slot_and_ignore_the_hosts_case():
    leases = HostLeases("redis://127.0.0.1:6379/0", prefix="p")
    assert leases.keys("WWW.Mass.gov") == ("p:{www.mass.gov}:leases", "p:{www.mass.gov}:next")
