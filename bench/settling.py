"""Settling before and after: the same pages audited with `--settle load` (the load event, the
old rule) and `--settle quiet` (docs/settling.md), compared page by page and rule by rule.

    .venv/bin/python bench/settling.py [--pages 60] [--corpus DIR] [--skip-demo]
                                       [--concurrency 2] [--json FILE]

On the benchmark corpus (bench/corpus.py, `--pages` pages), the bundled demo site and, with
`--corpus`, any folder of saved pages (bench/corpus_dir.py), each served on 127.0.0.1, it runs
`massaudit run` (every check) once per rule at fixed pages in flight and prints:
- what loading costs: the median time from DOM content loaded to the end of the load event (the
  load rule's wait), how each page settled under the quiet rule (load event, network quiet, cap),
  its wait after DOM content loaded, the requests it did not wait for, and requests and KiB a page;
- pages per minute under each rule;
- nothing lost: the (page, rule) failures found under one rule and not the other, the timing
  rule (largest-contentful-paint) apart, and every (page, rule) whose outcome changed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from corpus import massaudit_command, sites_toml, write_corpus  # noqa: E402
from corpus_dir import serve_saved_pages  # noqa: E402
from run_findings import compare, failures, loading, rule_outcomes, settling  # noqa: E402

from massaudit.audits.settle import THIRD_PARTY_WAIT_S  # noqa: E402
from massaudit.pipeline.static_server import serve_directory  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
RULES = ("load", "quiet")


def run_pages(tmp: Path, rule: str, concurrency: int) -> dict[str, Any]:
    """`massaudit run` of tmp/sites.toml under `rule`."""
    db = tmp / f"{rule}.sqlite"
    log = tmp / f"{rule}.jsonl"
    command = massaudit_command(tmp, db=db, log=log, concurrency=concurrency)
    return _timed([*command, "--settle", rule, "--screenshots", "0"], db, log)


def run_demo(tmp: Path, rule: str, concurrency: int) -> dict[str, Any]:
    out = tmp / f"demo-{rule}"
    log = tmp / f"demo-{rule}.jsonl"
    command = [sys.executable, "-m", "massaudit.cli", "demo", "--out", str(out), "--quiet"]
    command += ["--log", str(log), "--settle", rule, "--concurrency", str(concurrency)]
    return _timed([*command, "--screenshots", "0"], out / "massaudit.sqlite", log)


def _timed(command: list[str], db: Path, log: Path) -> dict[str, Any]:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise RuntimeError(f"{command[3]} exited {result.returncode}: {result.stderr[-500:]}")
    stats = settling(log)
    return {
        "seconds": round(seconds, 1),
        "pages_per_min": round(stats.get("pages", 0) / seconds * 60, 1),
        "settling": stats,
        "loading": loading(db),
        "failures": failures(db),
        "outcomes": rule_outcomes(db),
    }


def both_rules(name: str, run: Any) -> dict[str, Any]:
    runs = {}
    for rule in RULES:
        runs[rule] = run(rule)
        print(f"  {name}, --settle {rule}: {runs[rule]['seconds']} s", file=sys.stderr)
    load, quiet = runs["load"], runs["quiet"]
    return {
        "load": _public(load),
        "quiet": _public(quiet),
        "comparison": compare(
            load["failures"], quiet["failures"], load["outcomes"], quiet["outcomes"]
        ),
    }


def _public(run: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in run.items() if k not in ("failures", "outcomes")}


def print_corpus(name: str, result: dict[str, Any]) -> None:
    load, quiet, diff = result["load"], result["quiet"], result["comparison"]
    settled, loaded = quiet["settling"], load["loading"]
    print(f"\n{name}: {settled.get('pages', 0)} pages")
    print(
        f"  load rule: the load event ended a median {loaded['median_load_after_dom_ms']} ms "
        f"after DOM content loaded; {loaded['median_requests']} requests, "
        f"{loaded['median_kib']} KiB a page (median)"
    )
    print(
        f"  quiet rule: DOM content loaded at a median {settled.get('median_dom_ready_ms')} ms, "
        f"then waited {settled.get('median_settle_wait_ms')} ms; settled by the load event "
        f"{settled['pages'] - settled['by_quiet'] - settled['by_cap']}, by quiet "
        f"{settled['by_quiet']}, at the cap {settled['by_cap']}; "
        f"{settled['requests_not_waited_for']} requests not waited for; "
        f"{settled.get('third_party_given_up', 0)} third-party requests given up on after "
        f"{THIRD_PARTY_WAIT_S:g} s, on {settled.get('pages_third_party_given_up', 0)} pages"
    )
    print(
        f"  pages/min: load {load['pages_per_min']}, quiet {quiet['pages_per_min']}; "
        f"median navigation {load['settling'].get('median_navigation_ms')} ms vs "
        f"{settled.get('median_navigation_ms')} ms"
    )
    print(
        f"  failures: {diff['failures_before']} (load) and {diff['failures_after']} (quiet); "
        f"lost {len(diff['lost'])}, gained {len(diff['gained'])}; timing rule lost "
        f"{len(diff['timing_rules_lost'])}, gained {len(diff['timing_rules_gained'])}; "
        f"rule outcomes changed: {len(diff['outcomes_changed'])}"
    )
    for page, rule, before, after in diff["outcomes_changed"][:20]:
        print(f"    {page} {rule}: {before} -> {after}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=60)
    parser.add_argument("--corpus", type=Path, help="also a folder of saved pages")
    parser.add_argument("--skip-demo", action="store_true")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="massaudit-settling-") as tmp_name:
        tmp = Path(tmp_name)
        generated = tmp / "generated"
        generated.mkdir()
        write_corpus(generated / "corpus", args.pages)
        with serve_directory(generated / "corpus") as base:
            # The keyboard walk's budget as the demo's sites have it (5 s, not a share of the
            # page's time): cut short on a loaded machine, which keyboard rules apply would vary
            # from run to run whatever the settling rule.
            checks = "[checks]\nkeyboard_seconds = 5.0\nkeyboard_share = 0\n\n"
            (generated / "sites.toml").write_text(checks + sites_toml(base, args.pages))
            results["bench corpus"] = both_rules(
                "bench corpus", lambda rule: run_pages(generated, rule, args.concurrency)
            )
        if args.corpus is not None:
            saved = tmp / "saved"
            saved.mkdir()
            with serve_saved_pages(args.corpus) as (_, urls, sites):
                (saved / "sites.toml").write_text(sites)
                results[f"{args.corpus} ({len(urls)} pages)"] = both_rules(
                    str(args.corpus), lambda rule: run_pages(saved, rule, args.concurrency)
                )
        if not args.skip_demo:
            demo = tmp / "demo"
            demo.mkdir()
            results["demo site"] = both_rules(
                "demo", lambda rule: run_demo(demo, rule, args.concurrency)
            )
    print(f"\n--concurrency {args.concurrency}; load average {os.getloadavg()[0]:.1f}")
    for name, result in results.items():
        print_corpus(name, result)
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {"concurrency": args.concurrency, "cores": os.cpu_count(), "results": results},
                indent=2,
                default=sorted,
            )
            + "\n"
        )


if __name__ == "__main__":
    main()
