"""Helpers for tests that run the real command, Chromium and axe-core."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from repo_paths import REPO

__all__ = ["REPO", "axe_violations", "massaudit", "massaudit_killed", "stored_pages", "stored_text"]


def massaudit(*args: str, env: dict[str, str] | None = None, timeout: float = 900):
    """Run the `massaudit` command in a subprocess (a Twisted reactor runs once per process)."""
    return subprocess.run(
        [sys.executable, "-m", "massaudit.cli", *args],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def massaudit_killed(*args: str, commits: int) -> None:
    """Run the `massaudit` command and kill it (-9) right after its `commits`-th page commit
    (fault injection through MASSAUDIT_FAULT); fails unless it died that way."""
    from massaudit.store.db import FAULT_ENV

    process = subprocess.Popen(
        [sys.executable, "-m", "massaudit.cli", *args],
        cwd=REPO,
        env={**os.environ, FAULT_ENV: f"kill-after-page-commit:{commits}"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    returncode = process.wait(timeout=300)
    with contextlib.suppress(ProcessLookupError):  # the browser, if it outlived the process
        os.killpg(process.pid, signal.SIGKILL)
    stderr = process.stderr.read()
    process.stderr.close()
    assert returncode == -signal.SIGKILL, stderr


def axe_violations(urls: list[str]) -> dict[str, list[str]]:
    """url -> ids of axe-core rules violated, using the same auditor the nightly run uses."""
    from massaudit.audits.collector import Auditor

    async def audit_all() -> dict[str, list[str]]:
        async with Auditor() as auditor:
            results = await asyncio.gather(*(auditor.audit(u) for u in urls))
        out = {}
        for artifacts in results:
            assert artifacts.error is None, artifacts.error
            out[artifacts.url] = sorted(v["id"] for v in artifacts.axe["violations"])
        return out

    return asyncio.run(audit_all())


def stored_pages(db: Path) -> int:
    """Pages of run 1 in an SQLite store another process is writing; read-only, 0 if not yet."""
    import sqlite3

    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT count(*) FROM pages WHERE run_id = 1").fetchone()[0]
    except sqlite3.Error:
        return 0


def stored_text(db: Path) -> str:
    """Every value of every table of an SQLite store, gzip-compressed artifacts unpacked."""
    import gzip
    import sqlite3

    values = []
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                for value in row:
                    if isinstance(value, bytes):
                        value = gzip.decompress(value) if value[:2] == b"\x1f\x8b" else value
                        value = value.decode("utf-8", "replace")
                    values.append(str(value))
    return "\n".join(values)
