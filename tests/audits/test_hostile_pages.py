"""Pages that never finish loading, spin, reload themselves or open dialogs: each is bounded.

The real Chromium against tests/support/hostile_site.py on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from hostile_site import HOSTILE_PAGES, normal_paths, serve_hostile_site, sites_toml
from integration_helpers import massaudit

from massaudit.audits.collector import Auditor, AuditSettings
from massaudit.crawler.items import FetchedPage
from massaudit.pipeline.hooks import AuditHooks, _page_outcome
from massaudit.pipeline.run_log import RunLog
from massaudit.store.db import Store

pytestmark = pytest.mark.browser


def test_a_run_over_hostile_pages_finishes_and_records_each(tmp_path):
    sites = tmp_path / "sites.toml"
    db = f"sqlite:///{tmp_path / 'audit.sqlite'}"
    with serve_hostile_site(normal_pages=10) as base:
        sites.write_text(sites_toml(base))
        # Within the test's own timeout: the 40 s script is cut at the 5 s page timeout.
        result = massaudit(
            "run",
            "--sites",
            str(sites),
            "--db",
            db,
            "--out",
            str(tmp_path / "out"),
            "--quiet",
            "--page-timeout",
            "5",
            timeout=400,
        )
    assert result.returncode == 0, result.stderr
    store = Store(db)
    [run] = store.runs()
    states = {row.url.removeprefix(base): row for row in store.url_states(run.id)}
    pages = {page.url.removeprefix(base): page for page in store.pages(run.id)}
    failed_rules = {
        (page.url.removeprefix(base), finding.rule_id)
        for page in pages.values()
        for finding in store.findings(run.id)
        if finding.page_id == page.id and finding.outcome == "fail"
    }
    store.close()
    assert run.status == "complete"
    # Every ordinary page audited, and the page whose dialogs were dismissed too.
    for path in ["/", *normal_paths(10), "/dialogs/"]:
        assert states[path].state == "audited", (path, states[path].detail)
        assert pages[path].error is None
        assert (path, "image-alt") in failed_rules
    # Each bad page stored with its reason.
    assert set(HOSTILE_PAGES) <= set(states)
    assert (states["/spin/"].reason, states["/hang/"].reason) == ("timeout", "timeout")
    assert states["/reload/"].reason == "browser_error"
    assert "kept navigating" in states["/reload/"].detail
    assert "skipped, timeout: 2" in result.stdout


def _audit_each(base: str, paths: list[str], settings: AuditSettings, limit: float):
    """Audit `paths` in order in one auditor; None for an audit that did not end in `limit` s."""

    async def run():
        auditor = Auditor(settings)
        results = []
        try:
            for path in paths:
                task = asyncio.ensure_future(auditor.audit(f"{base}{path}"))
                done, _ = await asyncio.wait({task}, timeout=limit)
                results.append(task.result() if done else None)
                if not done:
                    break
            return results
        finally:
            await asyncio.wait({asyncio.ensure_future(auditor.close())}, timeout=30)

    return asyncio.run(run())


def test_a_page_that_reloads_itself_is_closed_and_stops_reloading(tmp_path, monkeypatch):
    """A page that reloads itself for ever: its tab's close could hang (and the page went on
    reloading and growing without end); the next pages must still be audited."""
    import hostile_site

    reloads: list[str] = []  # appended from the server's threads (atomic in CPython)
    respond = hostile_site.HostileSite.response

    def counting(self, path):
        if path == "/reload/":
            reloads.append(path)
        return respond(self, path)

    monkeypatch.setattr(hostile_site.HostileSite, "response", counting)
    settings = AuditSettings(concurrency=1, navigation_timeout_s=5, axe_timeout_s=5)
    # Whether closing hangs depends on where in its reload the page is: three tries.
    paths = ["/page/1/", "/reload/", "/page/2/", "/dialogs/", "/reload/", "/page/1/", "/reload/"]
    paths.append("/page/2/")
    with serve_hostile_site(normal_pages=2) as base:
        results = _audit_each(base, paths, settings, limit=60)
        reloads_after_audit = len(reloads)
        asyncio.run(asyncio.sleep(2))
        reloads_later = len(reloads)
    assert None not in results, "an audit did not end"
    for path, result in zip(paths, results, strict=True):
        if path == "/reload/":
            assert result.error.startswith("PageKeptNavigating: the page kept navigating")
        else:
            assert result.error is None, (path, result.error)
    assert reloads_later == reloads_after_audit  # nothing reloads it any more


def test_an_endless_script_during_the_audit_is_a_timeout_and_the_next_page_is_audited(tmp_path):
    settings = AuditSettings(concurrency=1, navigation_timeout_s=5, axe_timeout_s=3)
    with serve_hostile_site(normal_pages=1) as base:
        results = _audit_each(base, ["/spin-on-audit/", "/page/1/"], settings, limit=60)
    assert None not in results, "an audit did not end"
    spinning, normal = results
    assert spinning.error == "TimeoutError: axe-core took longer than 3 s"
    assert normal.error is None and normal.title == "Page 1"


@dataclass(frozen=True)
class _TinyBudget(AuditSettings):
    def page_budget_s(self) -> float:
        return 0.5


class _StuckAuditor(Auditor):
    """A page that never finishes: a hang none of the auditor's own bounds caught."""

    def __init__(self) -> None:
        super().__init__(_TinyBudget())
        self.recycled = 0

    async def audit(self, url, **options):
        await asyncio.Event().wait()

    async def recycle(self) -> None:
        self.recycled += 1


def test_the_run_backstop_records_a_timeout_and_recycles_the_browser():
    auditor = _StuckAuditor()
    hooks = SimpleNamespace(auditor=auditor, log=RunLog(None), _keyboard=lambda site_id: None)
    page = FetchedPage(
        "local", "test", "http://127.0.0.1:9/x", "http://127.0.0.1:9/x", 200, 0, "", b""
    )
    artifacts = asyncio.run(AuditHooks._audit_within_budget(hooks, page, None))
    assert artifacts.error == "TimeoutError: the whole audit of the page took longer than 0.5 s"
    assert auditor.recycled == 1
    outcome = _page_outcome("local", page.url, 0, artifacts)
    assert (outcome.state, outcome.reason) == ("skipped", "timeout")
