"""Downloader middlewares: keep every request (redirects included) in scope; honour Retry-After."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from massaudit.crawler.sites import SitesConfig, host_key

MAX_RETRY_AFTER_S = 300.0


class OutOfScopeRedirect(IgnoreRequest):
    pass


class ScopeGuardMiddleware:
    """Drops any request whose URL is outside its site, so redirects never leave the site.

    robots.txt (fetched by Scrapy for every host, for no site in particular) and sitemaps may be
    redirected only to the hosts of the site(s) whose `allowed_hosts` hold the host first asked.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> ScopeGuardMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Any = None) -> None:
        redirects = request.meta.get("redirect_urls")
        if not redirects or request.meta.get("link_check"):
            return None
        spider = self.crawler.spider
        site_id = request.meta.get("site_id")
        if site_id is None or request.meta.get("sitemap_depth") is not None:
            hosts = owners_hosts(spider.sites, redirects[0], site_id)
            if url_host(request.url) not in hosts:
                raise OutOfScopeRedirect(f"redirects to {request.url}, outside the site's hosts")
            return None
        if not spider.in_scope(site_id, request.url, request.meta):
            raise OutOfScopeRedirect(f"redirects to {request.url}, outside the site")
        return None


def owners_hosts(sites: SitesConfig, url: str, site_id: str | None = None) -> set[str]:
    """The allowed hosts of `site_id`, or when None of every site that allows `url`'s host."""
    host = url_host(url)
    owners = [
        s for s in sites.sites if s.id == site_id or (site_id is None and host in s.allowed_hosts)
    ]
    return {h for s in owners for h in s.allowed_hosts}


def url_host(url: str) -> str | None:
    """`host_key` of `url`, None for a URL whose host cannot be read."""
    try:
        return host_key(url)
    except ValueError:  # an unreadable port
        return None


class RetryAfterMiddleware:
    """On 429/503 with Retry-After, slow that host down before the retry middleware retries."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> RetryAfterMiddleware:
        return cls(crawler)

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Response:
        if response.status in (429, 503):
            wait = retry_after_seconds(response.headers.get(b"Retry-After"))
            if wait:
                slot_key = request.meta.get("download_slot")
                slot = self.crawler.engine.downloader.slots.get(slot_key) if slot_key else None
                if slot is not None:
                    slot.delay = max(slot.delay, wait)
        return response


def retry_after_seconds(value: bytes | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delta seconds or HTTP date), capped at 5 minutes."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text).timestamp()
        except (TypeError, ValueError):
            return None
        seconds = when - (now if now is not None else time.time())
    return max(0.0, min(seconds, MAX_RETRY_AFTER_S))
