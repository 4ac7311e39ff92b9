"""Per-host politeness shared by every worker of a distributed run, held in Redis.

Before a browser navigation to a host, a worker takes a lease on the host. One Lua script,
run atomically by Redis on Redis's own clock (so the workers' clocks never matter), keeps for
each host a sorted set of live leases scored by their expiry and the host's next allowed time:
a lease is granted only while fewer than `concurrency` leases live and the next allowed time
has come; a grant moves the next allowed time by the download delay (randomised 0.5x..1.5x as
Scrapy's RANDOMIZE_DOWNLOAD_DELAY does). A lease expires on its own after `lease_seconds`, so a
worker that dies holding one frees its place; a Retry-After seen by anyone moves the next
allowed time forward, never back.

The delay is kept between the requests as they leave, not only between the grants: on a loaded
machine a request can go out tens of milliseconds after its grant. So while a lease with a delay
has not been marked sent (`mark_sent`, called once the request has gone out, or `release`),
no other lease on its host is granted, and the mark moves the next allowed time to at least
its own time plus the lease's delay. A holder that dies before its mark holds the host back
for at most `unsent_seconds`.

When Redis cannot be reached, callers wait and retry (with a log line): a navigation never
goes out without a lease. A release or a Retry-After is retried only for as long as it matters
(a lease outlives no more than its expiry, a Retry-After no more than its seconds).

One HostLeases serves one event loop for the async methods (redis.asyncio binds a connection
to its loop); the blocking methods share one thread-safe connection pool and suit any thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import redis
import redis.asyncio

logger = logging.getLogger("massaudit.distributed.leases")

DEFAULT_PREFIX = "massaudit:host"
MICROS = 1_000_000
# While a host's places are all taken there is no time to wait for: ask again this often.
POLL_WHEN_FULL = 0.05
# The longest single wait, so that a lease or a key removed by hand is noticed soon.
LONGEST_WAIT = 5.0
# How long a grant with a delay may stay unsent before the host's next grant goes ahead anyway
# (its holder died), and how often to ask meanwhile.
UNSENT_SECONDS, POLL_WHILE_UNSENT, WAITING_FOR_SEND = 10.0, 0.005, 2
UNREACHABLE_FIRST_WAIT = 0.2
UNREACHABLE_LONGEST_WAIT = 5.0
UNREACHABLE_LOG_EVERY = 30.0
REDIS_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)

# KEYS: the host's leases (sorted set: token -> expiry), its next allowed time (microseconds),
# the token of its lease granted but not yet sent (optional).
# ARGV: token, concurrency, delay, lease length and how long a grant may stay unsent, in
# microseconds. A token already holding a lease is granted it again (a retry whose first answer
# was lost). Returns {1, now, expiry} on a grant; else {0, microseconds until the first lease
# expires, 0} when the host's places are all taken, {0, microseconds until the next allowed
# time, 1}, or {0, microseconds until an unsent grant lapses, 2} while one is not yet sent.
ACQUIRE_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local concurrency = tonumber(ARGV[2])
local delay = tonumber(ARGV[3])
local lease = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local mine = redis.call('ZSCORE', KEYS[1], ARGV[1])
if mine then
  return {1, now, tonumber(mine)}
end
if redis.call('ZCARD', KEYS[1]) >= concurrency then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, tonumber(first[2]) - now, 0}
end
local next_allowed = tonumber(redis.call('GET', KEYS[2]) or '0')
if now < next_allowed then
  return {0, next_allowed - now, 1}
end
if delay > 0 and KEYS[3] then
  local unsent = redis.call('PTTL', KEYS[3])
  if unsent > 0 then
    return {0, unsent * 1000, 2}
  end
end
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
if redis.call('PTTL', KEYS[1]) < math.ceil(lease / 1000) then
  redis.call('PEXPIRE', KEYS[1], math.ceil(lease / 1000))
end
if delay > 0 then
  redis.call('SET', KEYS[2], now + delay, 'PX', math.ceil(delay / 1000) + 1)
  if KEYS[3] then
    redis.call('SET', KEYS[3], ARGV[1], 'PX', math.ceil(tonumber(ARGV[5]) / 1000))
  end
end
return {1, now, now + lease}
"""

