"""How fast is `massaudit check`? Prints the time to check one local page from a cold start and
50 local pages, each as one `massaudit check` process (browser start included). No assertions.

    .venv/bin/python bench/check_speed.py [--pages 50] [--concurrency N] [--json FILE]
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

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from massaudit.pipeline.check.template import BUILTIN_TEMPLATE  # noqa: E402

PARAGRAPH = (
    "<p>Page {n}: apply for a fishing licence online. You need your date of birth and a "
    "payment card. Licences are valid for one calendar year.</p>"
)


def write_pages(folder: Path, count: int) -> None:
    (folder / "css").mkdir(parents=True, exist_ok=True)
    (folder / "css" / "site.css").write_text("main { max-width: 60rem; }\n", encoding="utf-8")
    for n in range(count):
        page = BUILTIN_TEMPLATE.replace("Preview | Mass.gov", f"Fishing page {n} | Mass.gov")
        page = page.replace("</head>", '<link rel="stylesheet" href="css/site.css">\n</head>')
        page = page.replace("{{ content }}", PARAGRAPH.format(n=n) * 3)
        (folder / f"page-{n:03d}.html").write_text(page, encoding="utf-8")


def check(paths: list[str], concurrency: int | None) -> tuple[float, int]:
    args = [sys.executable, "-m", "massaudit.cli", "check", *paths, "--report", "json:/dev/null"]
    if concurrency:
        args += ["--concurrency", str(concurrency)]
    started = time.perf_counter()
    done = subprocess.run(args, cwd=REPO, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        print(done.stderr, file=sys.stderr)
    return seconds, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=None)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="massaudit-bench-") as tmp:
        one = Path(tmp) / "one"
        many = Path(tmp) / "many"
        write_pages(one, 1)
        write_pages(many, args.pages)
        one_s, one_code = check([str(one / "page-000.html")], args.concurrency)
        many_s, many_code = check([str(many)], args.concurrency)
    figures = {
        "cpus": os.cpu_count(),
        "concurrency": args.concurrency or min(4, os.cpu_count() or 1),
        "one_page_cold_s": round(one_s, 2),
        "one_page_exit_code": one_code,
        "pages": args.pages,
        "many_pages_s": round(many_s, 2),
        "many_pages_exit_code": many_code,
        "many_pages_per_s": round(args.pages / many_s, 2),
    }
    print(f"1 local page, cold start:  {one_s:6.2f} s (exit {one_code})")
    print(
        f"{args.pages} local pages:           {many_s:6.2f} s (exit {many_code}; "
        f"{args.pages / many_s:.1f} pages/s, concurrency {figures['concurrency']}, "
        f"{figures['cpus']} CPUs)"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
