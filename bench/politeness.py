"""Requests and politeness of three nightly runs over one site, counted by the site's server.

    .venv/bin/python bench/politeness.py [--pages 300] [--changed 10] [--delay 0.2]
                                         [--no-politeness] [--json FILE]

The site is the Mass.gov-like corpus of bench/corpus.py (every page with two stylesheets, a
script and two images shared by all pages, sent with Cache-Control so the browser can cache
them), a sitemap giving each page a <lastmod>, served on 127.0.0.1 by a threaded server that
logs every request: path, status, User-Agent, its start (the kernel's receive timestamp of its
first bytes, so the server's own scheduling does not move it) and when the answer was sent.
Documents are answered after ANSWER_SECONDS, so two in flight at once would overlap.
sites.toml: one site, `download_delay` (0.2 s) and `concurrency_per_host = 1`.

- run 1: cold, a new database;
- run 2: nothing changed, the same database: every page reused on its lastmod, no request;
- run 3: `--changed` pages (10) rewritten with a newer lastmod: only they are audited.

For each run it prints, from the server's log: document requests per audited page by kind
(pages: the crawler's download and any browser fetch of a page URL; the 404 probe's URL),
subresource requests (the shared assets) per audited page, other requests (robots.txt, the
sitemap, the browser's favicon), the largest number of document requests in flight at once,
the smallest gap between the starts of two consecutive document requests (and how many gaps
are under the target, the closest pairs in the JSON), the requests whose User-Agent is not
massaudit's, and the run's wall and CPU time; beside them the run's own count
(runs.summary["requests"]) as a cross-check, and each target. Then the ratios of the wall
times and the pages run 3 audited (which must be exactly the changed ones).

`--no-politeness` measures the engine instead: `download_delay = 0` and
`concurrency_per_host = 8`, as bench/throughput.py runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).parent))

from corpus import massaudit_command, write_corpus  # noqa: E402
from request_log import (  # noqa: E402
    Hit,
    LoggingHandler,
    LoggingServer,
    closest_pairs,
    max_in_flight,
    parse_log,
    serve_logged,
    smallest_gap,
)

from massaudit.store.db import Store  # noqa: E402

# A document's answer waits this long, so a request sent before the last was answered shows.
ANSWER_SECONDS = 0.05
# How much shorter than sent a gap can look in the log: a request's start is the kernel's receive
# timestamp (bench/request_log.py), so only its conversion to time.monotonic is left.
SERVER_SLACK = 0.005
PROBE_PREFIX = "/massaudit-404-probe-"
PAGE_PREFIX = "/page-"
ASSETS_PREFIX = "/assets/"
# Shared by every page besides bench/corpus.py's /assets/site.css and /assets/seal.svg.
EXTRA_HEAD = (
    '<link rel="stylesheet" href="/assets/print.css" media="print">'
    '<script src="/assets/site.js" defer></script>'
)
EXTRA_BODY = '<img src="/assets/banner.svg" alt="" width="120" height="24">'
EXTRA_ASSETS = {
    "print.css": "header,footer,nav{display:none}\n",
    "site.js": "document.documentElement.classList.add('js');\n",
    "banner.svg": (
        '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="24">'
        '<rect width="120" height="24" fill="#14558f"/></svg>'
    ),
}


def kind_of(path: str) -> str:
    """page, probe (documents), subresource, or other (robots.txt, sitemap, favicon)."""
    path = path.split("?", 1)[0]
    if path.startswith(PAGE_PREFIX):
        return "page"
    if path.startswith(PROBE_PREFIX):
        return "probe"
    if path.startswith(ASSETS_PREFIX):
        return "subresource"
    return "other"


class SiteHandler(LoggingHandler):
    def answer_delay(self, path: str) -> float:
        return ANSWER_SECONDS if kind_of(path) in ("page", "probe") else 0.0

    def cache_control(self, path: str) -> str | None:
        return "max-age=86400" if path.startswith(ASSETS_PREFIX) else None


def build_site(root: Path, pages: int) -> list[str]:
    """The corpus with the extra shared assets in every page; returns the page paths."""
    paths = write_corpus(root, pages)
    for name, text in EXTRA_ASSETS.items():
        (root / "assets" / name).write_text(text)
    for path in paths:
        file = root / path.strip("/") / "index.html"
        html = file.read_text().replace("</head>", EXTRA_HEAD + "</head>", 1)
        file.write_text(html.replace("</main>", EXTRA_BODY + "</main>", 1))
    return paths


def write_sitemap(root: Path, base: str, lastmods: dict[str, str]) -> None:
    entries = "".join(
        f"<url><loc>{base}{path}</loc><lastmod>{lastmod}</lastmod></url>"
        for path, lastmod in lastmods.items()
    )
    (root / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>\n'
    )
    (root / "robots.txt").write_text(f"User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n")


def change_pages(root: Path, paths: list[str], count: int) -> list[str]:
    """Rewrite `count` pages spread through `paths` with new content; returns their paths."""
    step = len(paths) / count
    changed = [paths[int(step * (n + 0.5))] for n in range(count)]
    for path in changed:
        file = root / path.strip("/") / "index.html"
        notice = f"<p>Updated notice for residents, {datetime.now(UTC):%B %d %H:%M:%S}.</p>"
        file.write_text(file.read_text().replace("</main>", notice + "</main>", 1))
    return changed


def sites_toml(base: str, pages: int, delay: float, concurrency: int) -> str:
    netloc = base.removeprefix("http://")
    return (
        '[[agency]]\nid = "bench"\nname = "Benchmark agency"\n\n'
        '[[site]]\nid = "bench"\nagency = "bench"\nname = "Benchmark corpus"\n'
        f'start_urls = ["{base}/page-00000/"]\nallowed_hosts = ["{netloc}"]\n'
        f'include = ["^/page-"]\nmax_pages = {pages}\nmax_depth = {pages}\n'
        f"max_per_pattern = {pages}\ndownload_delay = {delay}\n"
        f"concurrency_per_host = {concurrency}\nuse_sitemaps = true\n"
    )


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_run(tmp: Path, db: Path, server: LoggingServer, log: Path) -> tuple[float, float, str]:
    """Wall and CPU seconds (the run's process tree: Python and Chromium) and stdout of one
    incremental `massaudit run`, its requests logged to `log`."""
    server.log_path = log
    log.touch()
    cpu = children_cpu()
    started = time.perf_counter()
    done = subprocess.run(
        massaudit_command(tmp, db=db, log=log.with_suffix(".run.jsonl"), full=False),
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    cpu = children_cpu() - cpu
    time.sleep(0.5)  # the last answers' log lines
    server.log_path = None
    if done.returncode not in (0, 1):
        raise SystemExit(f"massaudit run failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return seconds, cpu, done.stdout


def run_figures(hits: list[Hit], summary: dict[str, Any], least_gap: float) -> dict[str, Any]:
    """What one run asked of the server, per audited page, with the run's own count."""
    kinds = Counter(kind_of(h.path) for h in hits)
    documents = [h for h in hits if kind_of(h.path) in ("page", "probe")]
    page_paths = Counter(h.path for h in hits if kind_of(h.path) == "page")
    audited = summary.get("pages_audited", 0)
    counted = summary.get("requests", {})
    gap = smallest_gap(documents)

    def per_page(count: int) -> float | None:
        return round(count / audited, 3) if audited else None

    return {
        "pages_audited": audited,
        "pages_failed": summary.get("pages_failed", 0),
        "states": summary.get("states", {}),
        "requests_logged": dict(kinds),
        "other_paths": dict(Counter(h.path for h in hits if kind_of(h.path) == "other")),
        "page_urls_asked_again": sum(n - 1 for n in page_paths.values()),
        "documents_per_audited_page": per_page(kinds["page"] + kinds["probe"]),
        "page_documents_per_audited_page": per_page(kinds["page"]),
        "probe_per_audited_page": per_page(kinds["probe"]),
        "subresources_per_audited_page": per_page(kinds["subresource"]),
        "max_documents_in_flight": max_in_flight(documents),
        "max_requests_in_flight": max_in_flight(hits),
        "smallest_document_gap_s": None if gap is None else round(gap, 4),
        "document_gaps_under_target": sum(
            1
            for a, b in zip(documents, documents[1:], strict=False)
            if b.start - a.start < least_gap
        ),
        "closest_documents": closest_pairs(documents),
        "other_user_agents": sum(1 for h in hits if not h.agent.startswith("massaudit/")),
        "statuses": dict(Counter(str(h.status) for h in hits)),
        "run_counted": {
            key: counted.get(key, 0)
            for key in ("crawler", "browser", "served", "frame", "probe", "subresource", "other")
        },
    }


def cross_check(figures: dict[str, Any]) -> list[str]:
    """Where the server's log and the run's own count disagree."""
    logged, counted = figures["requests_logged"], figures["run_counted"]
    pairs = {
        "page documents (crawler + browser)": (
            logged.get("page", 0),
            counted["crawler"] + counted["browser"],
        ),
        "probe": (logged.get("probe", 0), counted["probe"]),
        "subresources": (logged.get("subresource", 0), counted["subresource"]),
        # Chromium's own favicon request is not a page's: the run does not count it.
        "other (robots.txt, sitemap)": (
            logged.get("other", 0) - figures["other_paths"].get("/favicon.ico", 0),
            counted["other"],
        ),
    }
    return [f"{name}: server {a}, run {b}" for name, (a, b) in pairs.items() if a != b]


def print_run(name: str, figures: dict[str, Any], targets: dict[str, str]) -> None:
    f = {key: "n/a" if value is None else value for key, value in figures.items()}
    c = figures["run_counted"]
    lines = [
        f"\n{name}: {f['seconds']:.1f} s ({f['cpu_seconds']:.1f} s CPU), "
        f"{f['pages_audited']} pages audited, states {f['states']}",
        f"requests logged by the server:     {f['requests_logged']}; other: {f['other_paths']}",
        f"documents per audited page:        {f['documents_per_audited_page']} (pages "
        f"{f['page_documents_per_audited_page']}, probe {f['probe_per_audited_page']})"
        + targets.get("documents", ""),
        f"the run's own count:               crawler {c['crawler']}, browser {c['browser']}, "
        f"served {c['served']}, probe {c['probe']}, subresource {c['subresource']}, "
        f"other {c['other']}",
        f"the run printed:                   {f['printed']}",
        f"page URLs asked more than once:    {f['page_urls_asked_again']}",
        f"subresources per audited page:     {f['subresources_per_audited_page']}",
        f"most documents in flight at once:  {f['max_documents_in_flight']}{targets['in_flight']}"
        f" (all requests: {f['max_requests_in_flight']})",
        f"smallest gap between documents:    {f['smallest_document_gap_s']} s{targets['gap']}; "
        f"gaps under it: {f['document_gaps_under_target']}",
        f"requests without massaudit's UA:   {f['other_user_agents']}  (target 0)",
        *(f"log and run's count differ: {line}" for line in f["mismatches"]),
    ]
    print("\n  ".join(lines))


def three_runs(
    tmp: Path, pages: int, changed_count: int, delay: float, concurrency: int, least_gap: float
) -> dict:
    """Runs 1 (cold), 2 (nothing changed) and 3 (`changed_count` pages changed): their figures."""
    root = tmp / "site"
    paths = build_site(root, pages)
    runs: dict[str, dict[str, Any]] = {}
    with serve_logged(root, SiteHandler) as (base, server):
        published = (datetime.now(UTC) - timedelta(days=30)).date().isoformat()
        lastmods = dict.fromkeys(paths, published)
        write_sitemap(root, base, lastmods)
        (tmp / "sites.toml").write_text(sites_toml(base, pages, delay, concurrency))
        db = tmp / "runs.sqlite"
        changed: list[str] = []
        for number in (1, 2, 3):
            if number == 3:
                changed = change_pages(root, paths, changed_count)
                stamp = datetime.now(UTC).isoformat(timespec="seconds")
                write_sitemap(root, base, {**lastmods, **dict.fromkeys(changed, stamp)})
            log = tmp / f"requests-{number}.jsonl"
            load = os.getloadavg()[0]
            seconds, cpu, stdout = timed_run(tmp, db, server, log)
            store = Store(str(db))
            run = store.latest_run()
            states = store.url_states(run.id)
            audited = sorted(r.url.removeprefix(base) for r in states if r.state == "audited")
            store.close()
            figures = {
                "seconds": round(seconds, 2),
                "cpu_seconds": round(cpu, 2),
                "load_average_before": round(load, 1),
                **run_figures(parse_log(log.read_text()), run.summary or {}, least_gap),
            }
            figures["mismatches"] = cross_check(figures)
            printed = [line.strip() for line in stdout.splitlines()]
            figures["printed"] = next((x for x in printed if x.startswith("requests")), "")
            figures["audited_are_the_changed"] = audited == sorted(changed)
            runs[str(number)] = figures
    return runs


def judge(runs: dict, changed: int, concurrency: int, least_gap: float) -> tuple[dict, dict]:
    """The wall-time ratios, and which targets the runs met."""
    first, third = runs["1"], runs["3"]
    ratios = {
        "run1_over_run2": round(first["seconds"] / runs["2"]["seconds"], 1),
        "run1_over_run3": round(first["seconds"] / third["seconds"], 1),
    }
    gaps = [r["smallest_document_gap_s"] for r in runs.values()]
    checks = {
        "documents_per_page_run1": (first["documents_per_audited_page"] or 99) <= 1.05,
        "in_flight": all(r["max_documents_in_flight"] <= concurrency for r in runs.values()),
        "gap": all(gap is None or gap >= least_gap for gap in gaps),
        "user_agents": all(r["other_user_agents"] == 0 for r in runs.values()),
        "run2_20x_faster": ratios["run1_over_run2"] >= 20,
        "run3_audits_the_changed": third["pages_audited"] == changed
        and third["audited_are_the_changed"],
    }
    return ratios, checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--changed", type=int, default=10)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--no-politeness", action="store_true")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    delay, concurrency = (0.0, 8) if args.no_politeness else (args.delay, 1)
    least_gap = max(0.0, 0.5 * delay - SERVER_SLACK)
    with tempfile.TemporaryDirectory() as tmp:
        runs = three_runs(Path(tmp), args.pages, args.changed, delay, concurrency, least_gap)
    ratios, checks = judge(runs, args.changed, concurrency, least_gap)

    mode = "politeness off" if args.no_politeness else "polite"
    print(
        f"{args.pages} pages, sitemap with lastmod, {mode}: download_delay = {delay}, "
        f"concurrency_per_host = {concurrency}; documents answered after {ANSWER_SECONDS} s"
    )
    targets = {
        "in_flight": f"  (target <= {concurrency})",
        "gap": f"  (target >= {least_gap:.3f}: 0.5 x delay - {SERVER_SLACK} s server slack)",
    }
    print_run("run 1 (cold)", runs["1"], {**targets, "documents": "  (target <= 1.05)"})
    print_run("run 2 (nothing changed)", runs["2"], targets)
    print_run(f"run 3 ({args.changed} pages changed)", runs["3"], targets)
    print(f"\nrun 1 / run 2 wall time:   {ratios['run1_over_run2']}x  (target >= 20x)")
    print(f"run 1 / run 3 wall time:   {ratios['run1_over_run3']}x")
    print(
        f"run 3 audited:             {runs['3']['pages_audited']} pages, exactly the changed "
        f"ones: {runs['3']['audited_are_the_changed']}  (target {args.changed}, the changed ones)"
    )
    missed = [name for name, met in checks.items() if not met]
    print(f"targets missed: {', '.join(missed) if missed else 'none'}")
    if args.json:
        settings = {"pages": args.pages, "changed": args.changed, "download_delay": delay}
        settings |= {"concurrency_per_host": concurrency, "answer_seconds": ANSWER_SECONDS}
        settings |= {"smallest_gap_target_s": round(least_gap, 3), "server_slack_s": SERVER_SLACK}
        results = {**settings, "runs": runs, "ratios": ratios, "targets_met": checks}
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
