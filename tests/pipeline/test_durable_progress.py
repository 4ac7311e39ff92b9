"""kill -9 at the moment a page is committed, then --resume: the run ends with the same pages
and documents as a run never killed (fault injection through MASSAUDIT_FAULT)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from integration_helpers import REPO, massaudit, massaudit_killed
from sqlalchemy import create_engine, text
from tree_site import serve_tree, site_entry, sites_toml

from massaudit.store.db import Store

pytestmark = [pytest.mark.browser, pytest.mark.long]

PAGES = {
    "/": ("/a/", "/b/", "/slow.pdf"),
    "/a/": ("/a/1/", "/"),
    "/b/": ("/b/1/",),
    "/a/1/": (),
    "/b/1/": (),
}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("durable")
    with serve_tree(PAGES, slow_pdf="/slow.pdf") as base:
        (tmp / "sites.toml").write_text(sites_toml(site_entry("tree", base, "/")))
        yield tmp, base


def run_command(tmp, db, *extra: str, out: str | None = None) -> list[str]:
    return [
        "run",
        "--sites",
        str(tmp / "sites.toml"),
        "--db",
        str(db),
        "--out",
        str(tmp / f"out-{out or db.stem}"),
        "--quiet",
        "--concurrency",
        "1",
        *extra,
    ]


def snapshot(db) -> tuple[list[str], list[str], list[tuple[str, str, str | None]]]:
    store = Store(str(db))
    pages = sorted(p.url for p in store.pages(1))
    documents = sorted(d.url for d in store.documents(1))
    states = sorted((s.url, s.state, s.reason) for s in store.url_states(1))
    status = store.get_run(1).status
    store.close()
    assert status == "complete"
    return pages, documents, states


@pytest.fixture(scope="module")
def clean(served):
    tmp, _ = served
    result = massaudit(*run_command(tmp, tmp / "clean.sqlite"))
    assert result.returncode == 0, result.stderr
    return snapshot(tmp / "clean.sqlite")


@pytest.mark.parametrize(
    "commits",
    [
        1,  # the start page: every other URL was first seen on it
        2,  # a page audited while the slow PDF it links to is still downloading
    ],
)
def test_kill_9_after_a_page_commit_then_resume_equals_a_clean_run(served, clean, commits):
    tmp, _ = served
    db = tmp / f"killed-{commits}.sqlite"
    massaudit_killed(*run_command(tmp, db), commits=commits)
    store = Store(str(db))
    assert len(store.pages(1)) == commits and store.documents(1) == []
    store.close()

    result = massaudit(*run_command(tmp, db, "--resume"))
    assert result.returncode == 0, result.stderr
    assert snapshot(db) == clean
    assert len(clean[0]) == len(PAGES) and len(clean[1]) == 1


@pytest.mark.postgres
def test_postgres_connections_killed_mid_run_are_survived(served, clean, postgres_url):
    tmp, _ = served
    process = subprocess.Popen(
        [sys.executable, "-m", "massaudit.cli", *run_command(tmp, postgres_url, out="pg")],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    database = postgres_url.rsplit("/", 1)[1]
    watcher = create_engine(postgres_url)
    killed = 0
    deadline = time.monotonic() + 240
    with watcher.connect() as conn:
        while not killed and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
            tables = conn.execute(text("SELECT to_regclass('pages')")).scalar()
            if tables and conn.execute(text("SELECT count(*) FROM pages")).scalar() >= 1:
                killed = conn.execute(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": database},
                ).scalar()
            conn.commit()
    watcher.dispose()
    stdout, stderr = process.communicate(timeout=300)
    assert killed >= 1, f"the run's connection was not there to kill: {stderr}"
    assert process.returncode == 0, stderr
    assert "complete" in stdout
    store = Store(postgres_url)
    assert store.get_run(1).status == "complete"
    assert sorted(p.url for p in store.pages(1)) == clean[0]
    assert sorted(d.url for d in store.documents(1)) == clean[1]
    store.close()


@pytest.mark.postgres
def test_a_store_that_stays_away_stops_the_run_in_one_line_and_resume_finishes(
    served, clean, postgres_url
):
    """The database refuses every connection past the store's retries: the run stops with one
    line and exit 1, keeps what it stored, and --resume finishes it once the database is back."""
    tmp, _ = served
    command = run_command(tmp, postgres_url, out="pg-away")
    process = subprocess.Popen(
        [sys.executable, "-m", "massaudit.cli", *command],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    database = postgres_url.rsplit("/", 1)[1]
    admin = create_engine(
        postgres_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT"
    )
    watcher = create_engine(postgres_url)
    closed = False
    deadline = time.monotonic() + 240
    try:
        with watcher.connect() as conn:
            while time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.2)
                tables = conn.execute(text("SELECT to_regclass('pages')")).scalar()
                if tables and conn.execute(text("SELECT count(*) FROM pages")).scalar() >= 1:
                    break
                conn.commit()
        watcher.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false'))
            closed = True
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": database},
            )
        stdout, stderr = process.communicate(timeout=300)
    finally:
        if closed:
            with admin.connect() as conn:
                conn.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true'))
        admin.dispose()
    assert process.returncode == 1, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    assert "the run stopped" in lines[0] and "--resume" in lines[0]

    result = massaudit(*command, "--resume")
    assert result.returncode == 0, result.stderr
    store = Store(postgres_url)
    assert store.get_run(1).status == "complete"
    assert sorted(p.url for p in store.pages(1)) == clean[0]
    assert sorted(d.url for d in store.documents(1)) == clean[1]
    store.close()
