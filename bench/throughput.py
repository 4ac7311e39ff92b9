"""Pages per minute and peak memory: massaudit against the bare limit and pa11y-ci.

    .venv/bin/python bench/throughput.py [--pages 200] [--repeat 3] [--concurrency 2]
                                         [--skip-pa11y] [--json FILE]

On the same corpus (bench/corpus.py, served on 127.0.0.1) and in the same run it measures:
- limit: a minimal Playwright + axe-core loop with the same tags and pages in flight;
- massaudit run --checks axe: the nightly audit with axe rules only;
- massaudit run: the nightly audit with every check;
- pa11y-ci (axe runner), installed by this script into bench/.cache/ and pointed at the
  system Chromium.
It prints pages/min (median of the repeats), our ratios to the limit and to pa11y-ci, and the
peak RSS of each process tree (Python plus browser processes).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).parent))

from corpus import sites_toml, write_corpus  # noqa: E402
from proctree import RssSampler  # noqa: E402

from audits.axe import axe_source  # noqa: E402
from audits.browser import CHROMIUM_ARGS, find_chromium  # noqa: E402
from audits.collector import AXE_RUN_OPTIONS  # noqa: E402
from massaudit.demo.server import serve_directory  # noqa: E402

CACHE = Path(__file__).parent / ".cache"
PA11Y_CI_VERSION = "4.1.1"

# The fastest honest minimal loop: axe-core injected once per context as an init script, the
# same run options as massaudit's (tags and result types), one page per worker reused across
# navigations, results returned to Python and dropped.
LIMIT_SCRIPT = r"""
import asyncio, json, sys
from playwright.async_api import async_playwright
urls, concurrency, executable, args, options, axe = json.load(sys.stdin)
async def main():
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=executable, args=args)
        context = await browser.new_context()
        await context.add_init_script(script=axe)
        queue = list(reversed(urls))
        async def worker():
            page = await context.new_page()
            while queue:
                await page.goto(queue.pop(), wait_until="load")
                await page.evaluate("(options) => axe.run(document, options)", options)
            await page.close()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        await browser.close()
asyncio.run(main())
"""


def measure(
    command: list[str], stdin: str | None = None, env: dict | None = None
) -> tuple[float, int]:
    """(seconds, peak RSS bytes of the process tree) for one command."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=REPO,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    with RssSampler(process.pid) as sampler:
        _, stderr = process.communicate(stdin)
    seconds = time.perf_counter() - started
    if process.returncode not in (0, 1, 2) or (
        process.returncode == 2 and "pa11y" not in command[0]
    ):
        raise RuntimeError(f"{command[:3]} exited {process.returncode}: {stderr[-500:]}")
    return seconds, sampler.peak


def ensure_pa11y_ci() -> Path:
    folder = CACHE / f"pa11y-ci-{PA11Y_CI_VERSION}"
    binary = folder / "node_modules" / ".bin" / "pa11y-ci"
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
                f"pa11y-ci@{PA11Y_CI_VERSION}",
            ],
            check=True,
            env={**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1"},
            stdout=subprocess.DEVNULL,
        )
    return binary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--skip-pa11y", action="store_true")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    executable = find_chromium() or ""
    results: dict[str, list[tuple[float, int]]] = {}
    with tempfile.TemporaryDirectory(prefix="massaudit-bench-") as tmp_name:
        tmp = Path(tmp_name)
        paths = write_corpus(tmp / "corpus", args.pages)
        pa11y = None if args.skip_pa11y else ensure_pa11y_ci()
        with serve_directory(tmp / "corpus") as base:
            urls = [base + p for p in paths]
            (tmp / "sites.toml").write_text(sites_toml(base, args.pages))
            pa11y_config = tmp / "pa11y.json"
            pa11y_config.write_text(
                json.dumps(
                    {
                        "defaults": {
                            "runners": ["axe"],
                            "concurrency": args.concurrency,
                            "timeout": 60000,
                            "chromeLaunchConfig": {
                                "executablePath": executable,
                                "args": list(CHROMIUM_ARGS),
                            },
                        },
                        "urls": urls,
                    }
                )
            )
            runs = {
                "limit": lambda: measure(
                    [sys.executable, "-c", LIMIT_SCRIPT],
                    stdin=json.dumps(
                        [
                            urls,
                            args.concurrency,
                            executable or None,
                            list(CHROMIUM_ARGS),
                            AXE_RUN_OPTIONS,
                            axe_source(),
                        ]
                    ),
                ),
                "massaudit --checks axe": lambda: massaudit_run(tmp, args, "axe"),
                "massaudit (every check)": lambda: massaudit_run(tmp, args, "all"),
            }
            if pa11y is not None:
                runs["pa11y-ci"] = lambda: measure([str(pa11y), "--config", str(pa11y_config)])
            for repeat in range(args.repeat):
                for name, run in runs.items():
                    results.setdefault(name, []).append(run())
                    seconds, peak = results[name][-1]
                    print(
                        f"  repeat {repeat + 1}: {name:26s} {seconds:7.1f} s, peak RSS {peak / 2**20:6.0f} MiB",
                        file=sys.stderr,
                    )
    report = {}
    for name, samples in results.items():
        seconds = statistics.median(s for s, _ in samples)
        report[name] = {
            "pages_per_min": round(args.pages / seconds * 60, 1),
            "seconds": round(seconds, 2),
            "peak_rss_mib": round(max(p for _, p in samples) / 2**20, 1),
        }
    print(f"\n{args.pages} pages, {args.concurrency} in flight, median of {args.repeat}:")
    for name, row in report.items():
        print(
            f"  {name:26s} {row['pages_per_min']:7.1f} pages/min  peak RSS {row['peak_rss_mib']:7.1f} MiB"
        )
    limit = report["limit"]["pages_per_min"]
    for name in ("massaudit --checks axe", "massaudit (every check)"):
        ours = report[name]["pages_per_min"]
        line = f"  {name}: {ours / limit:.0%} of the limit"
        if "pa11y-ci" in report:
            line += f", {ours / report['pa11y-ci']['pages_per_min']:.1f}x pa11y-ci"
        print(line)
    if args.json:
        Path(args.json).write_text(
            json.dumps({"pages": args.pages, "results": report}, indent=2) + "\n"
        )


def massaudit_run(tmp: Path, args: argparse.Namespace, checks: str) -> tuple[float, int]:
    db = tmp / f"run-{checks}-{time.monotonic_ns()}.sqlite"
    return measure(
        [
            sys.executable,
            "-m",
            "massaudit.cli",
            "run",
            "--sites",
            str(tmp / "sites.toml"),
            "--db",
            str(db),
            "--out",
            str(tmp / "out"),
            "--quiet",
            "--full",
            "--concurrency",
            str(args.concurrency),
            "--checks",
            checks,
        ]
    )


if __name__ == "__main__":
    main()
