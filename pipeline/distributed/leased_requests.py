"""Every document request of a distributed run goes through its host's lease in Redis
(pipeline/distributed/host_leases.py): the coordinator's crawl (`LeaseMiddleware`, in Scrapy's
downloader) and each worker's browser (`LeasedFetcher`, the auditor's document fetcher), so all
of them together keep a host's concurrency_per_host and download_delay. Each marks its lease
sent when the answer's headers arrive (the request has surely left by then), so the host's next
request waits for the delay from the moment this one went out, not from its grant.

A worker's requests obey robots.txt as the crawl's do (Scrapy's ROBOTSTXT_OBEY with Protego, its
parser): each host's robots.txt is read once per run and worker, under the host's lease, and a
URL it forbids is refused without a request. A robots.txt that cannot be read, or answers other
than 200, forbids nothing, as in Scrapy."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from protego import Protego
from scrapy import signals

from massaudit.crawler.middlewares import retry_after_seconds, url_host
from massaudit.crawler.politeness import OTHER, PoliteResponse
from massaudit.crawler.sites import SitesConfig
from massaudit.pipeline.distributed.host_leases import HostLeases, Lease

LEASE_META = "massaudit_lease"
# Names the crawl's leases and its hosts' limits in `CRAWL_LEASES` (Scrapy copies its settings,
# and a Redis client cannot be copied).
LEASES_SETTING = "MASSAUDIT_HOST_LEASES"
CRAWL_LEASES: dict[str, tuple[HostLeases, dict[str, HostLimit]]] = {}


@dataclass(frozen=True)
class HostLimit:
    """The gentlest pace of the sites sharing a host."""

    concurrency: int
    delay: float
    max_bytes: int
    timeout: float


def host_limits(sites: SitesConfig) -> dict[str, HostLimit]:
    """host key (`host` or `host:port`) -> its limit, for every allowed host of the run."""
    limits: dict[str, HostLimit] = {}
    for site in sites.sites:
        for host in site.allowed_hosts:
            mine = HostLimit(
                site.concurrency_per_host,
                site.download_delay,
                site.max_page_bytes,
                site.fetch_timeout,
            )
            old = limits.get(host, mine)
            limits[host] = HostLimit(
                min(old.concurrency, mine.concurrency),
                max(old.delay, mine.delay),
                min(old.max_bytes, mine.max_bytes),
                min(old.timeout, mine.timeout),
            )
    return limits


async def _note_retry_after(leases: HostLeases, host: str, status: int, value: Any) -> None:
    if status in (429, 503):
        wait = retry_after_seconds(value)
        if wait:
            await leases.retry_after(host, wait)


class LeaseMiddleware:
    """Scrapy downloader middleware: a request to a run's host waits for a lease, held until
    its answer (or failure) comes back and marked sent when the answer's headers arrive. Last
    before the download, so robots.txt, sitemaps and retries each take their own; a Retry-After
    moves the host's next allowed time for all."""

    def __init__(self, leases: HostLeases, limits: dict[str, HostLimit]) -> None:
        self.leases = leases
        self.limits = limits
        self._marking: set[asyncio.Future] = set()

    @classmethod
    def from_crawler(cls, crawler: Any) -> LeaseMiddleware:
        middleware = cls(*CRAWL_LEASES[crawler.settings[LEASES_SETTING]])
        crawler.signals.connect(middleware.headers_received, signal=signals.headers_received)
        return middleware

    def headers_received(self, request: Any, **_: Any) -> None:
        lease: Lease | None = request.meta.get(LEASE_META)
        if lease is not None:
            marking = asyncio.ensure_future(self.leases.mark_sent(lease))
            self._marking.add(marking)
            marking.add_done_callback(self._marking.discard)

    async def process_request(self, request: Any, spider: Any = None) -> None:
        host = url_host(request.url)
        limit = self.limits.get(host) if host else None
        if limit is None or LEASE_META in request.meta:
            return None
        request.meta[LEASE_META] = await self.leases.acquire(
            host, concurrency=limit.concurrency, delay=limit.delay
        )
        return None

    async def process_response(self, request: Any, response: Any, spider: Any = None) -> Any:
        lease: Lease | None = request.meta.pop(LEASE_META, None)
        if lease is not None:
            await self.leases.release(lease)
            retry_after = response.headers.get(b"Retry-After")
            await _note_retry_after(self.leases, lease.host, response.status, retry_after)
        return response

    async def process_exception(self, request: Any, exception: Any, spider: Any = None) -> None:
        lease: Lease | None = request.meta.pop(LEASE_META, None)
        if lease is not None:
            await self.leases.release(lease)
        return None