# KEYS: the host's leases, next allowed time and unsent grant. ARGV: token, the lease's delay in
# microseconds, 1 to release the lease too. If the lease is the host's unsent grant, its request
# has gone out now: the host's next allowed time becomes at least now plus the delay (never
# earlier). Again for the same token (a retry whose first answer was lost): nothing more.
SENT_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
if ARGV[3] == '1' then
  redis.call('ZREM', KEYS[1], ARGV[1])
end
if redis.call('GET', KEYS[3]) ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[3])
local delay = tonumber(ARGV[2])
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
if now + delay > current then
  redis.call('SET', KEYS[2], now + delay, 'PX', math.ceil(delay / 1000) + 1)
end
return 1
"""

# KEYS: the host's next allowed time. ARGV: microseconds from now. Only ever moves it later.
RETRY_AFTER_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local wanted = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if wanted > current then
  redis.call('SET', KEYS[1], wanted, 'PX', math.ceil(tonumber(ARGV[1]) / 1000) + 1)
end
return now
"""


@dataclass(frozen=True)
class Lease:
    """A granted place on a host; times are Redis's clock in seconds since the epoch; `delay`:
    the seconds (randomised) its request keeps the host's next one back."""

    host: str
    token: str
    granted_at: float
    expires_at: float
    delay: float = 0.0


@dataclass(frozen=True)
class _Ask:
    """One acquire call's fixed arguments for the script."""

    keys: tuple[str, str, str]
    concurrency: int
    delay_micros: int
    lease_micros: int
    unsent_micros: int


