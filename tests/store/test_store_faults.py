"""The store under hostile values and faults: whatever a site sends is stored on SQLite and
PostgreSQL, transient failures are retried, and every other failure is one line."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import threading
from collections import Counter
from dataclasses import asdict

import pytest
from at_once import at_once
from integration_helpers import massaudit
from scrapy.http import Request, Response
from sqlalchemy import create_engine, text

from massaudit.crawler.items import UrlOutcome
from massaudit.crawler.sites import load_sites
from massaudit.crawler.spider import SiteSpider
from massaudit.pipeline.hooks import AuditHooks
from massaudit.pipeline.run_log import RunLog
from massaudit.pipeline.summary import RunSummary
from massaudit.rules.judge import PageJudgement
from massaudit.rules.model import Finding, PageArtifacts
from massaudit.store.db import RunVersions, Store, StoreError
from massaudit.store.schema import TRUNCATED

VERSIONS = RunVersions(tool="0.1.0", axe="4.14.1", catalogue="c", scoring="1")
LONG_LAST_MODIFIED = "Thu, 01 Jan 2026 00:00:00 GMT" + "x" * 71  # 100 characters
LONG_CONTENT_TYPE = "application/pdf; " + "p" * 283  # 300 characters
FIVE_GB = 5_000_000_000
FAST = (0.1, 0.2, 0.4, 0.8)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "audit.sqlite")
    return request.getfixturevalue("postgres_url")


def hostile_page(store: Store, run_id: int, url: str, hostile: bool = True) -> int:
    nul = "\x00" if hostile else ""
    artifacts = PageArtifacts(
        url=url,
        final_url=url,
        status=200,
        title=f"Hostile{nul} title",
        axe={"violations": [], "passes": []},
        error=None,
    )
    finding = Finding(
        "image-alt",
        "accessibility",
        "fail",
        "critical",
        f"img{nul}",
        f"<img{nul}>",
        ("1.1.1",),
        f"m{nul}",
    )
    judgement = PageJudgement([finding], {f"image-alt{nul}": "fail"}, {"accessibility": 0.0})
    child = UrlOutcome(
        "s",
        url + "child.pdf",
        "skipped",
        "document",
        f"detail{nul}",
        document="pdf",
        content_type=LONG_CONTENT_TYPE if hostile else "application/pdf",
        size=FIVE_GB if hostile else 1,
    )
    return store.save_page(
        run_id,
        site_id="s",
        agency_id="a",
        depth=0,
        artifacts=artifacts,
        judgement=judgement,
        links=(url + "child.pdf",),
        etag=f'"{nul}etag"',
        last_modified=LONG_LAST_MODIFIED if hostile else None,
        content_hash="h",
        url_state={"site_id": "s", "url": url, "state": "audited", "depth": 0},
        discovered=[asdict(child)],
    )


def test_values_from_the_web_are_stored_cleaned(db_url):
    store = Store(db_url)
    run_id = store.begin_run({"sites": []}, {}, VERSIONS)
    hostile_page(store, run_id, "http://x/")
    store.save_document(
        run_id,
        site_id="s",
        agency_id="a",
        url="http://x/child.pdf",
        kind="pdf",
        content_type=LONG_CONTENT_TYPE,
        size=FIVE_GB,
        sha256="0" * 64,
        last_modified=LONG_LAST_MODIFIED,
        facts={"title\x00": "A\x00B", "pages": [{"text": "\x00"}]},
        findings=[],
        url_state={
            "site_id": "s",
            "url": "http://x/child.pdf",
            "state": "skipped",
            "reason": "document",
            "detail": "pdf",
            "document": "pdf",
            "content_type": LONG_CONTENT_TYPE,
            "size": FIVE_GB,
        },
    )
    store.finish_run(run_id, "incomplete", {"n\x00": 1}, "Boom: line one\nSQL: INSERT INTO ...")

    [page] = store.pages(run_id)
    assert page.title == "Hostile title" and page.etag == '"etag"'
    assert page.last_modified == LONG_LAST_MODIFIED
    [finding] = store.findings(run_id)
    assert (finding.selector, finding.html, finding.message) == ("img", "<img>", "m")
    [document] = store.documents(run_id)
    assert document.size == FIVE_GB and document.last_modified == LONG_LAST_MODIFIED
    assert len(document.content_type) == 200 and document.content_type.endswith(TRUNCATED)
    assert document.facts == {"title": "AB", "pages": [{"text": ""}]}
    [state] = [s for s in store.url_states(run_id) if s.url.endswith(".pdf")]
    assert state.state == "skipped" and state.size == FIVE_GB and state.detail == "pdf"
    assert store.get_run(run_id).error == "Boom: line one"
    store.close()


@pytest.mark.postgres
def test_postgres_connections_killed_mid_run_are_survived(postgres_url):
    store = Store(postgres_url, retry_delays=FAST)
    run_id = store.begin_run({}, {}, VERSIONS)
    hostile_page(store, run_id, "http://x/1/", hostile=False)
    database = store.engine.url.database
    admin = create_engine(postgres_url.rsplit("/", 1)[0] + "/postgres")
    with admin.begin() as conn:
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": database},
        ).scalar()
    admin.dispose()
    assert killed >= 1  # the store's pooled connection
    hostile_page(store, run_id, "http://x/2/", hostile=False)
    store.record_url_states(run_id, [{"site_id": "s", "url": "http://x/3/", "state": "queued"}])
    assert [p.url for p in store.pages(run_id)] == ["http://x/1/", "http://x/2/"]
    store.close()


def test_sqlite_lock_held_past_the_busy_timeout_is_retried(tmp_path):
    db = tmp_path / "audit.sqlite"
    store = Store(str(db))
    run_id = store.begin_run({}, {}, VERSIONS)
    locker = sqlite3.connect(db, check_same_thread=False)
    locker.execute("BEGIN EXCLUSIVE")
    # Held longer than SQLite's 5 s busy timeout, so the first try fails with "database is locked"
    release = threading.Timer(6.5, locker.rollback)
    release.start()
    try:
        store.record_url_states(run_id, [{"site_id": "s", "url": "http://x/", "state": "queued"}])
    finally:
        release.join()
        locker.close()
    assert [s.url for s in store.url_states(run_id)] == ["http://x/"]
    store.close()


def test_a_store_that_gives_up_raises_one_line():
    """Nothing listens on port 1: every try is refused, and the last refusal is one line."""
    with pytest.raises(StoreError) as excinfo:
        Store("postgresql+psycopg://massaudit@127.0.0.1:1/massaudit", retry_delays=FAST)
    message = str(excinfo.value)
    assert "\n" not in message and "after 5 tries" in message, message


def test_a_file_that_is_not_a_database_is_one_line_exit_2(tmp_path):
    not_a_database = tmp_path / "notes.txt"
    not_a_database.write_text("these are notes, not SQLite\n" * 100)
    with pytest.raises(StoreError) as excinfo:
        Store(str(not_a_database))
    assert "not a database" in str(excinfo.value)
    result = massaudit("report", "--db", str(not_a_database), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "not a database" in result.stderr, result.stderr


@pytest.mark.parametrize("url", ["sqlite:///:memory:", "sqlite://", ":memory:"])
def test_an_in_memory_database_is_refused(url):
    with pytest.raises(StoreError, match="in-memory"):
        Store(url)


@pytest.mark.postgres
def test_concurrent_first_runs_create_the_schema_once(postgres_url):
    _, errors = at_once(6, lambda: Store(postgres_url).close())
    assert errors == []


class _FailingStore:
    def record_url_states(self, run_id, states):
        raise StoreError("--db x: record url states failed after 5 tries: disk is full")


class _NoBrowser:
    class settings:
        concurrency = 1


def test_a_write_that_fails_after_the_crawl_fails_the_run(tmp_path):
    """A URL state written late (after the crawl stopped) that fails is never swallowed."""
    stopped: list[BaseException] = []

    async def crawl_then_close() -> None:
        hooks = AuditHooks(
            _FailingStore(),
            _NoBrowser(),
            None,
            RunSummary(1),
            {},
            None,
            RunLog(None),
            stopped.append,
        )
        hooks.record([UrlOutcome("s", "http://x/a.pdf", "skipped", "document", size=FIVE_GB)])
        hooks.close_writer()

    with pytest.raises(StoreError, match="disk is full"):
        asyncio.run(crawl_then_close())


class _RecordingHooks:
    def __init__(self) -> None:
        self.outcomes: list[UrlOutcome] = []

    def record(self, outcomes):
        self.outcomes.extend(outcomes)

    def previous(self, site_id, url):
        return None


@pytest.mark.parametrize(
    ("declared", "expected"),
    [(b"5000000000", FIVE_GB), (b"9" * 40, None), (b"-1", None), (b"12abc", None)],
)
def test_declared_document_size_is_bounded(declared, expected, tmp_path):
    (tmp_path / "sites.toml").write_text(
        '[[agency]]\nid = "a"\nname = "A"\n\n[[site]]\nid = "s"\nagency = "a"\nname = "S"\n'
        'start_urls = ["http://127.0.0.1:9/"]\nallowed_hosts = ["127.0.0.1:9"]\n'
    )
    sites = load_sites(tmp_path / "sites.toml")
    hooks = _RecordingHooks()
    spider = SiteSpider(sites=sites, hooks=hooks)
    url = "http://127.0.0.1:9/big.xlsx"
    request = Request(url, method="HEAD", meta={"site_id": "s", "depth": 1, "referrer": None})
    response = Response(url, headers={"Content-Length": declared}, request=request)
    asyncio.run(spider.parse_document(response))
    [outcome] = hooks.outcomes
    assert Counter([outcome.reason]) == Counter(["document"]) and outcome.size == expected


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MiB tmpfs (needs the right to mount; skipped with the reason otherwise)."""
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_a_full_disk_is_one_line(small_disk):
    store = Store(str(small_disk / "audit.sqlite"), retry_delays=FAST)
    run_id = store.begin_run({}, {}, VERSIONS)
    noise = os.urandom(200_000).hex()  # incompressible, so it fills the disk
    with pytest.raises(StoreError) as excinfo:
        for n in range(20):
            store.record_url_states(
                run_id,
                [{"site_id": "s", "url": f"http://x/{n}", "state": "queued", "detail": noise}],
            )
    message = str(excinfo.value)
    assert "\n" not in message and "full" in message and "after 5 tries" in message, message
    store.close()
