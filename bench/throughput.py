"""Pages per minute and peak memory: massaudit against the bare limit and pa11y-ci.

    .venv/bin/python bench/throughput.py [--pages 200] [--repeat 3] [--concurrency 2]
                                         [--corpus DIR] [--adaptive] [--skip-pa11y]
                                         [--skip-axe-cli] [--json FILE]

On the same corpus (bench/corpus.py, or with `--corpus` any folder of saved pages,
bench/corpus_dir.py; served on 127.0.0.1) and in the same run it measures:
- limit: a minimal Playwright + axe-core loop with the same axe options and pages in flight
  (and "limit, JSON results": the same loop taking results as JSON text, the fastest we know);
- massaudit run --checks axe: the nightly audit with axe rules only;
- massaudit run: the nightly audit with every check;
- massaudit run, keyboard off: every check but the keyboard walk (sites.toml's
  checks.keyboard_stops = 0), so the keyboard checks' cost is the difference of the two;
- massaudit run, screenshots off: every check, no screenshots (--screenshots 0), so the
  screenshots' cost is its difference with the every-check run (which takes them, as a run
  does by default);
- pa11y-ci (axe runner), installed by this script into bench/.cache/ and pointed at the
  system Chromium;
- @axe-core/cli, installed the same way and run with Debian's chromedriver (bench/peers.py);
- with `--adaptive`, massaudit with every check and its pages in flight adapting (no
  `--concurrency`), whose chosen pages in flight over time it prints.
It prints pages/min (median of the repeats), our ratios to both limits and to pa11y-ci, the
peak RSS of each process tree (Python plus browser processes), and what the browser's second
download of each page (the crawler fetched it first) costs against a page's whole audit, and
the keyboard checks' cost: pages/min with and without them, and the walk's median share of a
page's audit time with the Tab stops it walked; and the screenshots' cost: pages/min with and
without them, their median time a page and the bytes of images a page.
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
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).parent))

from corpus import massaudit_command  # noqa: E402
from corpus_dir import bench_pages  # noqa: E402
from peers import axe_cli_commands, ensure_axe_cli, measure_together, npm_install  # noqa: E402
from proctree import RssSampler  # noqa: E402
from run_findings import pages_in_flight  # noqa: E402

from massaudit.audits.axe import AXE_VERSION, axe_source  # noqa: E402
from massaudit.audits.browser import CHROMIUM_ARGS, find_chromium  # noqa: E402
from massaudit.audits.page_scripts import AXE_RUN_OPTIONS  # noqa: E402

CACHE = Path(__file__).parent / ".cache"
PA11Y_CI_VERSION = "4.1.1"
KEYBOARD_OFF = "massaudit, keyboard off"
SCREENSHOTS_OFF = "massaudit, screenshots off"
ADAPTIVE = "massaudit, adaptive"

# Minimal loops: axe-core injected once per context as an init script, massaudit's run options
# (tags and result types), one page per worker reused across navigations, results returned to
# Python and dropped. "limit" takes the results as Playwright returns objects; "limit, JSON
# results" as JSON text, as massaudit does: the fastest loop we know, printed for reference.
LIMIT_SCRIPT = r"""
import asyncio, json, sys
from playwright.async_api import async_playwright
urls, concurrency, executable, args, options, axe, as_json = json.load(sys.stdin)
run = "(options) => axe.run(document, options)"
if as_json:
    run = "(options) => axe.run(document, options).then((r) => JSON.stringify(r))"
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
                result = await page.evaluate(run, options)
                if as_json:
                    json.loads(result)
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
    return npm_install(f"pa11y-ci@{PA11Y_CI_VERSION}", "pa11y-ci", {"PUPPETEER_SKIP_DOWNLOAD": "1"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--corpus", type=Path, help="a folder of saved pages instead")
    parser.add_argument("--adaptive", action="store_true")
    parser.add_argument("--skip-pa11y", action="store_true")
    parser.add_argument("--skip-axe-cli", action="store_true")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    executable = find_chromium() or ""
    results: dict[str, list[tuple[float, int]]] = {}
    timings: list[dict[str, float]] = []  # massaudit's per-page timings, from its run logs
    shot_bytes: list[int] = []  # bytes of screenshots a page, of the every-check runs
    in_flight: list[list[list[float]]] = []  # pages in flight over time, of the adaptive runs
    with tempfile.TemporaryDirectory(prefix="massaudit-bench-") as tmp_name:
        tmp = Path(tmp_name)
        pa11y = None if args.skip_pa11y else ensure_pa11y_ci()
        axe_cli = None if args.skip_axe_cli else ensure_axe_cli()
        with bench_pages(tmp, args.pages, args.corpus) as (base, urls, sites):
            args.pages = len(urls)
            (tmp / "sites.toml").write_text(sites)
            no_keyboard = tmp / "no-keyboard"
            no_keyboard.mkdir()
            (no_keyboard / "sites.toml").write_text(f"[checks]\nkeyboard_stops = 0\n\n{sites}")
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

            def limit(as_json: bool):
                return lambda: measure(
                    [sys.executable, "-c", LIMIT_SCRIPT],
                    stdin=json.dumps(
                        [
                            urls,
                            args.concurrency,
                            executable or None,
                            list(CHROMIUM_ARGS),
                            AXE_RUN_OPTIONS,
                            axe_source(),
                            as_json,
                        ]
                    ),
                )

            runs = {
                "limit": limit(False),
                "limit, JSON results": limit(True),
                "massaudit --checks axe": lambda: massaudit_run(tmp, args, "axe", timings),
                "massaudit (every check)": lambda: massaudit_run(
                    tmp, args, "all", timings, shot_bytes=shot_bytes
                ),
                KEYBOARD_OFF: lambda: massaudit_run(no_keyboard, args, "all", []),
                SCREENSHOTS_OFF: lambda: massaudit_run(tmp, args, "all", [], "--screenshots", "0"),
            }
            if args.adaptive:
                runs[ADAPTIVE] = lambda: massaudit_run(tmp, args, "all", [], in_flight=in_flight)
            if axe_cli is not None:
                commands = axe_cli_commands(axe_cli, urls, args.concurrency, executable)
                runs["@axe-core/cli"] = lambda: measure_together(commands)
            if pa11y is not None:
                runs["pa11y-ci"] = lambda: measure([str(pa11y), "--config", str(pa11y_config)])
            for repeat in range(args.repeat):
                for name, run in runs.items():
                    results.setdefault(name, []).append(run())
                    seconds, peak = results[name][-1]
                    print(
                        f"  repeat {repeat + 1}: {name:26s} {seconds:7.1f} s, "
                        f"peak RSS {peak / 2**20:6.0f} MiB",
                        file=sys.stderr,
                    )
    report = {}
    for name, samples in results.items():
        seconds = statistics.median(s for s, _ in samples)
        report[name] = {
            "pages_per_min": round(args.pages / seconds * 60, 1),
            "seconds": round(seconds, 2),
            "peak_rss_mib": round(max(p for _, p in samples) / 2**20, 1),
            "repeats_seconds": [round(s, 2) for s, _ in samples],
        }
    where = f" of {args.corpus}" if args.corpus else ""
    print(f"\n{args.pages} pages{where}, {args.concurrency} in flight, median of {args.repeat}:")
    print(f"  load average {os.getloadavg()[0]:.1f} at the end, {os.cpu_count()} cores")
    for name, row in report.items():
        print(
            f"  {name:26s} {row['pages_per_min']:7.1f} pages/min  "
            f"peak RSS {row['peak_rss_mib']:7.1f} MiB"
        )
    ratios = {}
    for name in ("massaudit --checks axe", "massaudit (every check)", ADAPTIVE):
        if name not in report:
            continue
        ours = report[name]["pages_per_min"]
        ratios[name] = {
            "of_limit": round(ours / report["limit"]["pages_per_min"], 3),
            "of_limit_json": round(ours / report["limit, JSON results"]["pages_per_min"], 3),
        }
        line = (
            f"  {name}: {ratios[name]['of_limit']:.0%} of the limit "
            f"({ratios[name]['of_limit_json']:.0%} of the JSON-results limit)"
        )
        if "pa11y-ci" in report:
            ratios[name]["x_pa11y_ci"] = round(ours / report["pa11y-ci"]["pages_per_min"], 2)
            line += f", {ratios[name]['x_pa11y_ci']:.1f}x pa11y-ci"
        if "@axe-core/cli" in report:
            ratios[name]["x_axe_cli"] = round(ours / report["@axe-core/cli"]["pages_per_min"], 2)
            line += f", {ratios[name]['x_axe_cli']:.1f}x @axe-core/cli"
        print(line)
    for n, history in enumerate(in_flight, 1):
        steps = ", ".join(f"{pages:g} at {seconds:g} s" for seconds, pages in history)
        print(f"  {ADAPTIVE}, run {n}: pages in flight {steps}")
    fetch = document_fetch_share(timings)
    if fetch:
        print(
            f"  the browser's second download of each page (the crawler fetched it first): "
            f"median {fetch['document_fetch_ms']:.1f} ms of {fetch['total_ms']:.0f} ms a page "
            f"({fetch['share']:.1%})"
        )
    keyboard = keyboard_cost(report, timings)
    if keyboard:
        print(
            f"  keyboard checks: {keyboard['pages_per_min_on']:.1f} pages/min on, "
            f"{keyboard['pages_per_min_off']:.1f} off ({keyboard['run_share']:.0%} of the run's "
            f"time); the walk took median {keyboard['keyboard_ms']:.0f} ms of "
            f"{keyboard['total_ms']:.0f} ms a page ({keyboard['page_share']:.0%}), "
            f"{keyboard['stops']:.0f} Tab stops a page"
        )
    shots = screenshots_cost(report, timings, shot_bytes)
    if shots:
        print(
            f"  screenshots: {shots['pages_per_min_on']:.1f} pages/min with them, "
            f"{shots['pages_per_min_off']:.1f} without ({shots['run_share']:.0%} of the run's "
            f"time); median {shots['screenshots_ms']:.0f} ms a page "
            f"({shots['page_share']:.0%} of its audit), {shots['kib_per_page']:.1f} KiB of "
            "images a page"
        )
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "pages": args.pages,
                    "concurrency": args.concurrency,
                    "repeats": args.repeat,
                    "cores": os.cpu_count(),
                    "chromium": executable,
                    "axe_core": AXE_VERSION,
                    "pa11y_ci": None if args.skip_pa11y else PA11Y_CI_VERSION,
                    "corpus": str(args.corpus) if args.corpus else None,
                    "pages_in_flight": in_flight,
                    "results": report,
                    "ratios": ratios,
                    "document_fetch": fetch,
                    "keyboard": keyboard,
                    "screenshots": shots,
                },
                indent=2,
            )
            + "\n"
        )


