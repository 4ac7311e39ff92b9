"""What a soak run stored (read from its SQLite database) and the differences between the
clean run and its resumed twin, ordinary and hostile pages apart."""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
from collections import Counter
from pathlib import Path


def latest_run(db: Path) -> tuple[int, str] | None:
    with contextlib.closing(sqlite3.connect(db)) as con:
        return con.execute("SELECT id, status FROM runs ORDER BY id DESC LIMIT 1").fetchone()


@dataclasses.dataclass
class Stored:
    """What a run stored, for comparing two runs."""

    status: str
    pages: set[str]
    states: dict[str, tuple[str, str | None]]  # url -> (state, reason)
    details: dict[str, str]
    findings: Counter[tuple[str, str, str, str]]  # (url, rule_id, selector, outcome)


def stored(db: Path) -> Stored:
    if not db.exists() or latest_run(db) is None:
        return Stored("none", set(), {}, {}, Counter())
    run_id, status = latest_run(db)
    with contextlib.closing(sqlite3.connect(db)) as con:
        pages = {url for (url,) in con.execute("SELECT url FROM pages WHERE run_id = ?", (run_id,))}
        rows = con.execute(
            "SELECT url, state, reason, detail FROM url_states WHERE run_id = ?", (run_id,)
        ).fetchall()
        findings = Counter(
            con.execute(
                "SELECT p.url, f.rule_id, f.selector, f.outcome FROM findings f "
                "JOIN pages p ON p.id = f.page_id WHERE f.run_id = ?",
                (run_id,),
            ).fetchall()
        )
    return Stored(
        status,
        pages,
        {url: (state, reason) for url, state, reason, _ in rows},
        {url: detail for url, _, _, detail in rows},
        findings,
    )


def final_states(run: Stored) -> dict[str, int]:
    """Pages by final state: "audited", "skipped: reason", ... ("queued" is not final)."""
    counts = Counter(
        state if reason is None else f"{state}: {reason}" for state, reason in run.states.values()
    )
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def compare(clean: Stored, twin: Stored, hostile: set[str]) -> dict[str, dict]:
    """Differences between the two runs, split into ordinary and hostile pages."""
    result: dict[str, dict] = {"ordinary": Counter(), "hostile": Counter(), "examples": {}}

    def add(kind: str, url: str, what: str) -> None:
        side = "hostile" if url in hostile else "ordinary"
        result[side][kind] += 1
        result["examples"].setdefault(side, [])
        if len(result["examples"][side]) < 20:
            result["examples"][side].append(f"{kind}: {url}: {what}")

    for url in sorted(clean.pages ^ twin.pages):
        add("page", url, "stored in the clean run only" if url in clean.pages else "twin only")
    for url in sorted(clean.states.keys() | twin.states.keys()):
        a, b = clean.states.get(url), twin.states.get(url)
        if a != b:
            add("url_state", url, f"clean {state_text(a)} vs twin {state_text(b)}")
    for key in sorted((clean.findings - twin.findings) + (twin.findings - clean.findings)):
        where = "clean" if clean.findings[key] > twin.findings[key] else "twin"
        add("finding", key[0], f"{key[1]} {key[3]} at {key[2]!r} more often in the {where} run")
    return {
        "ordinary": dict(result["ordinary"]),
        "hostile": dict(result["hostile"]),
        "examples": result["examples"],
    }


def state_text(state: tuple[str, str | None] | None) -> str:
    if state is None:
        return "absent"
    return state[0] if state[1] is None else f"{state[0]}:{state[1]}"
