"""What the spider reads off an answer: a header's value, or why a request failed (the reason
and detail a skipped URL is recorded with)."""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure

from massaudit.crawler.middlewares import OutOfScopeRedirect


def failure_reason(failure: Failure) -> tuple[str, str, int | None]:
    """(reason, detail, HTTP status) for a failed request."""
    if failure.check(HttpError):
        status = failure.value.response.status
        return "http_error", f"HTTP {status}", status
    if failure.check(OutOfScopeRedirect):
        return "redirect_out_of_scope", str(failure.value), None
    if over_max_size(failure):
        return "too_large", str(failure.value).strip()[:200], None
    if failure.check(IgnoreRequest):
        message = str(failure.value)
        if "robots.txt" in message.lower():
            return "robots_txt", "Forbidden by robots.txt", None
        if "redirect" in message.lower():
            return "redirect_loop", message, None
        return "network_error", message or "request ignored", None
    if failure.check(TimeoutError, TCPTimedOutError, DownloadTimeoutError):
        return "timeout", str(failure.value).strip()[:200], None
    # Scrapy's names for Twisted's errors, and Twisted's own.
    if failure.check(DownloadConnectionRefusedError, ConnectionRefusedError):
        return "network_error", "connection refused", None
    if failure.check(CannotResolveHostError, DNSLookupError):
        return "network_error", str(failure.value).strip()[:200], None
    return "network_error", f"{failure.type.__name__}: {failure.value}"[:200], None


def over_max_size(failure: Failure) -> bool:
    """A download cancelled past its `download_maxsize` (announced by Content-Length, or as the
    body grew), or a compressed body that inflated past it (HttpCompressionMiddleware)."""
    if failure.check(DownloadCancelledError):  # Scrapy's name for a cancelled download
        return True
    return bool(failure.check(IgnoreRequest)) and "DOWNLOAD_MAXSIZE" in str(failure.value)


def header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def response_headers(response: Response) -> tuple[tuple[str, str], ...]:
    """Every header of `response` as (name, value) text, one pair per value, in order."""
    return tuple(
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in response.headers.items()
        for value in values
    )
