"""The store's SQL views (store/views.py, docs/data.md) on SQLite and PostgreSQL: the same
columns on both, complete runs only, page scores as plain columns, and site and agency scores
equal to the scorecard's; every example query of docs/data.md answers on both."""

from __future__ import annotations

import re
import shutil

import pytest
from alembic import command
from history_runs import SITE_AGENCY, site_pages, store_sites_run
from repo_paths import REPO
from sqlalchemy import inspect, text
from store_fixture import dump_path, load_dump

from massaudit.reports.views import build_scorecard
from massaudit.rules.catalogue import load_catalogue
from massaudit.store import migrate
from massaudit.store.db import RunVersions, Store
from massaudit.store.migrate import revision_id
from massaudit.store.schema import SCHEMA_VERSION
from massaudit.store.views import SCORE_COLUMNS, VIEW_NAMES, view_selects

DATA_DOC = REPO / "docs" / "data.md"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'audit.sqlite'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def two_runs(store_url, catalogue):
    """Run 1: every site has the search-button bug and parks an image bug too; run 2: parks'
    image fixed; then a run still running, which no view shows."""
    store = Store(store_url)
    first = store_sites_run(
        store,
        catalogue,
        {
            "parks": site_pages("parks", image_bug=True),
            "camps": site_pages("camps", count=2),
            "transit": site_pages("transit", search_bug=False),
        },
    )
    second = store_sites_run(
        store,
        catalogue,
        {site: site_pages(site, search_bug=site != "transit") for site in SITE_AGENCY},
    )
    store.begin_run({}, {}, RunVersions(tool="0.1.0", axe="4.14.1", catalogue="t", scoring="3"))
    yield store, first, second
    store.close()


def rows(store: Store, sql: str, **params) -> list[dict]:
    with store.engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(text(sql), params)]


def test_a_new_store_has_the_views_with_the_same_columns_on_both_databases(store_url):
    store = Store(store_url)
    dialect = store.engine.dialect.name
    assert set(VIEW_NAMES) <= set(inspect(store.engine).get_view_names())
    for name, select in view_selects(dialect).items():
        columns = [c["name"] for c in inspect(store.engine).get_columns(name)]
        assert columns == output_names(select), name
        assert columns == output_names(view_selects("sqlite")[name]), name
    store.close()
    page_columns = output_names(view_selects(dialect)["v_page_scores"])
    assert page_columns[-len(SCORE_COLUMNS) :] == list(SCORE_COLUMNS)
    assert "plain_language" in output_names(view_selects(dialect)["v_site_scores"])


def output_names(select: str) -> list[str]:
    """The names of a SELECT's columns (`x AS name`, or the column itself)."""
    head = select.split("\nFROM")[0].removeprefix("SELECT ")
    names, depth, item = [], 0, ""
    for char in head + ",":
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            names.append(re.split(r"\s+AS\s+", item.strip())[-1].split(".")[-1])
            item = ""
        else:
            item += char
    return names


def test_a_store_of_an_earlier_schema_gets_the_views_when_upgraded(store_url):
    backend = "postgresql" if store_url.startswith("postgresql") else "sqlite"
    load_dump(dump_path(4, backend).read_text(encoding="utf-8"), store_url)
    store = Store(store_url, create=False)
    assert store.schema_change == migrate.SchemaChange(4, SCHEMA_VERSION)
    complete = [r.id for r in store.runs() if r.status == "complete"]
    pages = sum(len(store.pages(run_id)) for run_id in complete)
    assert complete and pages
    assert rows(store, "SELECT COUNT(*) AS n FROM v_page_scores") == [{"n": pages}]
    assert rows(store, "SELECT COUNT(*) AS n FROM v_site_scores")[0]["n"] > 0
    store.close()


def test_page_scores_are_columns_of_complete_runs_only(two_runs):
    store, first, second = two_runs
    pages = rows(store, "SELECT * FROM v_page_scores ORDER BY run_id, url")
    assert {p["run_id"] for p in pages} == {first, second}
    assert len(pages) == 8 + 9
    parks = [p for p in pages if p["run_id"] == first and p["site_id"] == "parks"]
    stored = {p.url: p.scores for p in store.pages(first) if p.site_id == "parks"}
    for page in parks:
        scores = stored[page["url"]]
        assert page["agency_id"] == "parks"
        assert page["equity"] == scores["equity"]
        assert page["accessibility"] == scores["accessibility"]
        assert page["plain_language"] == scores["plain-language"]
        assert bool(page["compliant"]) is scores["compliant"] is False
        assert not page["reused"]
    assert rows(store, "SELECT run_date FROM v_page_scores WHERE run_id = :r", r=first)[0][
        "run_date"
    ].__str__() == str(store.get_run(first).started_at.date())


