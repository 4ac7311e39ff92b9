"""One politeness per host for every request of a run, the auditing browser's documents included.

Scrapy's downloader slot of a host (concurrency_per_host, download_delay with Scrapy's
randomisation, AutoThrottle's delay, Retry-After) is the only gate. The browser renders the
crawler's download of a page, so an audited page costs one document request; any other document
the browser needs from an audited host (a redirect hop, a frame, a navigation the page makes) and
the 404 probe are fetched by `PoliteFetcher`, with Scrapy, through that same slot and with the
crawler's User-Agent, and handed to the browser as its answer. Those requests go first in their
host's queue (`PoliteDownloader`): a page in the browser is waiting for them, at its own timeouts.
`RequestTally` counts what the downloader sent, by kind.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from time import monotonic
from typing import Any

import scrapy
from scrapy import signals
from scrapy.core.downloader import Downloader, Slot
from scrapy.exceptions import DownloadTimeoutError, IgnoreRequest
from twisted.internet import error as twisted_errors

from massaudit.crawler.middlewares import url_host
from massaudit.crawler.responses import response_headers
from massaudit.crawler.sites import SitesConfig

# Request meta naming what the browser asked for ("browser", "frame", "probe").
BROWSER_KIND = "massaudit_browser_kind"
CRAWLER = "crawler"  # the crawler's requests for pages (each redirect hop, conditional GETs too)
OTHER = "other"  # robots.txt, sitemaps, linked documents, external link checks


@dataclass(frozen=True)
class PoliteResponse:
    """One answer, as the browser is handed it: final URL, status, headers, decoded body."""

    url: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


class PoliteDownloader(Downloader):
    """Scrapy's downloader with the browser's requests first in their host's queue, in order;
    the slot's concurrency and delay bind them as they bind the crawler's.

    A host's delay counts from when the last request to it was answered (or, until then, from
    when it started downloading), not from when it left the queue: on a busy machine the time
    between leaving the queue and reaching the wire shortened the gap the server saw between two
    requests below the delay. Counted from the answer, no scheduling delay can shorten it.
    """

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        crawler.signals.connect(self._answered, signal=signals.response_downloaded)

    async def _download(self, slot: Slot, request: scrapy.Request) -> Any:
        slot.lastseen = max(slot.lastseen, monotonic())
        return await super()._download(slot, request)

    def _answered(self, response: Any, request: scrapy.Request, spider: Any = None) -> None:
        # Sent by Scrapy before the slot takes its next request (Downloader._download).
        slot = self.slots.get(self.get_slot_key(request))
        if slot is not None:
            slot.lastseen = max(slot.lastseen, monotonic())

    def _process_queue(self, slot: Slot) -> None:
        queue = slot.queue
        if len(queue) > 1 and any(request.meta.get(BROWSER_KIND) for request, _ in queue):
            entries = list(queue)
            queue.clear()
            queue.extend(e for e in entries if e[0].meta.get(BROWSER_KIND))
            queue.extend(e for e in entries if not e[0].meta.get(BROWSER_KIND))
        super()._process_queue(slot)


def request_kind(request: scrapy.Request) -> str:
    """What a request is for: the browser's kinds, the crawler's pages, or the rest."""
    meta = request.meta
    if meta.get(BROWSER_KIND):
        return str(meta[BROWSER_KIND])
    if meta.get("site_id") is None:
        return OTHER
    if meta.get("document") or meta.get("link_check") or meta.get("sitemap_depth") is not None:
        return OTHER
    return CRAWLER


class RequestTally:
    """Requests the downloader sent (retries and redirect hops each count), by `request_kind`."""

    def __init__(self, crawler: Any) -> None:
        self.counts: Counter[str] = Counter()
        crawler.signals.connect(self._reached, signal=signals.request_reached_downloader)

    def _reached(self, request: scrapy.Request, spider: Any = None) -> None:
        self.counts[request_kind(request)] += 1


class PoliteFetcher:
    """The browser's document requests to the run's hosts, sent by the crawler's downloader."""

    def __init__(self, crawler: Any, sites: SitesConfig) -> None:
        self.crawler = crawler
        self.tally = RequestTally(crawler)
        # host -> (max bytes, timeout): the gentlest of the sites sharing the host
        self._limits: dict[str, tuple[int, float]] = {}
        for site in sites.sites:
            for host in site.allowed_hosts:
                size, timeout = self._limits.get(host, (site.max_page_bytes, site.fetch_timeout))
                self._limits[host] = (
                    min(size, site.max_page_bytes),
                    min(timeout, site.fetch_timeout),
                )

    def governs(self, url: str) -> bool:
        return url_host(url) in self._limits

    async def fetch(
        self,
        url: str,
        *,
        kind: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> PoliteResponse:
        """One request, redirects not followed, no retry (the browser would not retry either);
        TimeoutError, PermissionError (robots.txt, or not a host of the run) or ConnectionError."""
        limits = self._limits.get(url_host(url))
        if limits is None:
            raise PermissionError(f"{url} is on none of the run's hosts")
        max_bytes, timeout = limits
        request = scrapy.Request(
            url,
            method=method,
            body=body,
            headers=dict(headers),
            dont_filter=True,
            meta={
                BROWSER_KIND: kind,
                "dont_redirect": True,
                "dont_retry": True,
                "download_timeout": timeout,
                "download_maxsize": max_bytes,
            },
        )
        try:
            response = await self.crawler.engine.download_async(request)
        except (
            twisted_errors.TimeoutError,
            twisted_errors.TCPTimedOutError,
            DownloadTimeoutError,
        ) as exc:
            raise TimeoutError(str(exc)) from None
        except IgnoreRequest as exc:
            raise PermissionError(str(exc) or "request not sent") from None
        except Exception as exc:
            raise ConnectionError(f"{type(exc).__name__}: {exc}"[:200]) from None
        return PoliteResponse(
            response.url, response.status, response_headers(response), response.body
        )
