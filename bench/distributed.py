"""A distributed run with 1, 2 and 3 workers on the same pages: wall time, pages a minute and
CPU-seconds a page, with the machine's core count beside them.

    .venv/bin/python bench/distributed.py [--pages 300] [--workers [0,]1,2,3] [--concurrency 2]
        [--checks all] [--postgres URL] [--broker URL] [--redis URL] [--json FILE]

The corpus of bench/corpus.py, split over 3 hosts (3 ports on 127.0.0.1, a site each, no delay
and 8 requests at once per host, as bench/throughput.py measures the engine). For each number
of workers: a new PostgreSQL database and a queue of its own; the workers (`massaudit worker`,
each in its own process group) are started and waited for until the queue has them all as
consumers; then `massaudit run --distributed` runs to completion, and its wall time is the
configuration's (the command's, and the run's own from the store: without the command's start-up
and the scorecard). The CPU time of every process of the workers' trees (Python, the Playwright
driver, every Chromium process) and of the coordinator's, read from /proc during the run (so
the workers' start-up is not counted), gives the CPU-seconds a page: what scales with machines,
while on one machine the cores bound what more workers can gain. `--workers 0,1,2,3` adds the
baseline: a single-process `massaudit run` on the same store and pages.

Needs PostgreSQL, RabbitMQ and Redis on 127.0.0.1 (the defaults) and the distributed extra.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).parent))

from corpus import serve_corpus, write_corpus  # noqa: E402
from proctree import tree_pids  # noqa: E402

HOSTS = 3
TICKS = os.sysconf("SC_CLK_TCK")
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEFAULT_BROKER = "amqp://guest:guest@127.0.0.1:5672//"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def sites_toml(bases: list[str], pages_each: list[int]) -> str:
    """One agency, a site per host, each its own corpus reached by links."""
    text = '[[agency]]\nid = "bench"\nname = "Benchmark agency"\n'
    for number, (base, pages) in enumerate(zip(bases, pages_each, strict=True), start=1):
        netloc = base.split("//", 1)[1]
        text += (
            f'\n[[site]]\nid = "bench-{number}"\nagency = "bench"\n'
            f'name = "Benchmark corpus {number}"\n'
            f'start_urls = ["{base}/page-00000/"]\nallowed_hosts = ["{netloc}"]\n'
            f'include = ["^/page-"]\nmax_pages = {pages}\nmax_depth = {pages}\n'
            f"max_per_pattern = {pages}\ndownload_delay = 0\nconcurrency_per_host = 8\n"
            "use_sitemaps = false\n"
        )
    return text


class CpuSampler:
    """CPU seconds of process trees, read from /proc/PID/stat every `interval`: each process's
    last reading counts (a process that ends between two readings loses at most an interval),
    less what each process had used when the sampler started."""

    def __init__(self, roots: list[int], interval: float = 0.25) -> None:
        self.roots, self.interval = roots, interval
        self._baseline: dict[tuple[int, int], float] = {}
        self._last: dict[tuple[int, int], float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _read(self) -> dict[tuple[int, int], float]:
        seen = {}
        for root in self.roots:
            for pid in tree_pids(root):
                with contextlib.suppress(OSError, IndexError, ValueError):
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    # utime, stime are fields 14 and 15 of stat, starttime 22 (1-based).
                    seen[(pid, int(fields[19]))] = (int(fields[11]) + int(fields[12])) / TICKS
        return seen

    def __enter__(self) -> CpuSampler:
        self._baseline = self._read()
        self._last = dict(self._baseline)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._last.update(self._read())

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._last.update(self._read())

    @property
    def seconds(self) -> float:
        return sum(cpu - self._baseline.get(key, 0.0) for key, cpu in self._last.items())


@contextlib.contextmanager
def fresh_database(admin_url: str):
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"massaudit_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def consumers(broker: str, queue: str) -> int:
    """Consumers of `queue`, 0 while it does not exist yet."""
    from kombu import Connection

    with Connection(broker, connect_timeout=5) as connection:
        try:
            return connection.channel().queue_declare(queue=queue, passive=True).consumer_count
        except Exception:  # noqa: BLE001 - the queue is not declared yet: no consumer
            return 0


def delete_queue(broker: str, queue: str) -> None:
    from kombu import Connection

    with Connection(broker, connect_timeout=5) as connection, contextlib.suppress(Exception):
        connection.channel().queue_delete(queue=queue)
        connection.channel().exchange_delete(exchange=queue)


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "massaudit.cli", *args]


def start_workers(count: int, db: str, args: argparse.Namespace, queue: str, logs: Path):
    workers = []
    for number in range(count):
        log = (logs / f"worker-{number}.log").open("w")
        command = cli(
            "worker",
            *("--db", db, "--broker", args.broker, "--redis", args.redis, "--queue", queue),
            *("--concurrency", str(args.concurrency)),
        )
        workers.append(
            subprocess.Popen(
                command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        )
    deadline = time.monotonic() + 180
    while consumers(args.broker, queue) < count:
        dead = [w.args for w in workers if w.poll() is not None]
        if dead or time.monotonic() > deadline:
            stop_workers(workers)
            tail = (logs / "worker-0.log").read_text()[-2000:]
            raise SystemExit(f"the workers did not all start consuming {queue}:\n{tail}")
        time.sleep(0.5)
    return workers


def stop_workers(workers: list[subprocess.Popen]) -> None:
    """SIGTERM to each worker's process group (pages in hand finish), SIGKILL after a minute."""
    for worker in workers:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGTERM)
    deadline = time.monotonic() + 60
    for worker in workers:
        try:
            worker.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def create_store(db: str) -> None:
    """The store's tables, before the workers open it (only a coordinator creates a store)."""
    from massaudit.store.db import Store

    Store(db, create=True).close()


