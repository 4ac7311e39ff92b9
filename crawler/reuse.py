"""Which request, if any, a page of the last complete run needs this run: none when its sitemap
`<lastmod>` says it has not changed since it was fetched, a full GET when its artifacts are too
old to reuse, a conditional GET otherwise. Shared by the crawl and `massaudit plan`.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from scrapy.http import Request, Response

# URL state reason of a page reused without any request (its sitemap lastmod is not newer).
SITEMAP_LASTMOD = "sitemap_lastmod"

# What a page needs this run (fetch_plan).
NEW = "new"  # not in the last complete run: fetched and audited
AGED = "aged"  # its artifacts are older than its reuse age: fetched and audited again
CHANGED = "changed"  # its lastmod is newer than its fetch: conditional GET
NO_LASTMOD = "no_lastmod"  # no lastmod to go by: conditional GET
KNOWN_UNCHANGED = "unchanged"  # lastmod not newer, artifacts young enough: no request
# Plans that audit the page whatever it answers (no conditional request, no content-hash reuse).
AUDITED_AGAIN = (NEW, AGED)

# A lastmod without a time zone could be any zone's time: read as the latest instant it can mean
# (UTC-12), and a date without a time as the end of that day there, so a page is never reused
# on a lastmod that may be later than it looks.
_LATEST_ZONE = timedelta(hours=12)
_YEAR_MONTH = re.compile(r"^(\d{4})(?:-(\d{2}))?$")


def parse_lastmod(text: Any) -> datetime | None:
    """A sitemap `<lastmod>` (W3C datetime) as an aware UTC datetime; None when unreadable."""
    if not isinstance(text, str) or not text.strip() or len(text) > 64:
        return None
    text = text.strip()
    partial = _YEAR_MONTH.match(text)
    try:
        if partial:  # "2024" or "2024-05": the end of that year or month
            year, month = int(partial[1]), int(partial[2] or 12)
            first_of_next = date(year + month // 12, month % 12 + 1, 1)
            day = first_of_next - timedelta(days=1)
            return _end_of_day(day)
        if "T" not in text and " " not in text:
            return _end_of_day(date.fromisoformat(text))
        when = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except (ValueError, OverflowError):
        return None
    if when.tzinfo is None:
        return (when + _LATEST_ZONE).replace(tzinfo=UTC)
    return when.astimezone(UTC)


def _end_of_day(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1) + _LATEST_ZONE


def refresh_age(url: str, max_reuse_age_days: float) -> timedelta:
    """How old a page's artifacts may grow before it is audited again: between half and all of
    the site's `max_reuse_age_days`, fixed per URL, so the refreshes of a site audited in one
    night spread over the following nights instead of all falling on one."""
    spread = int.from_bytes(hashlib.sha256(url.encode("utf-8")).digest()[:4], "big") / 2**32
    return timedelta(days=max_reuse_age_days * (1 - spread / 2))


def fetch_plan(
    url: str,
    fetched_at: datetime | None,
    lastmod: datetime | None,
    now: datetime,
    max_reuse_age_days: float,
    *,
    known: bool = True,
) -> str:
    """What the page at `url` needs this run. `fetched_at`: when the artifacts the last complete
    run holds for it were fetched (None, or `known` False: no such page)."""
    if not known:
        return NEW
    if fetched_at is None or now - as_utc(fetched_at) >= refresh_age(url, max_reuse_age_days):
        return AGED
    if lastmod is None:
        return NO_LASTMOD
    if lastmod > as_utc(fetched_at):
        return CHANGED
    return KNOWN_UNCHANGED


def as_utc(moment: datetime) -> datetime:
    """Stored times without a zone (SQLite keeps none) are UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


class KnownUnchangedMiddleware:
    """Answers a page request the spider marked `known_unchanged` (its sitemap lastmod is not
    newer than its last fetch) without sending it: the spider reuses the page from the store.

    It runs after robots.txt's middleware, so a page robots.txt now forbids is still skipped.
    """

    def process_request(self, request: Request, spider: Any = None) -> Response | None:
        if not request.meta.get("known_unchanged"):
            return None
        return Response(request.url, status=304, request=request, flags=[SITEMAP_LASTMOD])