class HostLeases:
    """Leases on hosts shared through one Redis; see the module's docstring."""

    def __init__(
        self,
        redis_url: str,
        *,
        lease_seconds: float = 120.0,
        unsent_seconds: float = UNSENT_SECONDS,
        prefix: str = DEFAULT_PREFIX,
    ) -> None:
        if lease_seconds <= 0:
            raise ValueError(f"lease_seconds must be above 0, not {lease_seconds}")
        if unsent_seconds <= 0:
            raise ValueError(f"unsent_seconds must be above 0, not {unsent_seconds}")
        self.redis_url = redis_url
        self.lease_seconds = lease_seconds
        self.unsent_seconds = unsent_seconds
        self.prefix = prefix
        options = {"socket_connect_timeout": 3.0, "socket_timeout": 10.0}
        self._async = redis.asyncio.Redis.from_url(redis_url, **options)
        self._sync = redis.Redis.from_url(redis_url, **options)
        self._async_acquire = self._async.register_script(ACQUIRE_SCRIPT)
        self._async_retry_after = self._async.register_script(RETRY_AFTER_SCRIPT)
        self._async_sent = self._async.register_script(SENT_SCRIPT)
        self._sync_acquire = self._sync.register_script(ACQUIRE_SCRIPT)
        self._sync_retry_after = self._sync.register_script(RETRY_AFTER_SCRIPT)
        self._sync_sent = self._sync.register_script(SENT_SCRIPT)
        self._outage = _Outage(_shown_url(redis_url))
        self._giving_back: set[asyncio.Future] = set()

    def keys(self, host: str) -> tuple[str, str]:
        """The host's two keys; the braces keep both in one slot of a Redis cluster."""
        base = f"{self.prefix}:{{{host.lower()}}}"
        return f"{base}:leases", f"{base}:next"

    def _all_keys(self, host: str) -> tuple[str, str, str]:
        held, next_allowed = self.keys(host)
        return held, next_allowed, next_allowed.removesuffix(":next") + ":unsent"

    async def acquire(
        self, host: str, *, concurrency: int, delay: float, randomize: bool = True
    ) -> Lease:
        """Wait as long as needed for a place on `host`, then hold it until release or expiry."""
        ask, token = self._ask(host, concurrency, delay, randomize)
        while True:
            try:
                reply = await self._async_acquire(keys=ask.keys, args=_script_args(token, ask))
            except asyncio.CancelledError:
                # Redis may have granted it before the cancel (a page's timeout): give it back
                # now rather than hold the host's place until the lease expires.
                self._give_back(ask, token)
                raise
            except REDIS_ERRORS as exc:
                await asyncio.sleep(self._outage.wait(f"a lease on {host}", exc))
                continue
            self._outage.over()
            lease, wait = _granted(host, token, ask, reply)
            if lease is not None:
                return lease
            await asyncio.sleep(wait)

    async def mark_sent(self, lease: Lease) -> None:
        """The lease's request has gone out (its answer's headers are late enough): the host's
        next lease waits for the delay from now, by Redis's clock. `release` marks it too."""
        if lease.delay <= 0:
            return
        await _until_done(
            lambda: self._async_sent(keys=self._all_keys(lease.host), args=_sent_args(lease, 0)),
            self._outage,
            f"marking a request to {lease.host} sent",
            deadline=time.time() + self.unsent_seconds,
        )

    async def release(self, lease: Lease) -> None:
        """Give the place back (retried while Redis is away, until the lease has expired)."""
        await _until_done(
            lambda: self._async_sent(keys=self._all_keys(lease.host), args=_sent_args(lease, 1)),
            self._outage,
            f"releasing a lease on {lease.host}",
            deadline=time.time() + (lease.expires_at - lease.granted_at),
        )

    async def retry_after(self, host: str, seconds: float) -> None:
        """No lease on `host` for anyone until `seconds` from now (a later time already set stays)."""
        if seconds <= 0:
            return
        next_key = self.keys(host)[1]
        micros = math.ceil(seconds * MICROS)
        await _until_done(
            lambda: self._async_retry_after(keys=[next_key], args=[micros]),
            self._outage,
            f"a Retry-After for {host}",
            deadline=time.time() + seconds,
        )

    @asynccontextmanager
    async def holding(
        self, host: str, *, concurrency: int, delay: float, randomize: bool = True
    ) -> AsyncIterator[Lease]:
        """`async with leases.holding(host, ...)`: acquire, then release however the block ends."""
        lease = await self.acquire(host, concurrency=concurrency, delay=delay, randomize=randomize)
        try:
            yield lease
        finally:
            await self.release(lease)

    def acquire_blocking(
        self, host: str, *, concurrency: int, delay: float, randomize: bool = True
    ) -> Lease:
        """acquire() for a thread without an event loop."""
        ask, token = self._ask(host, concurrency, delay, randomize)
        while True:
            try:
                reply = self._sync_acquire(keys=ask.keys, args=_script_args(token, ask))
            except REDIS_ERRORS as exc:
                time.sleep(self._outage.wait(f"a lease on {host}", exc))
                continue
            self._outage.over()
            lease, wait = _granted(host, token, ask, reply)
            if lease is not None:
                return lease
            time.sleep(wait)

    def mark_sent_blocking(self, lease: Lease) -> None:
        """mark_sent() for a thread without an event loop."""
        if lease.delay <= 0:
            return
        _until_done_blocking(
            lambda: self._sync_sent(keys=self._all_keys(lease.host), args=_sent_args(lease, 0)),
            self._outage,
            f"marking a request to {lease.host} sent",
            deadline=time.time() + self.unsent_seconds,
        )

    def release_blocking(self, lease: Lease) -> None:
        """release() for a thread without an event loop."""
        _until_done_blocking(
            lambda: self._sync_sent(keys=self._all_keys(lease.host), args=_sent_args(lease, 1)),
            self._outage,
            f"releasing a lease on {lease.host}",
            deadline=time.time() + (lease.expires_at - lease.granted_at),
        )

    def retry_after_blocking(self, host: str, seconds: float) -> None:
        """retry_after() for a thread without an event loop."""
        if seconds <= 0:
            return
        next_key = self.keys(host)[1]
        micros = math.ceil(seconds * MICROS)
        _until_done_blocking(
            lambda: self._sync_retry_after(keys=[next_key], args=[micros]),
            self._outage,
            f"a Retry-After for {host}",
            deadline=time.time() + seconds,
        )

    def _give_back(self, ask: _Ask, token: str) -> None:
        async def remove() -> None:
            with contextlib.suppress(*REDIS_ERRORS):
                await self._async_sent(keys=ask.keys, args=[token, ask.delay_micros, 1])

        task = asyncio.ensure_future(remove())
        self._giving_back.add(task)
        task.add_done_callback(self._giving_back.discard)

    async def aclose(self) -> None:
        """Close both connection pools (after any lease given back on a cancel)."""
        if self._giving_back:
            await asyncio.gather(*self._giving_back, return_exceptions=True)
        await self._async.aclose()
        self._sync.close()

    def _ask(self, host: str, concurrency: int, delay: float, randomize: bool) -> tuple[_Ask, str]:
        if concurrency < 1:
            raise ValueError(f"concurrency must be 1 or more, not {concurrency}")
        if delay < 0:
            raise ValueError(f"delay must be 0 or more seconds, not {delay}")
        spread = random.uniform(0.5, 1.5) if randomize else 1.0
        ask = _Ask(
            keys=self._all_keys(host),
            concurrency=concurrency,
            delay_micros=math.ceil(delay * spread * MICROS),
            lease_micros=math.ceil(self.lease_seconds * MICROS),
            unsent_micros=math.ceil(self.unsent_seconds * MICROS),
        )
        return ask, uuid.uuid4().hex


