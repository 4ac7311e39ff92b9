"""Resume after kill -9, and incremental nightly runs, on the demo site with the real browser."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from contextlib import closing

import pytest
from integration_helpers import REPO, massaudit, stored_pages

from massaudit.crawler.sites import load_sites
from massaudit.demo.site import build_site
from massaudit.pipeline.static_server import serve_directory
from massaudit.store.db import Store

pytestmark = [pytest.mark.browser, pytest.mark.long]
SITES = ("demo-transportation", "demo-revenue")


def demo_sites_toml(netloc: str) -> str:
    """The demo's sites (massaudit/demo/sites.toml), moved to where the test serves the demo."""
    config = load_sites(REPO / "massaudit" / "demo" / "sites.toml").demo_only(netloc)
    text = []
    for agency in config.agencies:
        text.append(f'[[agency]]\nid = "{agency.id}"\nname = "{agency.name}"\n')
    for site in config.sites:
        if site.id not in SITES:
            continue
        include = ", ".join(f'"{p}"' for p in site.include)
        text.append(
            f'[[site]]\nid = "{site.id}"\nagency = "{site.agency}"\nname = "{site.name}"\n'
            f'start_urls = ["{site.start_urls[0]}"]\nallowed_hosts = ["{netloc}"]\n'
            f"include = [{include}]\ndownload_delay = 0\nconcurrency_per_host = 4\n"
            # The demo's checks too: its keyboard walk reaches every page's end whatever the
            # machine's speed, so two runs find the same (a walk cut by time would not).
            f"checks = {{ {', '.join(f'{k} = {json.dumps(v)}' for k, v in site.checks.items())} }}\n"
        )
    return "\n".join(text)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("served")
    build_site(tmp / "site")
    with serve_directory(tmp / "site") as base:
        (tmp / "sites.toml").write_text(demo_sites_toml(base.split("//", 1)[1]))
        yield tmp, base


def snapshot(db: str, run_id: int):
    store = Store(db)
    pages = {p.id: p.url for p in store.pages(run_id)}
    findings = Counter(
        (pages[f.page_id], f.rule_id, f.selector, f.outcome) for f in store.findings(run_id)
    )
    states = {(s.url, s.state, s.reason) for s in store.url_states(run_id)}
    store.close()
    return sorted(pages.values()), findings, states


def copy_store(source, target) -> None:
    """A copy of a SQLite store, its write-ahead log included."""
    with closing(sqlite3.connect(source)) as old, closing(sqlite3.connect(target)) as new:
        old.backup(new)


def run(tmp, db, *extra):
    result = massaudit(
        "run",
        "--sites",
        str(tmp / "sites.toml"),
        "--db",
        str(db),
        "--out",
        str(tmp / "out"),
        "--quiet",
        *extra,
    )
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def clean_run(served):
    """One run of the served sites into a fresh store (both tests start from it): its file."""
    tmp, _ = served
    run(tmp, tmp / "clean.sqlite")
    return tmp / "clean.sqlite"


def test_kill_9_then_resume_equals_a_clean_run(served, clean_run):
    tmp, _ = served
    clean = snapshot(str(clean_run), 1)

    killed = tmp / "killed.sqlite"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "massaudit.cli",
            "run",
            "--sites",
            str(tmp / "sites.toml"),
            "--db",
            str(killed),
            "--out",
            str(tmp / "out-killed"),
            "--quiet",
            "--concurrency",
            "1",
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and stored_pages(killed) < 6 and process.poll() is None:
        time.sleep(0.3)
    os.killpg(process.pid, signal.SIGKILL)  # the whole process group: Python, driver, Chromium
    process.wait(timeout=30)
    partial = Store(str(killed))
    assert 6 <= len(partial.pages(1)) < len(clean[0]), "killed mid-run"
    partial.close()

    result = run(tmp, killed, "--resume")
    assert "Run 1 complete" in result.stdout
    store = Store(str(killed))
    assert [r.id for r in store.runs()] == [1] and store.get_run(1).status == "complete"
    store.close()
    assert snapshot(str(killed), 1) == clean


def test_second_run_reuses_unchanged_pages_and_audits_changed_ones(served, clean_run):
    tmp, base = served
    db = tmp / "incremental.sqlite"
    copy_store(clean_run, db)  # the first run
    first = snapshot(str(db), 1)

    changed = tmp / "site" / "info-details" / "transit-fares-and-passes" / "index.html"
    html = changed.read_text()
    changed.write_text(html.replace("</main>", "<p>Fares change on July 1.</p></main>", 1))
    stat = changed.stat()
    os.utime(changed, (stat.st_atime, stat.st_mtime + 5))
    try:
        run(tmp, db)
    finally:
        changed.write_text(html)
    store = Store(str(db))
    states = {s.url: s.state for s in store.url_states(2) if s.state != "skipped"}
    assert {u for u, s in states.items() if s == "audited"} == {
        f"{base}/info-details/transit-fares-and-passes/"
    }
    assert sum(s == "unchanged" for s in states.values()) == len(first[0]) - 1
    second = snapshot(str(db), 2)
    assert second[0] == first[0] and second[1] == first[1]  # carried-over findings, no doubles
    reused = [p for p in store.pages(2) if p.reused_from is not None]
    assert len(reused) == len(first[0]) - 1
    store.close()

    run(tmp, db, "--full")
    store = Store(str(db))
    assert all(s.state != "unchanged" for s in store.url_states(3))
    store.close()
