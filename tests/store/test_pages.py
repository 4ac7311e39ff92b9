"""Which earlier pages a run may reuse: each site's last complete audit, with the time the
artifacts it holds were fetched (through reuse chains)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from massaudit.rules.judge import PageJudgement
from massaudit.rules.model import PageArtifacts
from massaudit.store.db import RunVersions, Store
from massaudit.store.schema import PageRow

VERSIONS = RunVersions(tool="0.1.0", axe="4.14.1", catalogue="1+axe4.14.1+abc", scoring="1")


def save(store, run_id, site, url, error=None):
    page = PageArtifacts(url, url, 200, "Page", {"violations": []}, {}, error=error)
    judgement = PageJudgement([], {}, {})
    return store.save_page(
        run_id, site_id=site, agency_id="a", depth=0, artifacts=page, judgement=judgement
    )


def exercise_previous_pages(store: Store) -> None:
    first = store.begin_run({"sites": []}, {"audit": {}}, VERSIONS)
    kept = save(store, first, "s", "http://x/kept")
    save(store, first, "s", "http://x/failed", error="TimeoutError: slow")
    other = save(store, first, "t", "http://y/")
    store.finish_run(first, "complete", {})
    fetched = datetime(2026, 1, 1, 9, 30, tzinfo=UTC)
    with store.session() as s, s.begin():
        s.get(PageRow, kept).audited_at = fetched

    second = store.begin_run({"sites": []}, {"audit": {}}, VERSIONS)  # site s only
    state = {"site_id": "s", "url": "http://x/kept", "state": "unchanged"}
    store.reuse_page(second, kept, depth=0, url_state=state)
    new = save(store, second, "s", "http://x/new")
    store.finish_run(second, "complete", {})

    third = store.begin_run({"sites": []}, {"audit": {}}, VERSIONS)  # never finished
    save(store, third, "s", "http://x/unfinished")

    previous = store.previous_pages(third + 1, ["s", "t", "u"])
    assert set(previous) == {("s", "http://x/kept"), ("s", "http://x/new"), ("t", "http://y/")}
    reused = previous[("s", "http://x/kept")]
    assert reused[0] != kept  # run 2's row, whose artifacts are run 1's...
    assert abs(_utc(reused[4]) - fetched) < timedelta(seconds=1)  # ...fetched then
    assert previous[("s", "http://x/new")][0] == new and previous[("t", "http://y/")][0] == other
    assert store.previous_pages(second, ["s"]).keys() == {("s", "http://x/kept")}
    assert store.last_audits(["s", "t", "u"]) == {"s": (second, 2, 0), "t": (first, 1, 0)}


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def test_sqlite_previous_pages(tmp_path):
    store = Store(str(tmp_path / "audit.sqlite"))
    exercise_previous_pages(store)
    store.close()


@pytest.mark.postgres
def test_postgres_previous_pages(postgres_url):
    store = Store(postgres_url)
    exercise_previous_pages(store)
    store.close()
