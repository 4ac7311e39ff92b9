"""A distributed run's writes (store/audit_jobs.py, store/url_states.py): a page saved once
however often its job is delivered, URL states that never move back, stale `auditing` URLs, the
coordinator's lock and heartbeat; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from massaudit.rules.catalogue import load_catalogue
from massaudit.rules.judge import judge
from massaudit.rules.model import PageArtifacts
from massaudit.store.db import RunVersions, Store

VERSIONS = RunVersions(tool="0.1.0", axe="4.14.1", catalogue="1+axe4.14.1+abc", scoring="1")
IMAGE = {"id": "image-alt", "impact": "critical", "nodes": [{"target": ["img"], "html": "<img>"}]}


def state(url: str, value: str, reason: str | None = None) -> dict:
    return {"site_id": "s", "url": url, "state": value, "reason": reason}


def save_once(store: Store, run_id: int, url: str) -> int | None:
    artifacts = PageArtifacts(url, url, 200, "Title", {"violations": [IMAGE], "passes": []})
    return store.save_page_once(
        run_id,
        site_id="s",
        agency_id="a",
        depth=0,
        artifacts=artifacts,
        judgement=judge(artifacts, load_catalogue()),
        url_state=state(url, "audited"),
        links=("http://x/next",),
    )


def exercise(store: Store) -> None:
    run_id = store.begin_run({"sites": []}, {"audit": {}}, VERSIONS)
    url = "http://x/a"
    store.record_url_states(run_id, [state(url, "queued")])
    store.record_url_states(run_id, [state(url, "auditing")])
    store.record_url_states(run_id, [state(url, "queued")])  # never back from auditing
    assert store.url_state(run_id, "s", url) == "auditing"
    first = save_once(store, run_id, url)
    assert first is not None
    findings = len(store.findings(run_id))
    assert findings > 0
    assert save_once(store, run_id, url) is None  # delivered again: nothing written
    assert len(store.pages(run_id)) == 1
    assert len(store.findings(run_id)) == findings
    for pending in ("queued", "auditing"):  # a final state never goes back
        store.record_url_states(run_id, [state(url, pending)])
        assert store.url_state(run_id, "s", url) == "audited"
    store.record_url_states(run_id, [state(url, "skipped", "browser_error")])
    assert store.state_counts(run_id) == {"skipped:browser_error": 1}

    store.record_url_states(run_id, [state("http://x/b", "auditing")])
    assert store.stale_auditing(run_id, older_than=3600) == []
    assert store.stale_auditing(run_id, older_than=-1) == [("s", "http://x/b", 0)]
    store.beat(run_id)
    assert store.get_run(run_id).heartbeat_at is not None


def test_sqlite_audit_job_writes(tmp_path):
    store = Store(str(tmp_path / "audit.sqlite"))
    exercise(store)
    store.close()


def test_postgres_audit_job_writes(postgres_url):
    store = Store(postgres_url)
    exercise(store)
    run_id = store.begin_run({"sites": []}, {"audit": {}}, VERSIONS)
    lock = store.lock_run(run_id)
    assert lock is not None
    assert store.lock_run(run_id) is None  # a second coordinator of the run is refused
    lock.close()
    again = store.lock_run(run_id)
    assert again is not None
    again.close()
    store.close()


@pytest.mark.parametrize("silent_for", [0, 3600])
def test_a_silent_coordinator_leaves_its_run_resumable(tmp_path, silent_for):
    from datetime import timedelta

    from sqlalchemy import update

    from massaudit.store.connection import now
    from massaudit.store.schema import RunRow

    store = Store(str(tmp_path / "audit.sqlite"))
    run_id = store.begin_run({"sites": []}, {"audit": {}}, VERSIONS)
    with store.session() as s, s.begin():
        beat = now() - timedelta(seconds=silent_for)
        s.execute(update(RunRow).where(RunRow.id == run_id).values(heartbeat_at=beat))
    abandoned = store.mark_abandoned_runs()
    assert abandoned == ([run_id] if silent_for else [])
    store.close()
