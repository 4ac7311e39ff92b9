"""No request for a page known unchanged: sitemap lastmod, reuse age, and the runs that use them
(the real command, Chromium, a site on 127.0.0.1 that logs every request)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from integration_helpers import massaudit
from lastmod_site import LastmodSite, lastmod_sites_toml, serve_lastmod_site
from scrapy.http import Request

from massaudit.crawler.reuse import (
    AGED,
    CHANGED,
    KNOWN_UNCHANGED,
    NEW,
    NO_LASTMOD,
    SITEMAP_LASTMOD,
    KnownUnchangedMiddleware,
    fetch_plan,
    parse_lastmod,
    refresh_age,
)
from massaudit.store.db import Store

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def test_lastmod_is_read_as_the_latest_instant_it_can_mean():
    assert parse_lastmod("2026-03-01T10:00:00Z") == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert parse_lastmod(" 2026-03-01T10:00:00-04:00 ") == datetime(2026, 3, 1, 14, tzinfo=UTC)
    assert parse_lastmod("2026-03-01T10:00:00.5+00:00").microsecond == 500000
    # No zone: any zone's time; a date: the end of that day anywhere; a month or year: its end.
    assert parse_lastmod("2026-03-01T10:00:00") == datetime(2026, 3, 1, 22, tzinfo=UTC)
    assert parse_lastmod("2026-03-01") == datetime(2026, 3, 2, 12, tzinfo=UTC)
    assert parse_lastmod("2026-02") == datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert parse_lastmod("2025") == datetime(2026, 1, 1, 12, tzinfo=UTC)
    for broken in ("", "yesterday", "2026-13-01", "2026-02-30", None, 20260301, "9" * 100):
        assert parse_lastmod(broken) is None


def test_fetch_plan():
    fetched = NOW - timedelta(days=1)
    url = "https://www.mass.gov/a"

    def plan(lastmod, fetched_at=fetched, known=True, max_age=7.0):
        return fetch_plan(url, fetched_at, lastmod, NOW, max_age, known=known)

    assert plan(fetched - timedelta(hours=1)) == KNOWN_UNCHANGED
    assert plan(fetched) == KNOWN_UNCHANGED
    assert plan(fetched + timedelta(seconds=1)) == CHANGED
    assert plan(None) == NO_LASTMOD
    assert plan(fetched - timedelta(days=30), known=False) == NEW
    # However old the lastmod, a page is audited again once its artifacts are old enough.
    assert plan(datetime(2000, 1, 1, tzinfo=UTC), fetched_at=NOW - timedelta(days=7)) == AGED
    assert plan(None, fetched_at=NOW - timedelta(days=8)) == AGED
    assert plan(fetched - timedelta(hours=1), max_age=0) == AGED
    # Stored times without a zone (SQLite) are UTC.
    assert plan(fetched - timedelta(hours=1), fetched_at=fetched.replace(tzinfo=None)) == (
        KNOWN_UNCHANGED
    )


def test_refresh_age_spreads_pages_over_the_second_half_of_the_reuse_age():
    ages = [refresh_age(f"https://www.mass.gov/p/{n}", 7) for n in range(500)]
    assert all(timedelta(days=3.5) <= age <= timedelta(days=7) for age in ages)
    assert min(ages) < timedelta(days=4) and max(ages) > timedelta(days=6.5)
    assert refresh_age("https://www.mass.gov/p/1", 7) == ages[1]  # fixed per URL


def test_known_unchanged_requests_are_answered_without_a_download():
    middleware = KnownUnchangedMiddleware()
    known = Request("https://www.mass.gov/a", meta={"known_unchanged": True})
    response = middleware.process_request(known)
    assert response.status == 304 and SITEMAP_LASTMOD in response.flags
    assert response.request is known
    assert middleware.process_request(Request("https://www.mass.gov/b")) is None


# The runs: a first one audits every page; then nothing is requested for pages whose lastmod has
# not changed, and exactly the changed ones are audited.


@pytest.fixture(scope="module")
def lastmod_runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lastmod")
    site = LastmodSite(pages=6)
    db = tmp / "db.sqlite"
    with serve_lastmod_site(site) as base:
        (tmp / "sites.toml").write_text(lastmod_sites_toml(base))

        def run(*extra: str) -> list[str]:
            site.requests.clear()
            result = massaudit(
                "run",
                *("--sites", str(tmp / "sites.toml"), "--db", str(db), "--out", str(tmp / "out")),
                *("--quiet", "--concurrency", "2", *extra),
            )
            assert result.returncode == 0, result.stderr
            return site.page_requests()

        requested = {1: run(), 2: run()}
        site.change("/p/4/", "2030-01-01T00:00:00+00:00")
        requested[3] = run()
        with sqlite3.connect(db) as conn:  # run 3's pages were all fetched 8 days ago
            week_ago = (datetime.now(UTC) - timedelta(days=8)).isoformat(" ")
            conn.execute("UPDATE pages SET audited_at = ? WHERE run_id <= 3", (week_ago,))
        requested[4] = run()
        requested[5] = run("--full")
        yield base, Store(str(db)), requested


def states(store, run_id):
    return {s.url: (s.state, s.reason) for s in store.url_states(run_id)}


def findings(store, run_id):
    pages = {p.id: p.url for p in store.pages(run_id)}
    return sorted((pages[f.page_id], f.rule_id, f.selector) for f in store.findings(run_id))


@pytest.mark.browser
def test_a_page_whose_lastmod_has_not_changed_gets_no_request(lastmod_runs):
    base, store, requested = lastmod_runs
    listed = [f"/p/{n}/" for n in range(6)]
    assert sorted(requested[1]) == sorted([*listed, "/linked-only/"])
    # Only the page no sitemap lists is asked (conditionally); the others are reused unasked,
    # and the page linked only from a reused page is still reached through its stored links.
    assert requested[2] == ["/linked-only/"]
    second = states(store, 2)
    assert second == {
        **{base + path: ("unchanged", SITEMAP_LASTMOD) for path in listed},
        base + "/linked-only/": ("unchanged", None),
    }
    assert findings(store, 2) == findings(store, 1)  # carried over as a 304 reuse carries them
    assert all(page.reused_from is not None for page in store.pages(2))


@pytest.mark.browser
def test_exactly_the_pages_with_a_newer_lastmod_are_audited(lastmod_runs):
    base, store, requested = lastmod_runs
    assert sorted(requested[3]) == ["/linked-only/", "/p/4/"]
    audited = {url for url, (state, _) in states(store, 3).items() if state == "audited"}
    assert audited == {base + "/p/4/"}


@pytest.mark.browser
def test_pages_too_old_to_reuse_and_full_runs_are_audited_again(lastmod_runs):
    base, store, requested = lastmod_runs
    everything = sorted([*(f"/p/{n}/" for n in range(6)), "/linked-only/"])
    for run_id in (4, 5):
        assert sorted(requested[run_id]) == everything
        assert {state for state, _ in states(store, run_id).values()} == {"audited"}
