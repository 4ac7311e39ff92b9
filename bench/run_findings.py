"""What a finished `massaudit run` found and how its pages settled, read from its database and
its run log: for comparing two runs of the same pages (bench/settling.py, bench/throughput.py)."""

from __future__ import annotations

import gzip
import json
import sqlite3
import statistics
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# Rules whose outcome is a timing measure: it may flip between two runs of the same page on a
# loaded machine, whatever the settling rule.
TIMING_RULES = frozenset({"largest-contentful-paint"})


def page_key(url: str) -> str:
    """A page's path and query: runs of the same pages served on different ports compare."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def failures(db: Path) -> set[tuple[str, str]]:
    """(page path, rule id) of every failure of the database's runs."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT p.url, f.rule_id FROM findings f JOIN pages p ON p.id = f.page_id "
            "WHERE f.outcome = 'fail'"
        ).fetchall()
    return {(page_key(url), rule) for url, rule in rows}


def page_errors(db: Path) -> dict[str, str]:
    """Page path -> its error, for the pages that could not be audited."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT url, error FROM pages WHERE error IS NOT NULL")
        return {page_key(url): error for url, error in rows.fetchall()}


def rule_outcomes(db: Path) -> dict[tuple[str, str], str]:
    """(page path, rule id) -> the rule's outcome on the page (pass, fail, needs-review,
    inapplicable), for every rule judged."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT url, rule_outcomes FROM pages").fetchall()
    return {
        (page_key(url), rule): outcome
        for url, outcomes in rows
        for rule, outcome in json.loads(outcomes or "{}").items()
    }


def loading(db: Path) -> dict[str, Any]:
    """From the stored artifacts: the median time from DOM content loaded to the end of the load
    event (pages whose load event had ended when the facts were read), how many had, and the
    median requests and bytes a page."""
    with sqlite3.connect(db) as connection:
        blobs = [row[0] for row in connection.execute("SELECT artifacts FROM pages") if row[0]]
    gaps, requests, weight, loaded = [], [], [], 0
    for blob in blobs:
        facts = json.loads(gzip.decompress(blob)).get("facts") or {}
        performance, network = facts.get("performance") or {}, facts.get("network") or {}
        dom, load = performance.get("dom_content_loaded_ms"), performance.get("load_ms")
        if dom and load:
            loaded += 1
            gaps.append(load - dom)
        requests.append(network.get("requests"))
        weight.append(network.get("bytes"))
    return {
        "pages": len(blobs),
        "load_event_ended": loaded,
        "median_load_after_dom_ms": _median(gaps),
        "median_requests": _median(requests),
        "median_kib": None if _median(weight) is None else round(_median(weight) / 1024, 1),
    }


def compare(
    before: set[tuple[str, str]],
    after: set[tuple[str, str]],
    outcomes_before: dict[tuple[str, str], str] | None = None,
    outcomes_after: dict[tuple[str, str], str] | None = None,
) -> dict[str, Any]:
    """Failures lost and gained from `before` to `after`, timing rules apart; with the rule
    outcomes, the (page, rule) pairs whose outcome changed at all."""

    def listed(pairs: set[tuple[str, str]], timing: bool) -> list[list[str]]:
        return sorted([page, rule] for page, rule in pairs if (rule in TIMING_RULES) == timing)

    return {
        "failures_before": len(before),
        "failures_after": len(after),
        "lost": listed(before - after, False),
        "gained": listed(after - before, False),
        "timing_rules_lost": listed(before - after, True),
        "timing_rules_gained": listed(after - before, True),
        "outcomes_changed": sorted(
            [page, rule, (outcomes_before or {}).get((page, rule)), outcome]
            for (page, rule), outcome in (outcomes_after or {}).items()
            if (outcomes_before or {}).get((page, rule)) != outcome
        ),
    }


def log_events(log: Path, event: str) -> list[dict[str, Any]]:
    events = []
    for line in log.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record.get("event") == event:
            events.append(record)
    return events


def pages_in_flight(log: Path) -> list[list[float]]:
    """[seconds, pages] at the start of the run and at each change of its pages in flight."""
    return [[e["seconds"], e["pages"]] for e in log_events(log, "pages in flight")]


def settling(log: Path) -> dict[str, Any]:
    """How the run's pages settled: by load, quiet or the cap, the median wait after DOM
    content loaded, the requests not waited for, the pages that stopped waiting for a third
    party and those requests, and the median time to settle a page."""
    timings = [e["timings"] for e in log_events(log, "page audited") if e.get("timings")]
    if not timings:
        return {}
    waits = [t["settle_ms"] for t in timings if "settle_ms" in t]
    return {
        "pages": len(timings),
        "by_quiet": sum(1 for t in timings if t.get("settle_quiet")),
        "by_cap": sum(1 for t in timings if "settle_pending" in t),
        "median_dom_ready_ms": _median(t.get("dom_ready_ms") for t in timings),
        "median_settle_wait_ms": _median(waits),
        "median_navigation_ms": _median(t.get("navigation_ms") for t in timings),
        "median_total_ms": _median(t.get("total_ms") for t in timings),
        "requests_not_waited_for": sum(t.get("settle_ignored", 0) for t in timings),
        "pages_third_party_given_up": sum(1 for t in timings if t.get("settle_third_party")),
        "third_party_given_up": sum(t.get("settle_third_party", 0) for t in timings),
    }


def _median(values: Any) -> float | None:
    kept = [v for v in values if isinstance(v, int | float)]
    return round(statistics.median(kept), 1) if kept else None
