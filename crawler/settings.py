"""Scrapy settings for a polite audit crawl."""

from __future__ import annotations

import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from twisted.python.failure import Failure

from massaudit.crawler.sites import SitesConfig

T = TypeVar("T")

ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
# Who site operators should contact about the crawler: the team that runs it.
CONTACT_URL = "https://www.mass.gov/orgs/massachusetts-digital-service"
CONTACT_ENV = "MASSAUDIT_CONTACT_URL"


def user_agent(tool_version: str, contact_url: str | None = None) -> str:
    contact_url = contact_url or os.environ.get(CONTACT_ENV) or CONTACT_URL
    return f"massaudit/{tool_version} (+{contact_url}; accessibility audit for the Commonwealth of Massachusetts)"


def crawl_settings(sites: SitesConfig, *, tool_version: str) -> dict[str, Any]:
    """Settings for one crawl of `sites`: each host gets the gentlest pace any of its sites asks for."""
    slots: dict[str, dict[str, float]] = {}
    for site in sites.sites:
        for host in site.allowed_hosts:
            name = host.split(":")[0]
            slot = slots.setdefault(
                name, {"concurrency": site.concurrency_per_host, "delay": site.download_delay}
            )
            slot["concurrency"] = min(slot["concurrency"], site.concurrency_per_host)
            slot["delay"] = max(slot["delay"], site.download_delay)
    # AutoThrottle never goes below the global DOWNLOAD_DELAY, whatever a slot asks: use the
    # largest delay of the run so no site is fetched faster than its entry allows.
    download_delay = max((s.download_delay for s in sites.sites), default=1.0)
    concurrency_per_host = max((s.concurrency_per_host for s in sites.sites), default=2)
    return {
        "DOWNLOAD_SLOTS": slots,
        "USER_AGENT": user_agent(tool_version),
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency_per_host,
        "DOWNLOAD_DELAY": download_delay,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": download_delay,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(concurrency_per_host),
        "DOWNLOAD_TIMEOUT": 30,
        # Bodies are bounded per request (pages: max_page_bytes, documents: max_document_bytes,
        # sitemaps: 50 MiB); this bounds the rest (robots.txt), compressed or not, and Scrapy's
        # decompression stops past the same limit. Going over it is recorded, not logged.
        "DOWNLOAD_MAXSIZE": max((s.max_page_bytes for s in sites.sites), default=10 * 1024 * 1024),
        "DOWNLOAD_WARNSIZE": 0,
        "RETRY_TIMES": 2,
        "REDIRECT_MAX_TIMES": 5,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_ENABLED": False,
        # The browser's document requests wait in the same per-host slots (crawler/politeness.py).
        "DOWNLOADER": "massaudit.crawler.politeness.PoliteDownloader",
        "DOWNLOADER_MIDDLEWARES": {
            "massaudit.crawler.middlewares.ScopeGuardMiddleware": 50,
            "massaudit.crawler.credentials.SiteCredentialsMiddleware": 60,
            # After robots.txt's (100): a page robots.txt now forbids is not reused.
            "massaudit.crawler.reuse.KnownUnchangedMiddleware": 110,
            "massaudit.crawler.middlewares.RetryAfterMiddleware": 560,
        },
        "RETRY_HTTP_CODES": [429, 500, 502, 503, 504, 522, 524, 408],
        # Playwright shares the asyncio loop that this reactor runs on.
        "TWISTED_REACTOR": ASYNCIO_REACTOR,
        "DEPTH_PRIORITY": 1,
        "SCHEDULER_DISK_QUEUE": "scrapy.squeues.PickleFifoDiskQueue",
        "SCHEDULER_MEMORY_QUEUE": "scrapy.squeues.FifoMemoryQueue",
    }


def run_on_reactor(coroutine_function: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run `coroutine_function()` on Twisted's asyncio reactor, which Scrapy's HTTP stack needs.

    A Twisted reactor runs once per process, so this is called once per process (the CLI).
    """
    from scrapy.utils.defer import deferred_from_coro
    from scrapy.utils.reactor import install_reactor

    install_reactor(ASYNCIO_REACTOR)
    from twisted.internet import reactor

    outcome: dict[str, Any] = {}

    def done(result: Any) -> None:
        outcome["result"] = result
        if reactor.running:
            reactor.stop()

    reactor.callWhenRunning(lambda: deferred_from_coro(coroutine_function()).addBoth(done))
    reactor.run()
    result = outcome.get("result")
    if "result" not in outcome:
        raise KeyboardInterrupt
    if isinstance(result, Failure):
        result.raiseException()
    return result