def massaudit_run(
    tmp: Path,
    args: argparse.Namespace,
    checks: str,
    timings: list[dict[str, float]],
    *flags: str,
    shot_bytes: list[int] | None = None,
    in_flight: list[list[list[float]]] | None = None,
) -> tuple[float, int]:
    """One massaudit run; with `in_flight`, its pages in flight adapt, and are kept there."""
    db = tmp / f"run-{checks}-{time.monotonic_ns()}.sqlite"
    log = db.with_suffix(".jsonl")
    concurrency = None if in_flight is not None else args.concurrency
    command = massaudit_command(tmp, db=db, log=log, concurrency=concurrency, checks=checks)
    measured = measure([*command, *flags])
    if shot_bytes is not None:
        shot_bytes.extend(screenshot_bytes_per_page(db))
    if in_flight is not None:
        in_flight.append(pages_in_flight(log))
    for line in log.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        if event.get("event") == "page audited" and event.get("timings"):
            timings.append(event["timings"])
    return measured


def keyboard_cost(
    report: dict[str, dict[str, Any]], timings: list[dict[str, float]]
) -> dict[str, float] | None:
    """Pages/min with and without the keyboard walk, the share of the run's time it costs, and
    its median share of a page's audit time (from the every-check runs' page timings)."""
    on, off = report.get("massaudit (every check)"), report.get(KEYBOARD_OFF)
    walks = [t for t in timings if "keyboard_ms" in t and "total_ms" in t]
    if not on or not off or not walks:
        return None
    return {
        "pages_per_min_on": on["pages_per_min"],
        "pages_per_min_off": off["pages_per_min"],
        "run_share": round(1 - off["seconds"] / on["seconds"], 4),
        "keyboard_ms": statistics.median(t["keyboard_ms"] for t in walks),
        "total_ms": statistics.median(t["total_ms"] for t in walks),
        "page_share": round(statistics.median(t["keyboard_ms"] / t["total_ms"] for t in walks), 4),
        "stops": statistics.median(t.get("keyboard_stops", 0) for t in walks),
    }


