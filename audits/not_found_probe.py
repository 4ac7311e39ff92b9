"""The 404 probe: what a surely-missing address on the site answers (a real 404, or a soft 404),
asked once per origin and shared by every page of it."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any
from urllib.parse import urljoin, urlsplit

from playwright.async_api import BrowserContext

from massaudit.audits.scope_guard import BrowserScope

PROBE_TIMEOUT_S = 15
_PROBE_REDIRECTS = 5
_REDIRECT_STATUSES = (301, 302, 303, 307, 308)


class NotFoundProbes:
    """One probe per origin, kept for the run; a probe cut short by a browser that went away is
    asked again."""

    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task] = {}

    async def ask(
        self, context: BrowserContext, url: str, scope: BrowserScope
    ) -> dict[str, Any] | None:
        """Once per host: what a surely-missing address answers (a real 404, or a soft 404).

        Only on the site's own hosts, and redirects are followed only within them.
        """
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not scope.allows_document(url):
            return None
        origin = f"{parts.scheme}://{parts.netloc}"
        task = self._tasks.get(origin)
        if task is None:
            probe_url = f"{origin}/massaudit-404-probe-{secrets.token_hex(6)}"
            task = self._tasks[origin] = asyncio.ensure_future(
                _fetch_status(context, probe_url, scope)
            )
        return await asyncio.shield(task)

    def forget_unanswered(self) -> None:
        """After the browser was replaced: probes it cut short are asked again."""
        self._tasks = {origin: t for origin, t in self._tasks.items() if _answered(t)}


async def _fetch_status(context: BrowserContext, url: str, scope: BrowserScope) -> dict[str, Any]:
    """Status of `url`, following redirects one hop at a time and only within `scope`."""
    current = url
    try:
        for _ in range(_PROBE_REDIRECTS + 1):
            response = await context.request.get(current, timeout=15000, max_redirects=0)
            status, location = response.status, response.headers.get("location")
            await response.dispose()
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
