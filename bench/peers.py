"""The other tools bench/throughput.py runs beside massaudit on the same pages: @axe-core/cli
(Deque's command line, Selenium WebDriver and Chrome), installed with npm into bench/.cache/
like pa11y-ci and pointed at the system Chromium and Debian's chromedriver
(`apt-get install chromium-driver`), with the same axe-core as massaudit and the same tags.

@axe-core/cli audits its URLs one after another in one browser; for N pages in flight the URLs
are split into N lists, each audited by its own process, all at once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

from proctree import tree_rss_bytes

from massaudit.audits.axe import AXE_TAGS, VENDOR_DIR

CACHE = Path(__file__).parent / ".cache"
AXE_CLI_VERSION = "4.13.0"
CHROMEDRIVER = os.environ.get("MASSAUDIT_BENCH_CHROMEDRIVER", "/usr/bin/chromedriver")


def ensure_axe_cli() -> Path | None:
    """The `axe` command of @axe-core/cli, installed once (its chromedriver download skipped);
    None when Debian's chromedriver is missing (`apt-get install chromium-driver`)."""
    if not (Path(CHROMEDRIVER).is_file() or shutil.which("chromedriver")):
        return None
    return npm_install(
        f"@axe-core/cli@{AXE_CLI_VERSION}", "axe", {"CHROMEDRIVER_SKIP_DOWNLOAD": "true"}
    )


def npm_install(package: str, binary_name: str, environment: dict[str, str]) -> Path:
    """`package` (name@version) installed once into bench/.cache/, without a lock file; returns
    the path of its command `binary_name`."""
    folder = CACHE / package.lstrip("@").replace("/", "-").replace("@", "-")
    binary = folder / "node_modules" / ".bin" / binary_name
    if not binary.exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "npm",
                "install",
                "--no-save",
                "--no-package-lock",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(folder),
                package,
            ],
            check=True,
            env={**os.environ, **environment},
            stdout=subprocess.DEVNULL,
        )
    return binary


def axe_cli_commands(binary: Path, urls: list[str], in_flight: int, chromium: str) -> list[list]:
    """One `axe` command a list of URLs, `in_flight` lists."""
    chunks = [urls[n::in_flight] for n in range(in_flight) if urls[n::in_flight]]
    options = "no-sandbox,disable-gpu,disable-dev-shm-usage"
    return [
        [
            str(binary),
            *chunk,
            "--chromedriver-path",
            CHROMEDRIVER if Path(CHROMEDRIVER).is_file() else shutil.which("chromedriver"),
            "--chrome-path",
            chromium,
            f"--chrome-options={options}",
            "--axe-source",
            str(VENDOR_DIR / "axe.min.js"),
            "--tags",
            ",".join(AXE_TAGS),
            "--no-reporter",
            "--timeout",
            "60",
        ]
        for chunk in chunks
    ]


def measure_together(commands: list[list[str]]) -> tuple[float, int]:
    """(seconds until the last ends, peak RSS of all their process trees together)."""
    started = time.perf_counter()
    processes = [
        subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for c in commands
    ]
    peak, done = 0, threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, sum(tree_rss_bytes(p.pid) or 0 for p in processes))
            done.wait(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    errors = [(p, p.communicate()[1]) for p in processes]
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    for process, stderr in errors:
        if process.returncode != 0:
            raise RuntimeError(f"axe exited {process.returncode}: {stderr[-500:]}")
    return seconds, peak
