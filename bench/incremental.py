"""Time a first nightly run and a second one over the same, unchanged site.

    .venv/bin/python bench/incremental.py [--pages 100] [--repeat 3] [--json FILE]

The site is the Mass.gov-like benchmark corpus of bench/corpus.py served on 127.0.0.1.

The second run should render no page again (every page "unchanged") and take a small fraction
of the first run's time. Prints both wall-clock times, the ratio, and the URL state counts.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

sys.path.insert(0, str(Path(__file__).parent))

from corpus import massaudit_command, sites_toml, write_corpus  # noqa: E402

from massaudit.pipeline.static_server import serve_directory  # noqa: E402
from massaudit.store.db import Store  # noqa: E402


def timed_run(tmp: Path, db: Path) -> float:
    """Seconds of one incremental `massaudit run` over the corpus in `tmp` into `db`."""
    started = time.perf_counter()
    subprocess.run(
        massaudit_command(tmp, db=db, log=db.with_suffix(".jsonl"), full=False),
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    firsts, seconds, states = [], [], {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        write_corpus(tmp / "corpus", args.pages)
        with serve_directory(tmp / "corpus") as base:
            (tmp / "sites.toml").write_text(sites_toml(base, args.pages))
            for i in range(args.repeat):
                db = tmp / f"run{i}.sqlite"
                firsts.append(timed_run(tmp, db))
                seconds.append(timed_run(tmp, db))
                store = Store(str(db))
                states = store.state_counts(2)
                store.close()
    first, second = statistics.median(firsts), statistics.median(seconds)
    result = {
        "first_run_s": round(first, 2),
        "second_run_s": round(second, 2),
        "speedup": round(first / second, 1),
        "second_run_states": states,
        "pages": args.pages,
        "repeats": args.repeat,
    }
    print(f"{args.pages} pages, median of {args.repeat} repeats")
    print(f"first run (renders every page):   {first:6.2f} s")
    print(f"second run (site unchanged):      {second:6.2f} s")
    print(f"speed-up:                         {first / second:6.1f}x")
    print(f"second run URL states:            {states}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