class LeasedFetcher:
    """A worker's `DocumentFetcher` (audits/document_fetch.py): one request of a document the
    browser needs from a run's host, sent with aiohttp under the host's lease (redirects not
    followed: the browser follows them, each hop through here again)."""

    def __init__(
        self,
        leases: HostLeases,
        limits: dict[str, HostLimit],
        user_agent: str,
        host_headers: dict[str, dict[str, str]] | None = None,
    ) -> None:
        self.leases = leases
        self.limits = limits
        self.user_agent = user_agent
        self.host_headers = host_headers or {}
        self._session: aiohttp.ClientSession | None = None
        self._robots: dict[str, asyncio.Future[Protego | None]] = {}
        # Every request it sent, by kind, as the crawl's RequestTally counts the crawler's:
        # the browser's (redirect hops, pages fetched again), frames, the probe, robots.txt.
        self.requests: Counter[str] = Counter()

    def governs(self, url: str) -> bool:
        return url_host(url) in self.limits

    async def fetch(
        self,
        url: str,
        *,
        kind: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> PoliteResponse:
        """TimeoutError, PermissionError (not a host of the run, or robots.txt forbids it) or
        ConnectionError."""
        host = url_host(url)
        limit = self.limits.get(host) if host else None
        if host is None or limit is None:
            raise PermissionError(f"{url} is on none of the run's hosts")
        if not await self._robots_allow(url, host, limit):
            raise PermissionError(f"{url}: forbidden by robots.txt")
        return await self._send(url, host, limit, kind, method, body, headers)

    async def _robots_allow(self, url: str, host: str, limit: HostLimit) -> bool:
        reading = self._robots.get(host)
        if reading is None:
            parts = urlsplit(url)
            robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
            reading = asyncio.ensure_future(self._read_robots(robots_url, host, limit))
            self._robots[host] = reading
        parser = await asyncio.shield(reading)
        return parser is None or parser.can_fetch(url, self.user_agent)

    async def _read_robots(self, url: str, host: str, limit: HostLimit) -> Protego | None:
        try:
            answer = await self._send(url, host, limit, OTHER, "GET", None, ())
        except (TimeoutError, ConnectionError):
            return None
        if answer.status != 200:
            return None
        return Protego.parse(answer.body.decode("utf-8", errors="replace"))

    async def _send(
        self,
        url: str,
        host: str,
        limit: HostLimit,
        kind: str,
        method: str,
        body: bytes | None,
        headers: tuple[tuple[str, str], ...],
    ) -> PoliteResponse:
        sent = {"User-Agent": self.user_agent, **dict(headers), **self.host_headers.get(host, {})}
        async with self.leases.holding(
            host, concurrency=limit.concurrency, delay=limit.delay
        ) as lease:
            self.requests[kind] += 1
            try:
                async with self._client().request(
                    method,
                    url,
                    data=body,
                    headers=sent,
                    allow_redirects=False,
                    timeout=aiohttp.ClientTimeout(total=limit.timeout),
                ) as response:
                    await self.leases.mark_sent(lease)
                    content = await response.content.read(limit.max_bytes + 1)
                    if len(content) > limit.max_bytes:
                        raise ConnectionError(f"{url}: larger than {limit.max_bytes} bytes")
                    retry_after = response.headers.get("Retry-After", "").encode("latin-1")
                    await _note_retry_after(self.leases, host, response.status, retry_after)
                    return PoliteResponse(
                        str(response.url),
                        response.status,
                        tuple((k, v) for k, v in response.headers.items()),
                        content,
                    )
            except TimeoutError as exc:
                raise TimeoutError(f"{url}: no answer in {limit.timeout:g} s") from exc
            except aiohttp.ClientError as exc:
                raise ConnectionError(f"{type(exc).__name__}: {exc}"[:200]) from None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        await asyncio.sleep(0)
