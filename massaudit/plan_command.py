"""`massaudit plan`: what the next run of a sites file will cost, before it runs (pipeline/plan.py).

Exit code 0 when every site fits in the window, 1 when some will not."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from massaudit import __version__
from massaudit.crawler.reuse import AGED, CHANGED, KNOWN_UNCHANGED, NEW, NO_LASTMOD
from massaudit.crawler.sites import load_sites
from massaudit.pipeline.plan import NightPlan, plan_night

_WINDOW = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$")
MAX_WINDOW_S = 7 * 24 * 3600


def window_seconds(text: str) -> float:
    """`8h`, `90m`, `1h30m`, `45s` as seconds (argparse type): more than 0, at most a week."""
    match = _WINDOW.match(text.strip().lower())
    if not text.strip() or match is None or not any(match.groups()):
        raise argparse.ArgumentTypeError(f"not a duration like 8h, 90m or 1h30m: {text!r}")
    hours, minutes, seconds = (float(part or 0) for part in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if not 0 < total <= MAX_WINDOW_S:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most 168h, got {text}")
    return total


def add_plan_parser(commands: Any) -> argparse.ArgumentParser:
    plan = commands.add_parser(
        "plan",
        help="how many pages the next run will audit, its requests and time, what fits tonight",
        description=(
            "Read each site's sitemaps and compare them with its last complete audit: the pages "
            "expected, those due (new, a newer lastmod, too old to reuse), the requests the run "
            "will send and the time they take at the site's politeness, and the sites that will "
            "not fit in --window. Renders nothing. Exit code 1 when a site will not fit."
        ),
    )
    plan.add_argument("--sites", default="sites.toml", help="sites file (default: sites.toml)")
    plan.add_argument(
        "--site", action="append", dest="site_ids", metavar="ID", help="only this site (repeatable)"
    )
    plan.add_argument("--db", help="the store of earlier runs (default: none, sitemaps only)")
    plan.add_argument(
        "--window",
        type=window_seconds,
        default=8 * 3600.0,
        metavar="DURATION",
        help="the night's length, e.g. 8h or 6h30m (default 8h)",
    )
    return plan


def cmd_plan(args: argparse.Namespace) -> int:
    from massaudit.db_command import open_store

    sites = load_sites(args.sites).select(args.site_ids)
    store = open_store(args.db) if args.db else None
    try:
        plan = plan_night(sites, store, args.window, tool_version=__version__)
    finally:
        if store is not None:
            store.close()
    print("\n".join(plan_lines(plan, Path(args.sites).name)))
    return 1 if plan.not_fitting() else 0


def plan_lines(plan: NightPlan, source: str) -> list[str]:
    """The plan as a table of sites, one line per host, and the sites that will not fit."""
    lines = [
        f"Night plan for {source} (window {duration(plan.window_s)}):",
        f"{'site':<28} {'pages':>7} {'due':>6} {'new':>6} {'changed':>7} {'aged':>6} "
        f"{'reused':>7} {'cond.':>6} {'docs':>5} {'requests':>8} {'time':>8}  from",
    ]
    for site in plan.sites:
        counts = site.counts
        lines.append(
            f"{site.site_id:<28} {site.expected:>7,} {site.due:>6,} {counts.get(NEW, 0):>6,} "
            f"{counts.get(CHANGED, 0):>7,} {counts.get(AGED, 0):>6,} "
            f"{counts.get(KNOWN_UNCHANGED, 0):>7,} {counts.get(NO_LASTMOD, 0):>6,} "
            f"{site.documents:>5,} {site.requests:>8,} {duration(site.seconds):>8}  "
            f"{site.expected_from}"
        )
    lines.append(
        "  pages: expected (last run, or sitemap); due: new + changed (newer lastmod) + aged "
        "(older than max_reuse_age_days); reused: no request (lastmod not newer); cond.: a "
        "conditional request (no lastmod); docs: linked documents downloaded again"
    )
    lines.append("Hosts (each at its own pace, side by side):")
    for host in plan.hosts:
        fits = "fits" if host.seconds <= plan.window_s else "DOES NOT FIT"
        lines.append(
            f"  {host.host}: {host.requests:,} requests x {host.seconds_per_request:g} s = "
            f"{duration(host.seconds)} ({', '.join(host.site_ids)}): {fits}"
        )
    late = plan.not_fitting()
    lines.append(
        f"The night takes {duration(plan.seconds)}; "
        + (
            f"will not fit in {duration(plan.window_s)}: {', '.join(late)}"
            if late
            else f"every site fits in {duration(plan.window_s)}"
        )
    )
    return lines


def duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"
