"""Request headers the browser adds for some hosts only: a site's credentials (a staging wall's
basic auth, a login cookie), `AuditSettings.host_headers`, host key -> name -> value.

Playwright's `extra_http_headers` would send them to every host a page touches, so instead the
page's DevTools session pauses the requests to those hosts (`fetch_patterns`) and continues each
with the headers added (`continue_request`); the 404 probe adds them too (`headers_for`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from playwright.async_api import CDPSession

from massaudit.rules.hosts import host_key

HostHeaders = Mapping[str, Mapping[str, str]]


def fetch_patterns(host_headers: HostHeaders) -> list[dict[str, str]]:
    """Fetch-domain patterns pausing every request to a host with headers to add."""
    return [
        {"urlPattern": f"{scheme}://{host}/*", "requestStage": "Request"}
        for host in sorted(host_headers)
        for scheme in ("http", "https")
    ]


def headers_for(url: str, host_headers: HostHeaders) -> dict[str, str]:
    """The headers a request to `url` gets (none for a host without any)."""
    if not host_headers:
        return {}
    try:
        return dict(host_headers.get(host_key(url), {}))
    except ValueError:  # an unreadable port
        return {}


async def continue_request(
    session: CDPSession, event: dict[str, Any], host_headers: HostHeaders
) -> None:
    """Let a paused request go on, with its host's headers added when it has any."""
    params: dict[str, Any] = {"requestId": event["requestId"]}
    request = event.get("request") or {}
    added = headers_for(str(request.get("url", "")), host_headers)
    if added:
        lower = {name.lower() for name in added}
        kept = {
            name: str(value)
            for name, value in (request.get("headers") or {}).items()
            if name.lower() not in lower
        }
        params["headers"] = [{"name": n, "value": v} for n, v in {**kept, **added}.items()]
    await session.send("Fetch.continueRequest", params)
