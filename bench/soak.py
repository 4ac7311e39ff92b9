"""Soak: a long run with hostile pages mixed in, then its twin killed with kill -9 and resumed.

    .venv/bin/python bench/soak.py [--pages 5000] [--hostile-share 0.02] [--page-timeout 10]
                                   [--concurrency 2] [--seed 2026] [--run-timeout SECONDS]
                                   [--json FILE]

Serves a corpus of N pages (bench/corpus.py) on 127.0.0.1 in which a share of the pages, spread
evenly, are hostile: one reloads itself, one runs an endless script after load, one opens dialogs,
one is larger than max_page_bytes, one waits 40 s for an image, and one has its Chromium renderer
killed from outside (the server tells the bench when the page's image is asked for, and the bench
SIGKILLs the busiest `--type=renderer` process of the run's tree while the page spins). Then:

1. the clean run: `massaudit run` over the corpus (politeness off, --page-timeout bounding each
   page). It prints pages by final state (from the store's url_states), what became of each
   hostile page, wall time, pages/min, peak RSS of the process tree (Python, Playwright driver,
   Chromium), and RSS and open files (/proc/PID/fd entries over the tree) around page 500 and at
   the end, with the end/page-500 ratios (target: within 20 %). The "around" figures are the
   median (and peak) of the samples taken while the last 10 % of pages before the mark were
   audited. Under 1,000 pages the first mark is half way instead of page 500.
2. the resumed twin: the same run into a second database, killed with SIGKILL (its whole process
   group and every process of its tree) at a random page chosen by --seed, then
   `massaudit run --resume` until the run is complete. It prints whether the twin equals the clean
   run: the same page URLs stored, the same URL states and reasons, the same findings (url,
   rule_id, selector, outcome). The verdict is about the ordinary pages; differences on hostile
   pages (a page that timed out in one run only) are counted and listed apart, not hidden.

Every run has a time limit (--run-timeout; the twin gets 1.5 times it in all), after which it is
killed and reported as not finished, so the bench always ends with its figures.

bench/soak_runner.py runs massaudit (sampling, kill -9, the renderer killer); bench/soak_compare.py
reads what each run stored and compares the twin with the clean run.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import random
import statistics
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).parent))

from corpus import hostile_pages, massaudit_command, serve_corpus, sites_toml, write_corpus  # noqa: E402
from memory import page_times  # noqa: E402
from soak_compare import Stored, compare, final_states, latest_run, state_text, stored  # noqa: E402
from soak_runner import RendererKiller, RunResult, run_massaudit  # noqa: E402

from massaudit.crawler.sites import Site  # noqa: E402

MAX_PAGE_BYTES = 10 * 1024 * 1024
MAX_RESUMES = 5


def window_figures(
    mark: int, done_at: list[float], run: RunResult
) -> dict[str, float | int] | None:
    """RSS and open files while the last 10 % of pages before `mark` were audited."""
    if mark < 1 or mark > len(done_at):
        return None
    end = done_at[mark - 1]
    start = done_at[max(0, mark - max(1, mark // 10)) - 1] if mark > 1 else run.started
    rss = [v for t, v in run.samples if start <= t <= end]
    fds = [v for t, v in run.fd_samples if start <= t <= end]
    if not rss or not fds:
        return None
    return {
        "page": mark,
        "rss_median_mib": round(statistics.median(rss) / 2**20, 1),
        "rss_peak_mib": round(max(rss) / 2**20, 1),
        "open_files_median": int(statistics.median(fds)),
        "open_files_max": max(fds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--hostile-share", type=float, default=0.02)
    parser.add_argument("--page-timeout", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2026, help="chooses the page of the kill -9")
    parser.add_argument(
        "--run-timeout",
        type=float,
        help="seconds before a run is killed and reported as not finished "
        "(default: 300 + 0.6 a page)",
    )
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument(
        "--keep", type=Path, help="work in this folder and keep it (databases, logs)"
    )
    args = parser.parse_args()
    if args.pages < 20:
        parser.error("--pages: at least 20")
    if not 0 <= args.hostile_share <= 0.5:
        parser.error("--hostile-share: between 0 and 0.5")
    if args.keep and args.keep.exists() and any(args.keep.iterdir()):
        parser.error(f"--keep {args.keep}: must be a new or empty folder")
    limit = args.run_timeout or 300 + 0.6 * args.pages
    hostile = hostile_pages(args.pages, args.hostile_share)
    rng = random.Random(args.seed)
    kill_at = rng.randint(max(1, args.pages // 10), max(2, args.pages * 9 // 10))
    killer = RendererKiller()
    report: dict = {
        "pages": args.pages,
        "hostile_share": args.hostile_share,
        "hostile_pages": Counter(hostile.values()),
        "page_timeout_s": args.page_timeout,
        "concurrency": args.concurrency,
        "run_timeout_s": limit,
        "cores": os.cpu_count(),
    }
    with contextlib.ExitStack() as stack:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            tmp = args.keep
        else:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="massaudit-soak-")))
        write_corpus(tmp / "corpus", args.pages)
        with serve_corpus(tmp / "corpus", hostile, on_crash=killer) as base:
            sites = sites_toml(base, args.pages)
            if "max_page_bytes" in {f.name for f in dataclasses.fields(Site)}:
                sites += f"max_page_bytes = {MAX_PAGE_BYTES}\n"
            (tmp / "sites.toml").write_text(sites)
            hostile_urls = {base + path: kind for path, kind in hostile.items()}

            def command(db: Path, log: Path, resume: bool = False) -> list[str]:
                command = massaudit_command(tmp, db=db, log=log, concurrency=args.concurrency)
                return (
                    command
                    + ["--page-timeout", str(args.page_timeout)]
                    + (["--resume"] if resume else [])
                )

            print(
                f"{args.pages} pages, {len(hostile)} hostile ({_counts(report['hostile_pages'])}),"
                f" {args.concurrency} in flight, --page-timeout {args.page_timeout:g}, "
                f"time limit {limit:.0f} s a run",
                file=sys.stderr,
            )
            clean_db, clean_log = tmp / "clean.sqlite", tmp / "clean.jsonl"
            clean = run_massaudit(
                command(clean_db, clean_log), log=clean_log, limit_s=limit, killer=killer
            )
            report["renderer_kills_clean"] = killer.kills
            print(f"  clean run: {_how(clean)}", file=sys.stderr)

            twin_db = tmp / "twin.sqlite"
            twin_log = tmp / "twin-0.jsonl"
            twin_runs = [
                run_massaudit(
                    command(twin_db, twin_log),
                    log=twin_log,
                    limit_s=limit,
                    killer=killer,
                    kill_at_page=kill_at,
                )
            ]
            print(f"  twin: {_how(twin_runs[0])} (kill -9 at page {kill_at})", file=sys.stderr)
            twin_budget = 1.5 * limit - twin_runs[0].seconds
            while (
                (latest_run(twin_db) or (0, "none"))[1] != "complete"
                and len(twin_runs) <= MAX_RESUMES
                and twin_budget > 0
            ):
                log = tmp / f"twin-{len(twin_runs)}.jsonl"
                resumed = run_massaudit(
                    command(twin_db, log, resume=True), log=log, limit_s=twin_budget, killer=killer
                )
                twin_runs.append(resumed)
                twin_budget -= resumed.seconds
                print(f"  twin --resume: {_how(resumed)}", file=sys.stderr)
                if resumed.exit_code not in (0, 1):  # refused (no incomplete run) or crashed
                    break
            report["renderer_kills_total"] = killer.kills
            report["renderer_kill_misses"] = killer.misses
            clean_done_at = page_times(clean_log) if clean_log.exists() else []
            clean_stored, twin_stored = stored(clean_db), stored(twin_db)
    report |= figures(args, clean, clean_done_at, clean_stored, hostile_urls)
    report["twin"] = twin_figures(kill_at, twin_runs, clean_stored, twin_stored, hostile_urls)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, default=str) + "\n")


def _counts(counter: Counter) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in sorted(counter.items()))


def _how(run: RunResult) -> str:
    if run.timed_out:
        return f"did not finish in its time limit: killed after {run.seconds:.0f} s"
    if not run.finished:
        return f"killed after {run.seconds:.0f} s"
    tail = f": {run.stderr_tail.splitlines()[-1]}" if run.exit_code not in (0, 1) else ""
    return f"exit {run.exit_code} after {run.seconds:.0f} s{tail}"


def figures(
    args: argparse.Namespace,
    run: RunResult,
    done_at: list[float],
    store: Stored,
    hostile_urls: dict[str, str],
) -> dict:
    final = sum(1 for state, _ in store.states.values() if state != "queued")
    states = final_states(store)
    per_min = final / run.seconds * 60 if run.seconds else 0.0
    print(f"\nClean run: {_how(run)}, run status {store.status}")
    print(
        f"  {final} URLs in a final state in {run.seconds:.0f} s: {per_min:.0f} pages/min; "
        f"peak RSS of the process tree {max((v for _, v in run.samples), default=0) / 2**20:.0f} MiB"
    )
    print("  pages by final state:")
    for state, count in states.items():
        print(f"    {state:32s} {count:6d}")
    print("  hostile pages:")
    hostile_outcomes = {}
    for url, kind in sorted(hostile_urls.items(), key=lambda kv: (kv[1], kv[0])):
        outcome = state_text(store.states.get(url))
        detail = store.details.get(url, "")[:100]
        hostile_outcomes[url] = {"kind": kind, "state": outcome, "detail": detail}
        print(f"    {kind:15s} {url.split('/', 3)[3]:14s} {outcome}  {detail}")
    first_mark = 500 if args.pages >= 1000 else args.pages // 2
    first = window_figures(first_mark, done_at, run)
    last = window_figures(len(done_at), done_at, run)
    ratios = None
    if first and last:
        ratios = {
            "rss_median": round(last["rss_median_mib"] / first["rss_median_mib"], 3),
            "rss_peak": round(last["rss_peak_mib"] / first["rss_peak_mib"], 3),
            "open_files_median": round(last["open_files_median"] / first["open_files_median"], 3),
            "open_files_max": round(last["open_files_max"] / first["open_files_max"], 3),
        }
        for row in (first, last):
            print(
                f"  around page {row['page']:5d}: RSS median {row['rss_median_mib']:7.1f} MiB "
                f"(peak {row['rss_peak_mib']:7.1f}), open files median "
                f"{row['open_files_median']} (max {row['open_files_max']})"
            )
        within = all(abs(r - 1) <= 0.2 for r in ratios.values())
        print(
            f"  end / page {first['page']}: RSS x{ratios['rss_median']:.2f} "
            f"(peak x{ratios['rss_peak']:.2f}), open files x{ratios['open_files_median']:.2f} "
            f"(max x{ratios['open_files_max']:.2f}): "
            f"{'within' if within else 'NOT within'} 20 %"
        )
    else:
        print(f"  only {len(done_at)} pages audited: no RSS / open files marks")
    return {
        "clean": {
            "finished": run.finished,
            "timed_out": run.timed_out,
            "exit_code": run.exit_code,
            "run_status": store.status,
            "seconds": run.seconds,
            "final_urls": final,
            "pages_per_min": round(per_min, 1),
            "peak_rss_mib": round(max((v for _, v in run.samples), default=0) / 2**20, 1),
            "states": states,
            "hostile_outcomes": hostile_outcomes,
            "marks": [first, last],
            "end_vs_first_mark": ratios,
        }
    }


def twin_figures(
    kill_at: int,
    runs: list[RunResult],
    clean: Stored,
    twin: Stored,
    hostile_urls: dict[str, str],
) -> dict:
    diff = compare(clean, twin, set(hostile_urls))
    ordinary, hostile = sum(diff["ordinary"].values()), sum(diff["hostile"].values())
    equal = ordinary == 0 and twin.status == clean.status == "complete"
    print(
        f"\nResumed twin: kill -9 at page {kill_at}, {len(runs) - 1} resume(s), "
        f"{sum(r.seconds for r in runs):.0f} s in all, run status {twin.status}"
    )
    for n, run in enumerate(runs):
        print(f"  {'first run' if n == 0 else f'resume {n}':9s}: {_how(run)}")
    if runs[0].finished:
        print(f"  the first run ended before page {kill_at}: it was not killed")
    if clean.status != "complete" or twin.status != "complete":
        print(f"  runs not both complete (clean {clean.status}, twin {twin.status}): not equal")
    states = ", ".join(f"{state} {n}" for state, n in final_states(twin).items())
    print(f"  pages by final state: {states}")
    print(
        f"resumed twin equals clean run: {'yes' if equal else 'no'} "
        f"({ordinary} differences on ordinary pages{_parts(diff['ordinary'])}; "
        f"{hostile} on hostile pages{_parts(diff['hostile'])}, listed apart)"
    )
    for side in ("ordinary", "hostile"):
        for line in diff["examples"].get(side, []):
            print(f"    {side}: {line}")
    return {
        "kill_at_page": kill_at,
        "resumes": len(runs) - 1,
        "seconds": round(sum(r.seconds for r in runs), 1),
        "runs": [
            {"finished": r.finished, "timed_out": r.timed_out, "exit_code": r.exit_code}
            for r in runs
        ],
        "run_status": twin.status,
        "states": final_states(twin),
        "equals_clean_run": equal,
        "differences": diff,
    }


def _parts(counts: dict[str, int]) -> str:
    return f": {', '.join(f'{n} {k}' for k, n in counts.items())}" if counts else ""


if __name__ == "__main__":
    main()
