"""Keeping the auditing browser inside the audited site.

Every page gets a DevTools session whose Fetch domain pauses three kinds of request before they
leave the browser: documents (so a top-frame navigation, each redirect hop included, to a host
outside the site's `allowed_hosts` is refused), requests to addresses that look internal (IP
literals and `localhost`, refused unless the site itself lives there) and the browser's own
requests of type Other, among them the tab's icon. Everything else is never paused, so the
browser's HTTP cache stays on (Playwright's request routing would turn it off).
The documents it lets through are answered by audits/document_fetch.py: from the crawler's
download, through the run's politeness, or by the browser itself. The tab's icon (`/favicon.ico`
or the page's `<link rel=icon>`) is answered 404 inside the browser: no check reads it, and it
would be a request to the site outside the run's politeness, once per host and browser.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import BrowserContext, CDPSession, Page

from massaudit.audits.document_fetch import DocumentSource, ServedDocument
from massaudit.audits.request_headers import continue_request, fetch_patterns
from massaudit.rules.hosts import host_key

# The skip reason of a page whose browser was sent outside the site (the crawler uses the same
# reason for redirects it refuses), and the error type that carries it.
REDIRECT_OUT_OF_SCOPE = "redirect_out_of_scope"


class OutOfScopeNavigation(Exception):
    """The page's top frame tried to load a document outside the site's allowed hosts."""


# Chromium flags the guard relies on. Without site isolation every frame's requests pass through
# the page's own session (a cross-site iframe would otherwise load in a process of its own that
# the session does not see); shared workers and windows the page opens would be targets of their
# own too, so shared workers are switched off and the popup blocker (which Playwright disables by
# default) is left on.
GUARD_CHROMIUM_ARGS = (
    "--disable-site-isolation-trials",
    "--disable-blink-features=SharedWorker",
)
GUARD_IGNORED_DEFAULT_ARGS = ("--disable-popup-blocking",)

# URL prefixes paused besides documents: every host written as an IP literal (Chromium writes
# IPv4 in dotted decimal, whatever form the page used, and IPv6 in brackets), `localhost` and its
# subdomains, and URLs with user info. Hostnames that merely start with a digit are paused too and
# let through at once.
_INTERNAL_PREFIXES = (*"0123456789", "[", "localhost", "*.localhost", "*@")
FETCH_PATTERNS: tuple[dict[str, str], ...] = (
    {"urlPattern": "*", "resourceType": "Document", "requestStage": "Request"},
    {"urlPattern": "*", "resourceType": "Other", "requestStage": "Request"},
    *(
        {"urlPattern": f"{scheme}://{prefix}*", "requestStage": "Request"}
        for scheme in ("http", "https")
        for prefix in _INTERNAL_PREFIXES
    ),
)
_REFUSED_KEPT = 20  # refused subresource URLs kept per page


def is_tab_icon(event: dict[str, Any]) -> bool:
    """Whether a paused request is the browser fetching the tab's icon: Chromium gives it the
    type Other with an image's Accept header (an image of the page has the type Image)."""
    if event.get("resourceType") != "Other":
        return False
    headers = (event.get("request") or {}).get("headers") or {}
    accept = next((str(v) for k, v in headers.items() if str(k).lower() == "accept"), "")
    return accept.lower().startswith("image/")


def address_class(host: str) -> str | None:
    """The kind of internal address `host` names (loopback, link-local, private, reserved), or None.

    Only what the name itself says: `localhost`, `*.localhost` and IP literals. A public
    hostname that resolves to an internal address is not caught here (see docs/crawling.md).
    """
    name = host.strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return "loopback"
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:  # 169.254.0.0/16 (cloud metadata), fe80::/10
        return "link-local"
    if address.is_private:  # 10/8, 172.16/12, 192.168/16, fc00::/7 and the like
        return "private"
    if not address.is_global:  # 0.0.0.0/8, shared address space, and other non-public ranges
        return "reserved"
    return None


