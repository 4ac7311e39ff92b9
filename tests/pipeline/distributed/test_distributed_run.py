"""A distributed run against the machine's real RabbitMQ, Redis and PostgreSQL, with real
Chromium in every worker (skipped, with the reason, where a service is missing).

The kill test: a coordinator and 3 workers audit 150 pages on 3 hosts; a third of the way in,
one worker's whole process group is killed with SIGKILL. The run completes with the pages and
findings of a single-process SQLite run of the same site, its lost job was delivered again, and
no host's log shows more documents in flight than its concurrency or two closer than its delay
allows. Axe-core's rules only and no screenshots: the comparison needs no more, and it keeps the
test within a few minutes on 2 cores.
"""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
from distributed_run import (
    Workers,
    findings_by_page,
    host_requests,
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

# Last: bench/incremental.py must not hide the package of that name that Twisted imports.
sys.path.append(str(REPO / "bench"))

from corpus import write_corpus  # noqa: E402
from request_log import max_in_flight  # noqa: E402

pytestmark = pytest.mark.long

HOSTS, PAGES_EACH, DELAY, CONCURRENCY = 3, 50, 0.1, 2
# The server's receive timestamps are the kernel's, turned into time.monotonic by reading both
# clocks once a request: a few milliseconds at most between two requests on a loaded machine.
CLOCK_CONVERSION = 0.005


# Two runs of 150 pages take about 2 CPU-minutes, but 10 minutes when other jobs load the 2
# cores 15 times over; the suite's 600 s would fail it for the machine's load, not the run's.
@pytest.mark.timeout(1800)
def test_a_worker_killed_mid_run_loses_and_doubles_nothing(tmp_path, postgres_url):
    with services(postgres_url) as found:
        write_corpus(tmp_path / "site", PAGES_EACH)
        logs = tmp_path / "logs"
        logs.mkdir()
        with logged_hosts(tmp_path / "site", HOSTS, logs) as bases:
            sites = tmp_path / "sites.toml"
            sites.write_text(sites_toml(bases, PAGES_EACH, DELAY, CONCURRENCY))
            reference = tmp_path / "single.sqlite"
            single_process_run(sites, reference, tmp_path / "single")
            for log in logs.glob("*.jsonl"):  # the distributed run's requests only
                log.unlink()
            workers = Workers(found, tmp_path)
            try:
                for _ in range(3):
                    workers.start()
                coordinator = subprocess.Popen(
                    run_command(found, sites, tmp_path / "out"),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                total = HOSTS * PAGES_EACH
                wait_for(lambda: stored_pages(found.db) >= total // 3, 600, "a third of the pages")
                kill_group(workers.processes[0], signal.SIGKILL)
                out, err = coordinator.communicate(timeout=900)
            finally:
                workers.stop_all()
        assert coordinator.returncode == 0, err + out
        expected = findings_by_page(f"sqlite:///{reference}")
        got = findings_by_page(found.db)
        assert expected
        assert got == expected
        assert stored_pages(found.db) == total
        assert "job delivered again" in workers.logs()
        for number in range(HOSTS):
            documents = host_requests(logs, number)
            assert documents, f"host {number} answered nothing"
            assert max_in_flight(documents) <= CONCURRENCY
            starts = [hit.start for hit in documents]
            # Each request keeps the host's next one 0.5 to 1.5 times the delay behind the
            # moment it went out, as Scrapy randomises it.
            gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
            assert min(gaps) >= 0.5 * DELAY - CLOCK_CONVERSION
