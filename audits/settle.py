"""When a page is ready to be audited: its settling rule (docs/settling.md).

A page is settled once its DOM content has loaded (the parser is done and its scripts have run)
and then, whichever comes first:
- its load event fires (stylesheets, scripts, images, fonts and frames are in), or
- no request the audit waits for has been in flight for `QUIET_MS`, or
- `SETTLE_CAP_S` have passed since its DOM content loaded (or the page timeout, if sooner): the
  page is audited as it stands, and the requests still pending are counted in its timings.

A request to a host outside the site's `allowed_hosts` (a tag manager, a translation widget, a
font or script CDN) is waited for `THIRD_PARTY_WAIT_S` at most: one still in flight after that
(a third party that is slow, or whose name does not resolve) stops holding the page, and is
counted in its timings. The site's own requests are waited for until they end, or the cap.

Not waited for: requests that no check reads and that cannot change the DOM or the layout
(`waited_for`): beacons, audio and video data, event streams and web sockets, the web app
manifest, CSP reports, and prefetches or prerenders of other pages. A video still buffering or
a beacon still sending then no longer holds the page, and neither does a request that hangs once
the page has loaded its content (past the cap; under the old rule the whole page timed out).
`SETTLE_LOAD` keeps the old rule: the load event, within the page timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from massaudit.audits.time_limits import ms_since, within

SETTLE_QUIET = "quiet"  # the rule above
SETTLE_LOAD = "load"  # the load event, as before (for comparison and debugging)
SETTLE_RULES = (SETTLE_QUIET, SETTLE_LOAD)
QUIET_MS = 500
SETTLE_CAP_S = 10.0
THIRD_PARTY_WAIT_S = 1.0  # a request to another host, from when it started
# Playwright's resource types of requests no check reads and that cannot change the DOM or the
# layout (a media element's size comes from its attributes and CSS, not from its data).
NOT_WAITED_FOR = frozenset(
    {"media", "ping", "eventsource", "websocket", "manifest", "cspviolationreport"}
)
_SPECULATIVE = ("prefetch", "prerender")  # Sec-Purpose / Purpose of a request for another page


def settle_cap_s(page_timeout_s: float) -> float:
    """The longest wait after DOM content loaded for a page timeout."""
    return min(SETTLE_CAP_S, page_timeout_s)


def waited_for(resource_type: str, headers: Mapping[str, str]) -> bool:
    """Whether the audit waits for a request of this type with these request headers."""
    if resource_type in NOT_WAITED_FOR:
        return False
    purpose = (headers.get("sec-purpose") or headers.get("purpose") or "").lower()
    return not any(word in purpose for word in _SPECULATIVE)


class NetworkWatch:
    """A tab's requests in flight that the audit waits for, and whether its load event fired,
    since the current page was requested (`begin`)."""

    def __init__(self) -> None:
        # Each request waited for, with when it stops being waited for (None: when it ends).
        self.pending: dict[Any, float | None] = {}
        self.loaded = False
        self.ignored = 0  # requests not waited for, since `begin`
        self.third_party_left = 0  # requests to other hosts given up on, since `begin`
        self._own: Callable[[str], bool] = _every_url
        self._quiet_since = time.monotonic()
        self._changed = asyncio.Event()

    @classmethod
    def attach(cls, page: Any) -> NetworkWatch:
        watch = cls()
        page.on("request", watch.started)
        page.on("requestfinished", watch.ended)
        page.on("requestfailed", watch.ended)
        page.on("load", lambda *_: watch.load())
        return watch

    def begin(self, own: Callable[[str], bool] | None = None) -> None:
        """A new page is being requested (`own`: whether a URL is of its site; default every
        URL): what the previous one left in flight is forgotten."""
        self.pending.clear()
        self.loaded = False
        self.ignored = 0
        self.third_party_left = 0
        self._own = own or _every_url
        self._quiet_since = time.monotonic()

    def started(self, request: Any) -> None:
        try:
            headers = request.headers
        except Exception:  # a request the driver no longer knows
            headers = {}
        if waited_for(request.resource_type, headers):
            own = self._own(getattr(request, "url", ""))
            self.pending[request] = None if own else time.monotonic() + THIRD_PARTY_WAIT_S
        else:
            self.ignored += 1
        self._changed.set()

    def ended(self, request: Any) -> None:
        if request in self.pending:
            del self.pending[request]
            if not self.pending:
                self._quiet_since = time.monotonic()
        self._changed.set()

    def load(self) -> None:
        self.loaded = True
        self._changed.set()

    def give_up_on_third_parties(self, now: float) -> float | None:
        """Stop waiting for the requests to other hosts whose time is up; when the next one's
        time is up (None: no request to another host is waited for)."""
        for request, until in list(self.pending.items()):
            if until is not None and until <= now:
                del self.pending[request]
                self.third_party_left += 1
                if not self.pending:  # quiet from when the last one stopped counting
                    self._quiet_since = max(self._quiet_since, until)
        times = [until for until in self.pending.values() if until is not None]
        return min(times) if times else None

    def quiet_for(self) -> float:
        """Seconds with no request waited for in flight (0 while one is)."""
        return 0.0 if self.pending else time.monotonic() - self._quiet_since

    async def changed(self, timeout: float) -> None:
        """Until a request starts or ends or the page loads, or `timeout` seconds."""
        self._changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), max(timeout, 0.0))


def _every_url(url: str) -> bool:
    return True


@dataclass(frozen=True)
class Settled:
    """How a page settled: by "load", "quiet" or "cap", after `waited_s` from DOM content
    loaded, with `pending` requests waited for still in flight (at the cap), `ignored` requests
    not waited for and `third_party_left` requests to other hosts given up on."""

    by: str
    waited_s: float
    pending: int
    ignored: int
    third_party_left: int


async def settle(
    watch: NetworkWatch, cap_s: float = SETTLE_CAP_S, quiet_ms: float = QUIET_MS
) -> Settled:
    """Wait, after DOM content loaded, until the page is settled by the rule above."""
    started = time.monotonic()
    deadline = started + cap_s
    quiet_s = quiet_ms / 1000
    while True:
        now = time.monotonic()
        next_give_up = watch.give_up_on_third_parties(now)
        if watch.loaded:
            by = "load"
        elif not watch.pending and watch.quiet_for() >= quiet_s:
            by = "quiet"
        elif now >= deadline:
            by = "cap"
        else:
            until_quiet = quiet_s - watch.quiet_for() if not watch.pending else deadline - now
            if next_give_up is not None:
                until_quiet = min(until_quiet, next_give_up - now)
            await watch.changed(min(deadline - now, until_quiet))
            continue
        waited = round(now - started, 3)
        return Settled(by, waited, len(watch.pending), watch.ignored, watch.third_party_left)


async def load_and_settle(
    page: Any,
    watch: NetworkWatch,
    url: str,
    *,
    rule: str,
    timeout_s: float,
    timings: dict,
    own: Callable[[str], bool] | None = None,
) -> Any:
    """Navigate `page` to `url` and wait until it is settled by `rule` (`own`: whether a URL
    is of the site; default every URL); the response of its document. Its timings: DOM content
    loaded, the wait after it and how it ended (settle_quiet 1: by quiet; settle_pending:
    requests still in flight at the cap; settle_third_party: requests to other hosts given up
    on), the requests not waited for."""
    started = time.perf_counter()
    watch.begin(own)
    wait_until = "load" if rule == SETTLE_LOAD else "domcontentloaded"
    goto = page.goto(url, wait_until=wait_until)
    response = await within(goto, timeout_s + 5, "loading the page")
    if rule != SETTLE_LOAD:
        timings["dom_ready_ms"] = ms_since(started)
        settled = await settle(watch, settle_cap_s(timeout_s))
        timings["settle_ms"] = round(settled.waited_s * 1000, 1)
        timings["settle_ignored"] = settled.ignored
        if settled.third_party_left:
            timings["settle_third_party"] = settled.third_party_left
        if settled.by == "quiet":
            timings["settle_quiet"] = 1
        elif settled.by == "cap":
            timings["settle_pending"] = settled.pending
    return response