def _script_args(token: str, ask: _Ask) -> list[str | int]:
    return [token, ask.concurrency, ask.delay_micros, ask.lease_micros, ask.unsent_micros]


def _sent_args(lease: Lease, release: int) -> list[str | int]:
    return [lease.token, math.ceil(lease.delay * MICROS), release]


def _granted(host: str, token: str, ask: _Ask, reply: list) -> tuple[Lease | None, float]:
    """The lease the script granted, else how long to wait before asking again."""
    granted, micros, why = (int(value) for value in reply)
    if granted:
        return Lease(host, token, micros / MICROS, why / MICROS, ask.delay_micros / MICROS), 0.0
    wait = max(micros, 0) / MICROS
    if why == WAITING_FOR_SEND:
        # The earlier grant's request goes out in milliseconds, as a rule.
        return None, min(wait, POLL_WHILE_UNSENT * random.uniform(1.0, 2.0))
    if why:
        return None, min(wait, LONGEST_WAIT)
    # A release may come before the first expiry: ask again soon, the waiters spread apart.
    return None, min(wait, POLL_WHEN_FULL * random.uniform(1.0, 2.0))


async def _until_done(
    call: Callable[[], Awaitable[object]], outage: _Outage, what: str, *, deadline: float
) -> None:
    """Run `call` until it succeeds or, Redis being away, until it no longer matters."""
    while True:
        try:
            await call()
        except REDIS_ERRORS as exc:
            if time.time() >= deadline:
                return
            await asyncio.sleep(outage.wait(what, exc))
            continue
        outage.over()
        return


def _until_done_blocking(
    call: Callable[[], object], outage: _Outage, what: str, *, deadline: float
) -> None:
    """_until_done() for a thread without an event loop."""
    while True:
        try:
            call()
        except REDIS_ERRORS as exc:
            if time.time() >= deadline:
                return
            time.sleep(outage.wait(what, exc))
            continue
        outage.over()
        return


class _Outage:
    """Back-off and log lines while Redis does not answer (shared by a HostLeases' callers)."""

    def __init__(self, shown_url: str) -> None:
        self.shown_url = shown_url
        self._lock = threading.Lock()
        self._wait = UNREACHABLE_FIRST_WAIT
        self._logged_at: float | None = None

    def wait(self, what: str, exc: BaseException) -> float:
        """Log (at most every half minute) and return how long to wait before trying again."""
        with self._lock:
            now = time.monotonic()
            if self._logged_at is None or now - self._logged_at >= UNREACHABLE_LOG_EVERY:
                self._logged_at = now
                logger.warning(
                    "Redis at %s does not answer (%s): waiting for %s; "
                    "no request goes out without a lease",
                    self.shown_url,
                    _one_line(exc),
                    what,
                )
            wait = self._wait
            self._wait = min(self._wait * 2, UNREACHABLE_LONGEST_WAIT)
        return wait * random.uniform(0.8, 1.2)

    def over(self) -> None:
        with self._lock:
            if self._logged_at is not None:
                logger.warning("Redis at %s answers again", self.shown_url)
            self._logged_at = None
            self._wait = UNREACHABLE_FIRST_WAIT


def _shown_url(url: str) -> str:
    """The URL without its password, for log lines."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + netloc))


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]
