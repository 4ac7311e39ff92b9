"""How a site's hosts are written (`host` or `host:port`): shared by the crawler and the browser."""

from __future__ import annotations

from urllib.parse import urlsplit


def host_key(url: str) -> str:
    """`host` or `host:port` as written in allowed_hosts; default ports are dropped.

    A URL whose port is not a number (hostile markup) has no valid host key: "" never matches
    an allowed host.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        return ""
    if port is None or (parts.scheme, port) in (("http", 80), ("https", 443)):
        return host
    return f"{host}:{port}"