def screenshot_bytes_per_page(db: Path) -> list[int]:
    from massaudit.store.db import Store

    store = Store(str(db), create=False)
    try:
        pages = [page.id for run in store.runs() for page in store.pages(run.id)]
        sizes = dict.fromkeys(pages, 0)
        for row in store.screenshots(pages):
            sizes[row.page_id] += row.size
        return list(sizes.values())
    finally:
        store.close()


def screenshots_cost(
    report: dict[str, dict[str, Any]], timings: list[dict[str, float]], shot_bytes: list[int]
) -> dict[str, float] | None:
    """Pages/min with and without screenshots, the share of the run's time they cost, their
    median time a page and share of its audit (from the every-check runs' page timings), and
    the bytes of images a page."""
    on, off = report.get("massaudit (every check)"), report.get(SCREENSHOTS_OFF)
    taken = [t for t in timings if "screenshots_ms" in t and "total_ms" in t]
    if not on or not off or not taken:
        return None
    return {
        "pages_per_min_on": on["pages_per_min"],
        "pages_per_min_off": off["pages_per_min"],
        "run_share": round(1 - off["seconds"] / on["seconds"], 4),
        "screenshots_ms": statistics.median(t["screenshots_ms"] for t in taken),
        "page_share": round(
            statistics.median(
                t["screenshots_ms"] / (t["total_ms"] + t["screenshots_ms"]) for t in taken
            ),
            4,
        ),
        "kib_per_page": round(statistics.mean(shot_bytes) / 1024, 1) if shot_bytes else 0.0,
    }


def document_fetch_share(timings: list[dict[str, float]]) -> dict[str, float] | None:
    """Median time the browser spent downloading each page's HTML, against a page's total."""
    fetches = [t["document_fetch_ms"] for t in timings if "document_fetch_ms" in t]
    totals = [t["total_ms"] for t in timings if "total_ms" in t]
    if not fetches or not totals:
        return None
    fetch, total = statistics.median(fetches), statistics.median(totals)
    return {"document_fetch_ms": fetch, "total_ms": total, "share": round(fetch / total, 4)}


if __name__ == "__main__":
    main()