def test_site_and_agency_scores_are_the_scorecards(two_runs, catalogue):
    store, first, second = two_runs
    for run_id in (first, second):
        scorecard = build_scorecard(store, store.get_run(run_id), catalogue)
        for kind, groups in (("site", scorecard.sites), ("agency", scorecard.agencies)):
            found = {
                row[f"{kind}_id"]: row
                for row in rows(store, f"SELECT * FROM v_{kind}_scores WHERE run_id = :r", r=run_id)
            }
            assert set(found) == {g.id for g in groups}
            for group in groups:
                row = found[group.id]
                assert row["pages"] == len(group.pages)
                assert row["compliant_pages_percent"] == group.compliance.value
                assert row["equity"] == group.scores.equity.value, (kind, group.id)
                for dimension, score in group.scores.dimensions.items():
                    assert row[dimension.replace("-", "_")] == score.value, dimension


def test_findings_and_rule_failures_name_their_run_site_and_agency(two_runs):
    store, first, second = two_runs
    failures = rows(
        store,
        "SELECT site_id, agency_id, rule_id, impact, pages, occurrences FROM v_rule_failures "
        "WHERE run_id = :r ORDER BY site_id, rule_id",
        r=first,
    )
    assert failures == [
        {"site_id": "camps", "agency_id": "parks", "rule_id": "button-name", "impact": "critical",
         "pages": 2, "occurrences": 2},
        {"site_id": "parks", "agency_id": "parks", "rule_id": "button-name", "impact": "critical",
         "pages": 3, "occurrences": 3},
        {"site_id": "parks", "agency_id": "parks", "rule_id": "image-alt", "impact": "critical",
         "pages": 3, "occurrences": 3},
    ]  # fmt: skip
    findings = rows(store, "SELECT * FROM v_findings WHERE run_id = :r", r=second)
    assert {f["rule_id"] for f in findings if f["outcome"] == "fail"} == {"button-name"}
    assert all(f["page_url"].startswith(f"http://{f['site_id']}/") for f in findings)


def test_agency_and_site_names_come_out_of_the_runs_config(two_runs):
    store, first, second = two_runs
    assert rows(store, "SELECT agency_id, name FROM v_agencies WHERE run_id = :r", r=second) == [
        {"agency_id": "parks", "name": "Department of Parks"},
        {"agency_id": "transit", "name": "Transit"},
    ]
    sites = rows(store, "SELECT site_id, agency_id, name FROM v_sites WHERE run_id = :r", r=first)
    assert sites == [
        {"site_id": site, "agency_id": agency, "name": site.title()}
        for site, agency in SITE_AGENCY.items()
    ]
    runs = rows(store, "SELECT run_id, status, pages FROM v_runs ORDER BY run_id")
    assert [(r["status"], r["pages"]) for r in runs] == [
        ("complete", 8),
        ("complete", 9),
        ("running", 0),
    ]


def example_queries() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", DATA_DOC.read_text(encoding="utf-8"), re.DOTALL)


def test_every_example_query_of_the_docs_answers(two_runs):
    store, _, _ = two_runs
    queries = example_queries()
    assert len(queries) >= 4
    for query in queries:
        assert rows(store, query), query


def test_a_later_revision_may_rebuild_a_table_the_views_read(tmp_path, monkeypatch):
    """SQLite cannot rebuild (batch mode) a table a view reads, and PostgreSQL cannot change the
    type of its columns: store.migrate drops the views before the revisions and creates them
    again after, so a revision written as docs/store.md says never minds them."""
    url = f"sqlite:///{tmp_path / 'audit.sqlite'}"
    Store(url).close()  # at the head, with its views
    migrations = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, migrations, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrate, "MIGRATIONS", migrations)
    migrate.scripts.cache_clear()
    try:
        next_id = revision_id(SCHEMA_VERSION + 1)
        command.revision(migrate.alembic_config(), "pages keep a note", rev_id=next_id)
        (written,) = (migrations / "versions").glob(f"{next_id}_*.py")
        written.write_text(
            written.read_text(encoding="utf-8").replace(
                "    pass",
                '    with op.batch_alter_table("pages", recreate="always") as batch:\n'
                '        batch.add_column(sa.Column("note", sa.Text(), nullable=True))',
            ),
            encoding="utf-8",
        )
        store = Store(url, create=False)
        assert store.schema_change == migrate.SchemaChange(SCHEMA_VERSION, SCHEMA_VERSION + 1)
        assert set(VIEW_NAMES) <= set(inspect(store.engine).get_view_names())
        assert rows(store, "SELECT COUNT(*) AS n FROM v_page_scores") == [{"n": 0}]
        store.close()
    finally:
        migrate.scripts.cache_clear()
