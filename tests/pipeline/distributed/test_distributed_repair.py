"""A distributed run mends what goes wrong, against the real services and Chromium (skipped,
with the reason, where a service is missing): a coordinator killed mid-run and resumed (its
waiting jobs lost too: published again, each page fetched by its worker and stored with its
links), a worker that dies after storing a page but before acknowledging its job, and a page
that takes down every worker that audits it."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import kombu
import pytest
from distributed_run import (
    Workers,
    findings_by_page,
    kill_group,
    logged_hosts,
    run_command,
    services,
    single_process_run,
    sites_toml,
    stored_pages,
    wait_for,
)
from repo_paths import REPO
from sqlalchemy import create_engine, text

# Last: bench/incremental.py must not hide the package of that name that Twisted imports.
sys.path.append(str(REPO / "bench"))

from corpus import write_corpus  # noqa: E402

pytestmark = pytest.mark.long

FAULT = "MASSAUDIT_FAULT"


def url_states(db: str) -> dict[str, tuple[str, str | None, str]]:
    engine = create_engine(db)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT url, state, reason, detail FROM url_states"))
            return {
                url.split("/", 3)[3]: (state, reason, detail) for url, state, reason, detail in rows
            }
    finally:
        engine.dispose()


def run_status(db: str) -> list[str]:
    engine = create_engine(db)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text("SELECT status FROM runs ORDER BY id")).scalars())
    finally:
        engine.dispose()


def pages_without_links_and_requests(db: str) -> tuple[int, dict[str, int]]:
    engine = create_engine(db)
    try:
        with engine.connect() as connection:
            bare = connection.execute(
                text(
                    "SELECT count(*) FROM pages p WHERE NOT EXISTS "
                    "(SELECT 1 FROM links l WHERE l.page_id = p.id)"
                )
            ).scalar_one()
            summary = connection.execute(text("SELECT summary FROM runs")).scalar_one()
            return bare, summary.get("requests", {})
    finally:
        engine.dispose()


def test_a_killed_coordinator_is_resumed(tmp_path, postgres_url):
    pages = 24
    with services(postgres_url) as found:
        write_corpus(tmp_path / "site", pages)
        with logged_hosts(tmp_path / "site", 1, tmp_path) as bases:
            sites = tmp_path / "sites.toml"
            sites.write_text(sites_toml(bases, pages, 0.05, 2))
            workers = Workers(found, tmp_path)
            try:
                workers.start(concurrency=2)
                first = subprocess.Popen(
                    run_command(found, sites, tmp_path / "out"),
                    stdout=(tmp_path / "first.out").open("w"),
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
                wait_for(
                    lambda: stored_pages(found.db) >= 4, 300, "the first pages"
                )  # see first.out
                kill_group(first, signal.SIGKILL)
                first.wait(timeout=30)
                with kombu.Connection(found.broker) as connection:  # the waiting jobs are lost
                    connection.default_channel.queue_purge(found.queue)
                resumed = subprocess.run(
                    run_command(
                        found, sites, tmp_path / "out", "--resume", "--republish-after", "15"
                    ),
                    capture_output=True,
                    text=True,
                    timeout=600,
                )
            finally:
                workers.stop_all()
        assert resumed.returncode == 0, resumed.stderr + resumed.stdout
        assert run_status(found.db) == ["complete"]
        states = url_states(found.db)
        audited = [url for url, (state, _, _) in states.items() if state == "audited"]
        assert len(audited) == pages
        assert stored_pages(found.db) == pages
        without_links, requests = pages_without_links_and_requests(found.db)
        assert without_links == 0
        # The workers' requests reach the run's summary: each page rendered from its job's
        # download, or from the worker's own fetch for a job published again.
        assert requests.get("served", 0) >= pages


def test_a_worker_dead_after_its_commit_leaves_no_double(tmp_path, postgres_url):
    pages = 10
    with services(postgres_url) as found:
        write_corpus(tmp_path / "site", pages)
        with logged_hosts(tmp_path / "site", 1, tmp_path) as bases:
            sites = tmp_path / "sites.toml"
            sites.write_text(sites_toml(bases, pages, 0.0, 2))
            reference = tmp_path / "single.sqlite"
            single_process_run(sites, reference, tmp_path / "single")
            workers = Workers(found, tmp_path)
            try:
                # Killed (SIGKILL) right after its 3rd page's commit, before the acknowledgement.
                dying = workers.start(env={FAULT: "kill-after-page-commit:3"})
                coordinator = subprocess.Popen(
                    run_command(found, sites, tmp_path / "out"),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                dying.wait(timeout=300)
                workers.start()
                out, err = coordinator.communicate(timeout=600)
            finally:
                workers.stop_all()
        assert coordinator.returncode == 0, err + out
        assert "page stored already, nothing to do" in workers.logs()
        assert findings_by_page(found.db) == findings_by_page(f"sqlite:///{reference}")


def test_a_page_that_kills_its_workers_ends_skipped(tmp_path, postgres_url):
    pages, poison = 6, "page-00003/"
    with services(postgres_url) as found:
        write_corpus(tmp_path / "site", pages)
        with logged_hosts(tmp_path / "site", 1, tmp_path) as bases:
            sites = tmp_path / "sites.toml"
            sites.write_text(sites_toml(bases, pages, 0.0, 2))
            workers = Workers(found, tmp_path)
            env = {FAULT: f"kill-worker-on:/{poison}"}
            try:
                workers.start(env=env)
                coordinator = subprocess.Popen(
                    run_command(found, sites, tmp_path / "out"),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                deadline = time.monotonic() + 600
                while coordinator.poll() is None and time.monotonic() < deadline:
                    if workers.processes[-1].poll() is not None:  # restarted, as systemd does
                        workers.start(env=env)
                    time.sleep(0.5)
                out, err = coordinator.communicate(timeout=60)
            finally:
                workers.stop_all()
        assert coordinator.returncode == 0, err + out
        states = url_states(found.db)
        state, reason, detail = states[poison]
        assert (state, reason) == ("skipped", "browser_error")
        assert "stopped its worker 2 times" in detail
        assert len(workers.processes) == 3  # two deliveries took a worker down, the third none
        audited = [url for url, (state, _, _) in states.items() if state == "audited"]
        assert len(audited) == pages - 1
