"""A browser (or its driver) that dies mid-run is replaced, and the pages it held are retried.

Chromium is killed from outside, as the OOM killer would: SIGKILL to its processes, found as
descendants of the process that launched them.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_site import normal_paths, serve_hostile_site, sites_toml
from integration_helpers import REPO, massaudit, stored_pages

from massaudit.audits.collector import Auditor, AuditSettings
from massaudit.store.db import Store

pytestmark = [pytest.mark.browser, pytest.mark.long]


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, pending = [], [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("latin-1")
    except OSError:
        return ""


def kill_descendants(pid: int, *names: str) -> int:
    """SIGKILL every descendant of `pid` whose command line names one of `names`."""
    killed = 0
    for child in descendants(pid):
        if any(name in command_line(child) for name in names):
            try:
                os.kill(child, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
    return killed


def _findings(db: str) -> tuple[str, set[str], set[tuple[str, str, str, str]], dict]:
    store = Store(db)
    try:
        [run] = store.runs()
        pages = {page.id: page.url for page in store.pages(run.id)}
        findings = {
            (pages[f.page_id], f.rule_id, f.selector, f.outcome) for f in store.findings(run.id)
        }
        return run.status, set(pages.values()), findings, run.summary or {}
    finally:
        store.close()


def test_a_run_whose_chromium_is_killed_ends_like_a_clean_run(tmp_path):
    with serve_hostile_site(normal_pages=40, hostile=False) as base:
        sites = tmp_path / "sites.toml"
        sites.write_text(sites_toml(base))

        def command(db: str) -> list[str]:
            out = str(tmp_path / f"out-{Path(db).stem}")
            return ["run", "--sites", str(sites), "--db", db, "--out", out, "--quiet"]

        clean_db = str(tmp_path / "clean.sqlite")
        clean = massaudit(*command(clean_db), timeout=400)
        assert clean.returncode == 0, clean.stderr

        killed_db = tmp_path / "killed.sqlite"
        process = subprocess.Popen(
            [sys.executable, "-m", "massaudit.cli", *command(str(killed_db))],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 300
            while stored_pages(killed_db) < 10 and process.poll() is None:
                assert time.monotonic() < deadline, "the run stored no pages"
                time.sleep(0.1)
            assert process.poll() is None, "the run ended before its browser could be killed"
            assert kill_descendants(process.pid, "chromium", "chrome") > 0
            stdout, stderr = process.communicate(timeout=400)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert process.returncode == 0, stderr
    clean_status, clean_pages, clean_findings, _ = _findings(clean_db)
    status, pages, findings, summary = _findings(str(killed_db))
    assert clean_status == status == "complete"
    assert len(clean_pages) == 41 and {base + p for p in normal_paths(40)} < clean_pages
    assert pages == clean_pages
    assert findings == clean_findings
    assert summary["browser_restarts"] >= 1
    assert "browser_error" not in summary["skipped"]


def _audit_in_order(base: str, paths: list[str], before: dict[str, object] | None = None):
    """Audit `paths` one after another; `before[path]()` runs just before that path's audit."""

    async def run():
        auditor = Auditor(AuditSettings(concurrency=1, collect_facts=False))
        try:
            results = []
            for path in paths:
                if before and path in before:
                    before[path]()
                results.append(await asyncio.wait_for(auditor.audit(base + path), 120))
            return results, auditor.restarts, auditor.retried
        finally:
            await auditor.close()

    return asyncio.run(run())


def test_a_killed_browser_and_a_killed_driver_are_replaced():
    def kill_browser() -> None:
        assert kill_descendants(os.getpid(), "chromium", "chrome") > 0

    def kill_driver() -> None:  # Playwright's driver: a node process that runs its cli
        assert kill_descendants(os.getpid(), "run-driver") > 0

    paths = normal_paths(3)
    with serve_hostile_site(normal_pages=3, hostile=False) as base:
        before = {paths[1]: kill_browser, paths[2]: kill_driver}
        results, restarts, _ = _audit_in_order(base, paths, before)
    assert [r.error for r in results] == [None, None, None]
    assert [r.title for r in results] == ["Page 1", "Page 2", "Page 3"]
    assert restarts == 2


@pytest.mark.parametrize(
    ("names", "kills", "restarts"),
    [
        (("chromium", "chrome"), 2, 2),  # the whole browser, each time the page is asked for
        (("--type=renderer",), 2, 0),  # only the renderers: the browser stays
        (("--type=renderer",), 1, 0),  # once: the retry audits the page
    ],
)
def test_a_page_whose_browser_dies_under_it_is_retried_once(monkeypatch, names, kills, restarts):
    """The server kills the browser's processes when asked for one page: that page is audited
    again once, and recorded as BrowserCrashed if it dies again; the pages around it are
    audited."""
    import hostile_site

    respond = hostile_site.HostileSite.response
    killed: list[int] = []

    def killing(self, path):
        if path == "/page/2/" and len(killed) < kills:
            killed.append(kill_descendants(os.getpid(), *names))
        return respond(self, path)

    monkeypatch.setattr(hostile_site.HostileSite, "response", killing)
    with serve_hostile_site(normal_pages=3, hostile=False) as base:
        results, restarted, retried = _audit_in_order(base, normal_paths(3))
    first, killer, last = results
    assert len(killed) == kills and all(killed)
    assert first.error is None and last.error is None and last.title == "Page 3"
    if kills == 2:
        assert killer.error.startswith("BrowserCrashed")
    else:
        assert killer.error is None and killer.title == "Page 2"
    assert (restarted, retried) == (restarts, 1)


def test_a_browser_that_cannot_be_started_again_stops_the_audit(monkeypatch, tmp_path):
    """No page is stored as an error for it: the run stops (incomplete, for --resume)."""
    from massaudit.audits.browser import CHROMIUM_ENV, BrowserNotFound

    def kill_and_break_chromium() -> None:
        monkeypatch.setenv(CHROMIUM_ENV, str(tmp_path / "no-chromium"))
        assert kill_descendants(os.getpid(), "chromium", "chrome") > 0

    paths = normal_paths(2)
    with (
        serve_hostile_site(normal_pages=2, hostile=False) as base,
        pytest.raises(BrowserNotFound, match=CHROMIUM_ENV),
    ):
        _audit_in_order(base, paths, {paths[1]: kill_and_break_chromium})
