"""The documents the browser loads while it audits a page, and the requests they cost.

A page the crawler downloaded is rendered from that download: the browser's navigation to it is
answered from the crawler's status, headers and body, so the page costs one request. Any other
document on an audited host (a redirect hop, a frame, a navigation the page makes) is fetched
through the run's per-host politeness, the crawler's own (a `DocumentFetcher`), and handed to the
browser as its answer. Documents of other hosts, and every document when there is no politeness
to go through (`massaudit check`), are left to the browser's own request. Stylesheets, scripts and
images are never paused here: the browser fetches them, from its HTTP cache when it can.
"""

from __future__ import annotations

import base64
import contextlib
from collections import Counter
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from playwright.async_api import CDPSession

from massaudit.audits.request_headers import HostHeaders, continue_request
from massaudit.rules.hosts import host_key

# Request kinds counted per run (with the crawler's own, "crawler" and "other").
SERVED = "served"  # the page's document, answered from the crawler's download: no request
BROWSER = "browser"  # a top-frame document the browser needed besides: redirect hops, navigations
FRAME = "frame"  # a frame's document
PROBE = "probe"  # the 404 probe, once per host
SUBRESOURCE = "subresource"  # stylesheets, scripts, images, fonts, fetches that left the browser

# Headers of the crawler's answer that described its transfer, not the document: the body
# handed over is already decoded, and its length is the browser's to work out.
_TRANSFER_HEADERS = frozenset(
    {"content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive"}
)
_HEADERS_KEPT = 200
_HEADER_BYTES_KEPT = 16 * 1024
_REQUEST_HEADERS_PASSED = ("content-type",)  # of a form a page posts


class DocumentAnswer(Protocol):
    """A document as fetched: its final URL, status, headers and (decoded) body."""

    url: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass(frozen=True)
class ServedDocument:
    """What the crawler downloaded for the page being audited (`url`: the URL it came from,
    after any redirect), rendered instead of asking the site again."""

    url: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


class DocumentFetcher(Protocol):
    """The run's per-host politeness: one slot per host that every document request waits for.

    `fetch` sends one request (redirects are not followed: the browser follows them, each hop
    through here again). It raises TimeoutError when the site did not answer in time,
    PermissionError when the request may not be sent (robots.txt), another exception otherwise.
    """

    def governs(self, url: str) -> bool: ...

    async def fetch(
        self,
        url: str,
        *,
        kind: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> DocumentAnswer: ...


class DocumentSource:
    """One tab's answers to the document requests its page makes (paused by the scope guard)."""

    def __init__(
        self,
        fetcher: DocumentFetcher | None,
        counts: Counter[str],
        host_headers: HostHeaders | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.counts = counts
        self.host_headers = host_headers or {}  # added to the requests the browser sends itself
        self.served: ServedDocument | None = None  # only while its page is audited

    async def answer(self, session: CDPSession, event: dict[str, Any], top: bool) -> None:
        """Answer a paused document request the scope allows."""
        request_id = event["requestId"]
        request = event["request"]
        url, method = str(request["url"]), str(request.get("method", "GET"))
        served = self.served
        if top and served is not None and method == "GET" and same_document(url, served.url):
            self.counts[SERVED] += 1
            await fulfil(session, request_id, served)
            return
        kind = BROWSER if top else FRAME
        if self.fetcher is None or not self.fetcher.governs(url):
            self.counts[kind] += 1
            await continue_request(session, event, self.host_headers)
            return
        try:
            answer = await self.fetcher.fetch(
                url,
                kind=kind,
                method=method,
                body=_posted_body(request),
                headers=_passed_headers(request.get("headers") or {}),
            )
        except Exception as exc:
            await session.send(
                "Fetch.failRequest", {"requestId": request_id, "errorReason": _error_reason(exc)}
            )
            return
        await fulfil(session, request_id, answer)


async def fulfil(session: CDPSession, request_id: str, answer: DocumentAnswer) -> None:
    """Hand `answer` to the browser as the response to a paused request. Headers the browser
    refuses (hostile ones) are dropped, all but the content type; should even that fail, the
    request fails rather than stay paused."""
    headers = served_headers(answer.headers)
    params = {
        "requestId": request_id,
        "responseCode": answer.status,
        "responseHeaders": headers,
        "body": base64.b64encode(answer.body).decode("ascii"),
    }
    try:
        await session.send("Fetch.fulfillRequest", params)
        return
    except Exception:
        params["responseHeaders"] = [h for h in headers if h["name"].lower() == "content-type"]
    try:
        await session.send("Fetch.fulfillRequest", params)
    except Exception:
        with contextlib.suppress(Exception):
            await session.send(
                "Fetch.failRequest", {"requestId": request_id, "errorReason": "Failed"}
            )


def served_headers(headers: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    """The crawler's response headers as the browser takes them, without the transfer's own and
    with only as many, as long, as a real response could have."""
    kept = []
    for name, value in headers:
        if name.lower() in _TRANSFER_HEADERS or not _printable(name) or not _printable(value):
            continue
        if len(name) + len(value) > _HEADER_BYTES_KEPT:
            continue
        kept.append({"name": name, "value": value})
        if len(kept) == _HEADERS_KEPT:
            break
    return kept


def same_document(url: str, other: str) -> bool:
    """Whether the browser's request for `url` asks for the document at `other` (the browser
    drops fragments and default ports, lowercases the host, and escapes other characters than
    the crawler does)."""
    try:
        return _comparable(url) == _comparable(other)
    except ValueError:  # an unreadable host
        return False


def _comparable(url: str) -> tuple[str, str, str, str]:
    parts = urlsplit(url)
    path, query = unquote(parts.path or "/"), unquote(parts.query)
    return (parts.scheme.lower(), host_key(url), path, query)


def _printable(text: str) -> bool:
    return bool(text) and not any(ord(c) < 32 and c != "\t" for c in text)


def _posted_body(request: dict[str, Any]) -> bytes | None:
    """The body of a form the page submits, as the browser would have sent it."""
    entries = request.get("postDataEntries")
    if entries:
        return b"".join(base64.b64decode(e.get("bytes", "")) for e in entries)
    data = request.get("postData")
    return data.encode() if isinstance(data, str) else None


def _passed_headers(headers: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    wanted = {name.lower(): str(value) for name, value in headers.items()}
    return tuple((name, wanted[name]) for name in _REQUEST_HEADERS_PASSED if name in wanted)


def _error_reason(exc: BaseException) -> str:
    """The network error the browser reports for a document the politeness could not fetch."""
    if isinstance(exc, TimeoutError):
        return "TimedOut"
    if isinstance(exc, PermissionError):
        return "BlockedByClient"
    return "Failed"
