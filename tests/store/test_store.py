"""The store on SQLite and PostgreSQL: runs record versions, pages keep re-judgeable artifacts."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from massaudit.rules.judge import PageJudgement
from massaudit.rules.model import Finding, PageArtifacts
from massaudit.store.db import RunVersions, Store, StoreError

VERSIONS = RunVersions(tool="0.1.0", axe="4.14.1", catalogue="1+axe4.14.1+abc", scoring="1")


def artifacts(url: str, title: str = "Page") -> PageArtifacts:
    return PageArtifacts(
        url=url,
        final_url=url,
        status=200,
        title=title,
        axe={"violations": [{"id": "image-alt", "nodes": [{"target": ["img"]}]}], "passes": []},
        timings={"total_ms": 12.5},
    )


JUDGEMENT = PageJudgement(
    findings=[
        Finding("image-alt", "accessibility", "fail", "critical", "img", "<img>", ("1.1.1",), "m")
    ],
    rule_outcomes={"image-alt": "fail"},
    scores={"accessibility": 0.0, "compliant": False},
)


def exercise(store: Store) -> None:
    run_id = store.begin_run({"sites": []}, {"audit": {}}, VERSIONS)
    page_id = store.save_page(
        run_id,
        site_id="s",
        agency_id="a",
        depth=0,
        artifacts=artifacts("http://x/1", "<script>alert(1)</script>"),
        judgement=JUDGEMENT,
    )
    store.finish_run(run_id, "complete", {"pages_audited": 1})
    run = store.get_run(run_id)
    assert (run.status, run.axe_version, run.catalogue_version, run.scoring_version) == (
        "complete",
        "4.14.1",
        "1+axe4.14.1+abc",
        "1",
    )
    assert run.finished_at is not None and run.config == {"sites": []}
    [(stored_id, stored)] = list(store.iter_artifacts(run_id))
    assert stored_id == page_id and stored == artifacts("http://x/1", "<script>alert(1)</script>")
    [finding] = store.findings(run_id)
    assert (finding.rule_id, finding.wcag, finding.outcome) == ("image-alt", "1.1.1", "fail")
    store.replace_judgement(
        run_id, page_id, PageJudgement([], {"image-alt": "pass"}, {"accessibility": 100.0})
    )
    assert store.findings(run_id) == []
    assert store.pages(run_id)[0].scores == {"accessibility": 100.0}
    assert store.latest_run().id == run_id


def test_sqlite_store(tmp_path):
    store = Store(str(tmp_path / "nested" / "audit.sqlite"))
    exercise(store)
    store.close()


@pytest.mark.postgres
def test_postgres_store(postgres_url):
    store = Store(postgres_url)
    exercise(store)
    store.close()


def test_bad_database_url_is_one_line():
    with pytest.raises(StoreError) as excinfo:
        Store("nosuchdialect://x/y")
    assert "\n" not in str(excinfo.value) and "nosuchdialect" in str(excinfo.value)


def test_run_of_a_dead_process_becomes_incomplete(tmp_path):
    """A run left 'running' by a killed process keeps its pages and is marked incomplete."""
    db = tmp_path / "audit.sqlite"
    script = (
        "import os\n"
        "from massaudit.store.db import Store, RunVersions\n"
        f"s = Store({str(db)!r})\n"
        "s.begin_run({}, {}, RunVersions('0', '4', 'c', '1'))\n"
        "os._exit(9)\n"
    )
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    subprocess.run([sys.executable, "-c", script], check=False, env=env)
    store = Store(str(db))
    assert store.runs()[0].status == "running"
    assert store.mark_abandoned_runs() == [1]
    assert store.get_run(1).status == "incomplete"


def exercise_reuse(store: Store) -> None:
    """An unchanged page is carried into the next run with its findings and links."""
    first = store.begin_run({"sites": []}, {"audit": {}}, VERSIONS)
    old_id = store.save_page(
        first,
        site_id="s",
        agency_id="a",
        depth=0,
        artifacts=artifacts("http://x/1"),
        judgement=JUDGEMENT,
        links=("http://x/2", "http://x/3"),
    )
    store.finish_run(first, "complete", {})
    second = store.begin_run({"sites": []}, {"audit": {}}, VERSIONS)
    state = {"site_id": "s", "url": "http://x/1", "state": "unchanged", "depth": 1}
    links = store.reuse_page(second, old_id, depth=1, url_state=state)
    assert sorted(links) == ["http://x/2", "http://x/3"]
    [finding] = store.findings(second)
    assert (finding.rule_id, finding.wcag, finding.message) == ("image-alt", "1.1.1", "m")
    [page] = store.pages(second)
    assert finding.page_id == page.id != old_id and page.reused_from == old_id


def test_sqlite_reuse(tmp_path):
    store = Store(str(tmp_path / "audit.sqlite"))
    exercise_reuse(store)
    store.close()


@pytest.mark.postgres
def test_postgres_reuse(postgres_url):
    store = Store(postgres_url)
    exercise_reuse(store)
    store.close()
