"""The 404 probe: what a surely-missing address on the site answers (a real 404, or a soft 404),
asked once per host and shared by every page of it: through the run's politeness when there is
one (audits/document_fetch.py), else by the browser context."""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urljoin, urlsplit

from playwright.async_api import BrowserContext

from massaudit.audits.document_fetch import PROBE, DocumentFetcher
from massaudit.audits.request_headers import HostHeaders, headers_for
from massaudit.audits.scope_guard import BrowserScope
from massaudit.rules.hosts import host_key

PROBE_TIMEOUT_S = 15
_PROBE_REDIRECTS = 5
_REDIRECT_STATUSES = (301, 302, 303, 307, 308)


class NotFoundProbes:
    """One probe per host, kept for the run; a probe the browser asked and that was cut short by
    the browser going away is asked again (one sent through `fetcher` never is)."""

    def __init__(
        self,
        fetcher: DocumentFetcher | None = None,
        counts: Counter[str] | None = None,
        host_headers: HostHeaders | None = None,
    ) -> None:
        self._tasks: dict[str, asyncio.Task] = {}
        self._fetcher = fetcher
        self._counts = Counter[str]() if counts is None else counts
        self._host_headers = host_headers or {}

    async def ask(
        self, context: BrowserContext, url: str, scope: BrowserScope
    ) -> dict[str, Any] | None:
        """Once per host: what a surely-missing address answers (a real 404, or a soft 404).

        Only on the site's own hosts, and redirects are followed only within them.
        """
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not scope.allows_document(url):
            return None
        host = host_key(url)
        task = self._tasks.get(host)
        if task is None:
            probe_url = (
                f"{parts.scheme}://{parts.netloc}/massaudit-404-probe-{secrets.token_hex(6)}"
            )
            task = self._tasks[host] = asyncio.ensure_future(
                _fetch_status(self._asker(context), probe_url, scope)
            )
        return await asyncio.shield(task)

    def forget_unanswered(self) -> None:
        """After the browser was replaced: probes it cut short are asked again."""
        if self._fetcher is None:
            self._tasks = {host: t for host, t in self._tasks.items() if _answered(t)}

    def _asker(self, context: BrowserContext) -> _StatusAsker:
        """One hop of the probe: (status, Location)."""
        fetcher = self._fetcher
        if fetcher is not None:

            async def through_politeness(url: str) -> tuple[int, str | None]:
                answer = await fetcher.fetch(url, kind=PROBE)
                location = next((v for k, v in answer.headers if k.lower() == "location"), None)
                return answer.status, location

            return through_politeness

        async def by_the_browser(url: str) -> tuple[int, str | None]:
            self._counts[PROBE] += 1
            headers = headers_for(url, self._host_headers)
            response = await context.request.get(
                url, headers=headers, timeout=15000, max_redirects=0
            )
            status, location = response.status, response.headers.get("location")
            await response.dispose()
            return status, location

        return by_the_browser


_StatusAsker = Callable[[str], Awaitable[tuple[int, str | None]]]


async def _fetch_status(ask: _StatusAsker, url: str, scope: BrowserScope) -> dict[str, Any]:
    """Status of `url`, following redirects one hop at a time and only within `scope`."""
    current = url
    try:
        for _ in range(_PROBE_REDIRECTS + 1):
            status, location = await ask(current)
            if status not in _REDIRECT_STATUSES or not location:
                break
            target = urljoin(current, location)
            if not scope.allows_document(target):
                return {"url": url, "status": status, "final_url": current, "location": target}
            current = target
        return {"url": url, "status": status, "final_url": current}
    except Exception as exc:
        return {"url": url, "status": None, "error": f"{type(exc).__name__}"}


def _answered(task: asyncio.Task) -> bool:
    return task.done() and not task.cancelled() and task.result().get("status") is not None