@dataclass(frozen=True)
class BrowserScope:
    """Where the browser may go while it audits a page of one site: `host` or `host:port` keys,
    written as in sites.toml's `allowed_hosts`."""

    allowed_hosts: frozenset[str]

    @classmethod
    def of(cls, allowed_hosts: Iterable[str]) -> BrowserScope:
        return cls(frozenset(h.lower() for h in allowed_hosts))

    @classmethod
    def of_url(cls, url: str) -> BrowserScope:
        """Only the URL's own host (and port)."""
        try:
            return cls(frozenset({host_key(url)}))
        except ValueError:
            return cls(frozenset())

    def _key(self, url: str) -> str | None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return None
        try:
            return host_key(url)
        except ValueError:  # an unreadable port
            return None

    def allows_document(self, url: str) -> bool:
        """May the top frame load `url`?"""
        key = self._key(url)
        return key is not None and key in self.allowed_hosts

    def refusal(self, url: str, *, top_document: bool) -> str | None:
        """Why the browser must not fetch `url`, or None when it may."""
        if top_document:
            if self.allows_document(url):
                return None
            return f"refused a navigation to {url}, outside the site's allowed_hosts"
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return None
        kind = address_class(parts.hostname or "")
        if kind is None or self._key(url) in self.allowed_hosts:
            return None
        return f"refused {url}: a {kind} address outside the site's allowed_hosts"


@dataclass(frozen=True)
class Refusal:
    url: str
    reason: str
    top_document: bool


@dataclass
class NavigationGuard:
    """One page's DevTools session that answers every paused request against the current scope."""

    session: CDPSession
    main_frame_id: str
    documents: DocumentSource
    scope: BrowserScope = field(default_factory=lambda: BrowserScope(frozenset()))
    refused: list[Refusal] = field(default_factory=list)
    # While set (the keyboard walk), a top-frame navigation is recorded here and answered with
    # 204 No Content: the browser stays on the page, nothing leaves it.
    held: list[str] | None = None
    _answers: set[asyncio.Task] = field(default_factory=set)

    @classmethod
    async def attach(
        cls, context: BrowserContext, page: Page, documents: DocumentSource
    ) -> NavigationGuard:
        session = await context.new_cdp_session(page)
        tree = await session.send("Page.getFrameTree")
        guard = cls(session, tree["frameTree"]["frame"]["id"], documents)
        session.on("Fetch.requestPaused", guard._on_paused)
        patterns = [*FETCH_PATTERNS, *fetch_patterns(documents.host_headers)]
        await session.send("Fetch.enable", {"patterns": patterns})
        return guard

    def begin(self, scope: BrowserScope, served: ServedDocument | None = None) -> None:
        """A new page of the site `scope` describes is about to load in this tab (from `served`,
        the crawler's download, when there is one)."""
        self.scope = scope
        self.refused.clear()
        self.documents.served = served

    def end(self) -> None:
        """The page's audit is over: its body is no longer needed."""
        self.documents.served = None

    @property
    def navigation_refused(self) -> Refusal | None:
        return next((r for r in self.refused if r.top_document), None)

    def refusal_error(self) -> OutOfScopeNavigation | None:
        refusal = self.navigation_refused
        if refusal is None:
            return None
        return OutOfScopeNavigation(refusal.reason)

    def raise_if_refused(self) -> None:
        error = self.refusal_error()
        if error is not None:
            raise error

    def refused_requests(self) -> list[dict[str, str]]:
        """Subresources and frames refused while the current page loaded (the first few)."""
        return [{"url": r.url, "reason": r.reason} for r in self.refused if not r.top_document][
            :_REFUSED_KEPT
        ]

    def _on_paused(self, event: dict[str, Any]) -> None:
        task = asyncio.ensure_future(self._answer(event))
        self._answers.add(task)
        task.add_done_callback(self._answers.discard)

    async def _answer(self, event: dict[str, Any]) -> None:
        request_id = event.get("requestId")
        try:
            url = str(event["request"]["url"])
            document = event.get("resourceType") == "Document"
            top = document and event.get("frameId") == self.main_frame_id
            reason = self.scope.refusal(url, top_document=top)
            icon = is_tab_icon(event)
        except Exception:  # an event we cannot read: refuse rather than let it through
            url, document, top, reason, icon = "", False, False, "an unreadable request", False
        with contextlib.suppress(Exception):  # the page closed meanwhile
            if icon:
                await self.session.send(
                    "Fetch.fulfillRequest", {"requestId": request_id, "responseCode": 404}
                )
                return
            if top and self.held is not None:
                self.held.append(url)
                await self.session.send(
                    "Fetch.fulfillRequest", {"requestId": request_id, "responseCode": 204}
                )
                return
            if reason is None and document:
                await self.documents.answer(self.session, event, top)
                return
            if reason is None:
                await continue_request(self.session, event, self.documents.host_headers)
                return
            if top or len(self.refused) < 100:
                self.refused.append(Refusal(url, reason, top))
            await self.session.send(
                "Fetch.failRequest", {"requestId": request_id, "errorReason": "BlockedByClient"}
            )
