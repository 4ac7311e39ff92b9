"""Distributed runs for tests: RabbitMQ, Redis and a PostgreSQL database of the test's own (or a
skip saying which is missing), a queue of its own, corpus hosts whose servers log every request,
`massaudit worker` processes each in its own process group, and what the stores hold.

.ci/run sets MASSAUDIT_TEST_BROKER and MASSAUDIT_REQUIRE_RABBITMQ when a broker answers on
127.0.0.1 (and the same for Redis and PostgreSQL): there a service that does not answer fails
the test instead of skipping it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from redis_server import redis_url_or_skip
from repo_paths import REPO

# Last: bench/incremental.py must not hide the package of that name that Twisted imports.
sys.path.append(str(REPO / "bench"))

from request_log import parse_log, serve_logged  # noqa: E402

BROKER_ENV = "MASSAUDIT_TEST_BROKER"
DEFAULT_BROKER = "amqp://guest:guest@127.0.0.1:5672//"


@dataclass(frozen=True)
class Services:
    db: str
    broker: str
    redis: str
    queue: str


def broker_url_or_skip() -> str:
    import kombu

    url = os.environ.get(BROKER_ENV) or DEFAULT_BROKER
    try:
        with kombu.Connection(url, connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception as exc:
        if os.environ.get("MASSAUDIT_REQUIRE_RABBITMQ") == "1":
            raise
        pytest.skip(f"no RabbitMQ at {url} ({exc}): start one there or set {BROKER_ENV}")
    return url


@contextlib.contextmanager
def services(postgres_url: str) -> Iterator[Services]:
    """The services, with a queue named for this test alone (deleted afterwards)."""
    found = Services(
        postgres_url, broker_url_or_skip(), redis_url_or_skip(), f"test-{uuid.uuid4().hex[:12]}"
    )
    try:
        yield found
    finally:
        import kombu

        with kombu.Connection(found.broker) as connection, contextlib.suppress(Exception):
            connection.default_channel.queue_delete(found.queue)
            connection.default_channel.exchange_delete(found.queue)


def massaudit_args(*args: str) -> list[str]:
    return [sys.executable, "-m", "massaudit.cli", *args]


def run_command(found: Services, sites: Path, out: Path, *extra: str) -> list[str]:
    """`massaudit run --distributed` with the minimal check set the comparison needs."""
    return massaudit_args(
        "run",
        "--distributed",
        "--sites",
        str(sites),
        "--db",
        found.db,
        "--broker",
        found.broker,
        "--redis",
        found.redis,
        "--queue",
        found.queue,
        "--out",
        str(out),
        "--checks",
        "axe",
        "--screenshots",
        "0",
        "--quiet",
        *extra,
    )


def single_process_run(sites: Path, db: Path, out: Path) -> None:
    command = massaudit_args(
        "run",
        "--sites",
        str(sites),
        "--db",
        str(db),
        "--out",
        str(out),
        "--checks",
        "axe",
        "--screenshots",
        "0",
        "--concurrency",
        "2",
        "--quiet",
    )
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr


class Workers:
    """`massaudit worker` processes, each the leader of its own process group."""

    def __init__(self, found: Services, folder: Path) -> None:
        self.found = found
        self.folder = folder
        self.processes: list[subprocess.Popen] = []

    def start(self, env: dict[str, str] | None = None, concurrency: int = 1) -> subprocess.Popen:
        number = len(self.processes)
        command = massaudit_args(
            "worker",
            "--db",
            self.found.db,
            "--broker",
            self.found.broker,
            "--redis",
            self.found.redis,
            "--queue",
            self.found.queue,
            "--concurrency",
            str(concurrency),
        )
        with (self.folder / f"worker-{number}.log").open("w") as log:
            process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **(env or {})},
                start_new_session=True,
            )
        self.processes.append(process)
        return process

    def logs(self) -> str:
        return "".join(path.read_text() for path in sorted(self.folder.glob("worker-*.log")))

    def stop_all(self) -> None:
        for process in self.processes:
            kill_group(process, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            kill_group(process, signal.SIGKILL)  # and whatever of its group is left
            process.wait(timeout=10)


def kill_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


@contextlib.contextmanager
def logged_hosts(root: Path, count: int, logs: Path) -> Iterator[list[str]]:
    """The corpus in `root` served on `count` ports, each logging to logs/host-N.jsonl."""
    with contextlib.ExitStack() as stack:
        bases = []
        for number in range(count):
            base, server = stack.enter_context(serve_logged(root))
            server.log_path = logs / f"host-{number}.jsonl"
            bases.append(base)
        yield bases


def host_requests(logs: Path, number: int) -> list:
    """The documents a host answered (pages and 404 probes; not stylesheets or images)."""
    path = logs / f"host-{number}.jsonl"
    hits = parse_log(path.read_text()) if path.exists() else []
    return [hit for hit in hits if not hit.path.startswith("/assets/")]


def sites_toml(bases: list[str], pages: int, delay: float, concurrency: int) -> str:
    text = '[[agency]]\nid = "t"\nname = "Test agency"\n'
    for number, base in enumerate(bases):
        netloc = base.split("//", 1)[1]
        text += (
            f'\n[[site]]\nid = "site-{number}"\nagency = "t"\nname = "Site {number}"\n'
            f'start_urls = ["{base}/page-00000/"]\nallowed_hosts = ["{netloc}"]\n'
            f'include = ["^/page-"]\nmax_pages = {pages}\nmax_depth = {pages}\n'
            f"max_per_pattern = {pages}\ndownload_delay = {delay}\n"
            f"concurrency_per_host = {concurrency}\nuse_sitemaps = false\n"
        )
    return text


def stored_pages(db: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(db)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM pages")).scalar_one()
    except Exception:  # not a store yet
        return 0
    finally:
        engine.dispose()


def findings_by_page(db: str, ports: dict[str, str] | None = None) -> Counter:
    """(site, path, rule, outcome, selector) of every finding, counted; pages without findings
    as (site, path, "", "", ""). Hosts differ between runs: the path and site name the page."""
    from sqlalchemy import create_engine, text

    engine = create_engine(db)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT p.site_id, p.url, coalesce(f.rule_id, ''), coalesce(f.outcome, ''),"
                    " coalesce(f.selector, '') FROM pages p LEFT JOIN findings f"
                    " ON f.page_id = p.id"
                )
            ).all()
    finally:
        engine.dispose()
    return Counter((site, "/" + url.split("/", 3)[3], *rest) for site, url, *rest in rows)


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:g} s for {what}")
        time.sleep(0.5)
