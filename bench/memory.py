"""Memory over a long run: peak RSS of massaudit's process tree against pages audited.

    .venv/bin/python bench/memory.py [--pages 5000] [--checks all|axe] [--concurrency 2]
                                     [--marks 500,1000,2000,5000] [--json FILE]

Serves a corpus of N pages (bench/corpus.py) on 127.0.0.1, runs `massaudit run` over it, samples
the RSS of the whole process tree (Python, the Playwright driver and every Chromium process)
four times a second, and lines the samples up with the run log's "page audited" events. For each
mark it prints the running peak (the largest RSS seen until that page was done) and the window
peak (the largest RSS while the last 10 % of pages before the mark were audited), and the ratio of
the last mark's peaks to the first's: memory is flat when the ratios stay near 1. RSS sums count
memory shared between processes once per process; PSS (also printed) splits it between them.
"""

from __future__ import annotations

import argparse
import bisect
import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).parent))

from corpus import massaudit_command, sites_toml, write_corpus  # noqa: E402
from proctree import RssSampler  # noqa: E402

from massaudit.pipeline.static_server import serve_directory  # noqa: E402


def page_times(log: Path) -> list[float]:
    """Epoch seconds at which each page was audited, in order."""
    times = []
    for line in log.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        if event.get("event") == "page audited":
            times.append(datetime.fromisoformat(event["time"]).timestamp())
    return sorted(times)


def peaks_at(
    marks: list[int], done_at: list[float], samples: list[tuple[float, int]]
) -> list[dict[str, float]]:
    """Running and window peak RSS (MiB) when each mark's page was done."""
    times = [t for t, _ in samples]
    rows = []
    for mark in marks:
        end = done_at[mark - 1]
        start = done_at[max(0, mark - max(1, mark // 10)) - 1] if mark > 1 else 0.0
        upto = bisect.bisect_right(times, end)
        window = [rss for t, rss in samples[:upto] if t >= start]
        rows.append(
            {
                "page": mark,
                "running_peak_mib": round(max(rss for _, rss in samples[:upto]) / 2**20, 1),
                "window_peak_mib": round(max(window, default=0) / 2**20, 1),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--checks", choices=("all", "axe"), default="all")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--marks", default="500,1000,2000,3000,4000,5000")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    marks = sorted({int(m) for m in args.marks.split(",") if int(m) <= args.pages} | {args.pages})
    with tempfile.TemporaryDirectory(prefix="massaudit-memory-") as tmp_name:
        tmp = Path(tmp_name)
        write_corpus(tmp / "corpus", args.pages)
        with serve_directory(tmp / "corpus") as base:
            (tmp / "sites.toml").write_text(sites_toml(base, args.pages))
            log = tmp / "run.jsonl"
            command = massaudit_command(
                tmp,
                db=tmp / "run.sqlite",
                log=log,
                concurrency=args.concurrency,
                checks=args.checks,
            )
            started = time.time()
            process = subprocess.Popen(
                command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
            )
            with RssSampler(process.pid, pss=True) as sampler:
                _, stderr = process.communicate()
            if process.returncode not in (0, 1):
                raise SystemExit(f"massaudit run exited {process.returncode}: {stderr[-500:]}")
            samples = [(started + t, rss) for t, rss in sampler.samples]
            pss_samples = [(started + t, pss) for t, pss in sampler.pss_samples]
            done_at = page_times(log)
    if len(done_at) < args.pages:
        raise SystemExit(f"only {len(done_at)} of {args.pages} pages were audited")
    rows = peaks_at(marks, done_at, samples)
    for row, pss in zip(rows, peaks_at(marks, done_at, pss_samples), strict=True):
        row["running_peak_pss_mib"] = pss["running_peak_mib"]
        row["window_peak_pss_mib"] = pss["window_peak_mib"]
    seconds = done_at[-1] - started
    print(
        f"\n{args.pages} pages, checks={args.checks}, {args.concurrency} in flight, "
        f"{args.pages / seconds * 60:.0f} pages/min; peak RSS of the process tree:"
    )
    for row in rows:
        print(
            f"  page {row['page']:6d}: running peak {row['running_peak_mib']:7.1f} MiB, "
            f"last 10% window peak {row['window_peak_mib']:7.1f} MiB "
            f"(PSS {row['running_peak_pss_mib']:.0f} / {row['window_peak_pss_mib']:.0f} MiB)"
        )
    first, last = rows[0], rows[-1]
    running = last["running_peak_mib"] / first["running_peak_mib"]
    window = last["window_peak_mib"] / first["window_peak_mib"]
    pss_running = last["running_peak_pss_mib"] / first["running_peak_pss_mib"]
    print(
        f"  page {last['page']} vs page {first['page']}: running peak RSS x{running:.2f}, "
        f"window peak RSS x{window:.2f}, running peak PSS x{pss_running:.2f}"
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "pages": args.pages,
                    "checks": args.checks,
                    "concurrency": args.concurrency,
                    "pages_per_min": round(args.pages / seconds * 60, 1),
                    "marks": rows,
                    "running_peak_ratio": round(running, 3),
                    "window_peak_ratio": round(window, 3),
                    "running_peak_pss_ratio": round(pss_running, 3),
                },
                indent=2,
            )
            + "\n"
        )


if __name__ == "__main__":
    main()