def stored(db: str) -> dict[str, Any]:
    from sqlalchemy import create_engine, text

    engine = create_engine(db)
    try:
        with engine.connect() as conn:
            runs = conn.execute(
                text("SELECT id, status, started_at, finished_at FROM runs ORDER BY id")
            ).all()
            states = conn.execute(
                text("SELECT state, count(*) FROM url_states GROUP BY state ORDER BY state")
            ).all()
            pages = conn.execute(text("SELECT count(*) FROM pages")).scalar_one()
            findings = conn.execute(text("SELECT count(*) FROM findings")).scalar_one()
    finally:
        engine.dispose()
    return {
        "runs": [
            {
                "id": run_id,
                "status": status,
                "seconds": round((finished - started).total_seconds(), 2) if finished else None,
            }
            for run_id, status, started, finished in runs
        ],
        "url_states": {state: count for state, count in states},
        "pages": pages,
        "findings": findings,
    }


def one_configuration(count: int, tmp: Path, args: argparse.Namespace) -> dict[str, Any]:
    queue = f"massaudit.bench.{uuid.uuid4().hex[:8]}"
    logs = (args.logs or tmp) / f"workers-{count}-{queue.rsplit('.', 1)[1]}"
    logs.mkdir(parents=True)
    with fresh_database(args.postgres) as db:
        create_store(db)
        workers = start_workers(count, db, args, queue, logs)
        coordinator_log = (logs / "coordinator.log").open("w")
        try:
            command = cli(
                "run",
                *("--sites", str(tmp / "sites.toml"), "--db", db, "--out", str(logs / "out")),
                *("--log", str(logs / "run.jsonl"), "--quiet", "--checks", args.checks),
            )
            if count:
                command += ["--distributed", "--broker", args.broker, "--redis", args.redis]
                command += ["--queue", queue]
            else:  # one process on its own, as many pages in flight as one worker
                command += ["--concurrency", str(args.concurrency)]
            load_before = os.getloadavg()[0]
            started = time.perf_counter()
            coordinator = subprocess.Popen(
                command, cwd=REPO, stdout=coordinator_log, stderr=subprocess.STDOUT
            )
            with (
                CpuSampler([w.pid for w in workers]) as worker_cpu,
                CpuSampler([coordinator.pid]) as coordinator_cpu,
            ):
                try:
                    exit_code = coordinator.wait(timeout=args.run_timeout)
                except subprocess.TimeoutExpired:
                    coordinator.kill()
                    exit_code = f"timed out after {args.run_timeout} s"
            seconds = time.perf_counter() - started
            load_after = os.getloadavg()[0]
        finally:
            stop_workers(workers)
            delete_queue(args.broker, queue)
        counts = stored(db)
    audited = counts["url_states"].get("audited", 0)
    # Without workers the run's one process did everything.
    working = worker_cpu.seconds if count else coordinator_cpu.seconds
    run_seconds = counts["runs"][-1]["seconds"] if counts["runs"] else None
    return {
        "workers": count,
        "concurrency_per_worker": args.concurrency,
        "coordinator_exit": exit_code,
        "seconds": round(seconds, 2),
        "pages_audited": audited,
        "pages_per_min": round(audited / seconds * 60, 1) if seconds else None,
        # From the run's start to its end as stored: without the command's start-up and the
        # scorecard written after the run.
        "run_seconds": run_seconds,
        "pages_per_min_in_run": round(audited / run_seconds * 60, 1) if run_seconds else None,
        "worker_cpu_seconds": round(worker_cpu.seconds, 1),
        "coordinator_cpu_seconds": round(coordinator_cpu.seconds, 1),
        "cpu_seconds_per_page": round(working / audited, 3) if audited else None,
        "cpu_seconds_per_page_with_coordinator": (
            round((worker_cpu.seconds + coordinator_cpu.seconds) / audited, 3) if audited else None
        ),
        "load_average": [round(load_before, 1), round(load_after, 1)],
        "stored": counts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument(
        "--workers",
        default="1,2,3",
        help="worker counts, comma-separated; 0: a single-process `massaudit run` on the same "
        "store and pages, with --concurrency pages in flight (the baseline)",
    )
    parser.add_argument("--concurrency", type=int, default=2, help="pages in flight per worker")
    parser.add_argument("--checks", default="all", choices=("all", "axe"))
    parser.add_argument("--postgres", default=os.environ.get("MASSAUDIT_TEST_POSTGRES"))
    parser.add_argument("--broker", default=os.environ.get("MASSAUDIT_TEST_BROKER"))
    parser.add_argument("--redis", default=os.environ.get("MASSAUDIT_TEST_REDIS"))
    parser.add_argument("--run-timeout", type=float, default=1800.0)
    parser.add_argument("--json", help="write the figures to this file as JSON")
    parser.add_argument(
        "--logs", type=Path, help="keep the workers' and the coordinator's logs in this folder"
    )
    args = parser.parse_args()
    args.postgres = args.postgres or DEFAULT_POSTGRES
    args.broker = args.broker or DEFAULT_BROKER
    args.redis = args.redis or DEFAULT_REDIS
    counts = [int(n) for n in args.workers.split(",")]
    each = [args.pages // HOSTS + (1 if n < args.pages % HOSTS else 0) for n in range(HOSTS)]
    cores = os.cpu_count() or 1

    results = []
    with tempfile.TemporaryDirectory(prefix="massaudit-distributed-") as name:
        tmp = Path(name)
        with contextlib.ExitStack() as servers:
            bases = []
            for number, pages in enumerate(each, start=1):
                root = tmp / f"site-{number}"
                write_corpus(root, pages)
                bases.append(servers.enter_context(serve_corpus(root, {})))
            (tmp / "sites.toml").write_text(sites_toml(bases, each))
            print(
                f"{args.pages} pages on {HOSTS} hosts, --checks {args.checks}, "
                f"{args.concurrency} pages in flight per worker, {cores} cores on this machine",
                flush=True,
            )
            for count in counts:
                result = one_configuration(count, tmp, args)
                results.append(result)
                print_result(result, results[0], cores)

    audited = {result["pages_audited"] for result in results}
    if len(audited) > 1:
        print(f"the configurations audited different numbers of pages: {sorted(audited)}")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "pages": args.pages,
                    "hosts": HOSTS,
                    "checks": args.checks,
                    "concurrency_per_worker": args.concurrency,
                    "cores": cores,
                    "results": results,
                },
                indent=2,
            )
            + "\n"
        )


def print_result(result: dict[str, Any], first: dict[str, Any], cores: int) -> None:
    speedup = first["seconds"] / result["seconds"] if result["seconds"] else 0.0
    workers = f"{result['workers']} worker(s)" if result["workers"] else "a single process"
    print(
        f"{workers} on {cores} cores: {result['seconds']:.1f} s, "
        f"{result['pages_audited']} pages audited, {result['pages_per_min']} pages/min "
        f"(x{speedup:.2f} of the first; in the run itself {result['run_seconds']} s, "
        f"{result['pages_per_min_in_run']} pages/min), {result['cpu_seconds_per_page']} CPU-s/page in the "
        f"{'workers' if result['workers'] else 'process'} "
        f"({result['cpu_seconds_per_page_with_coordinator']} with the coordinator), "
        f"load {result['load_average'][0]} -> {result['load_average'][1]}, "
        f"coordinator exit {result['coordinator_exit']}, "
        f"runs {[run['status'] for run in result['stored']['runs']]}",
        flush=True,
    )


if __name__ == "__main__":
    main()
