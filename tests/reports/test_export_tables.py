"""The tidy tables of the export (reports/export_tables.py): `massaudit export --format csv
--history` on a store of two runs writes every table with its declared columns, one row per run,
agency score, site score, page, finding, issue, document and URL state of each complete run, and
each agency and site once; the columns are the ones docs/export.md lists."""

from __future__ import annotations

import csv
import re
from collections import Counter

import pytest
from history_runs import SITE_AGENCY, UNTAGGED, site_pages, store_sites_run
from repo_paths import REPO

from massaudit.cli import main
from massaudit.reports.export_tables import TABLES
from massaudit.reports.views import build_scorecard
from massaudit.rules.catalogue import load_catalogue
from massaudit.store.db import RunVersions, Store

EXPORT_DOC = REPO / "docs" / "export.md"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture
def two_runs(tmp_path, catalogue):
    """Run 1 audits parks (an image without alt text on every page; an untagged PDF) and
    transit; run 2 audits all three sites with the images fixed; a third run is still running."""
    db = tmp_path / "audit.sqlite"
    store = Store(str(db))
    first = store_sites_run(
        store,
        catalogue,
        {"parks": site_pages("parks", image_bug=True), "transit": site_pages("transit")},
        documents={"parks": [UNTAGGED]},
    )
    store.record_url_states(
        first,
        [
            {"site_id": "parks", "url": "http://parks/0/", "state": "audited", "depth": 0},
            {"site_id": "parks", "url": "http://other/", "state": "skipped",
             "reason": "out_of_scope", "referrer": "http://parks/0/"},
        ],
    )  # fmt: skip
    second = store_sites_run(store, catalogue, {s: site_pages(s) for s in SITE_AGENCY})
    store.begin_run({}, {}, RunVersions(tool="0.1.0", axe="4.14.1", catalogue="t", scoring="3"))
    yield store, db, first, second
    store.close()


def read_tables(folder) -> dict[str, list[dict[str, str]]]:
    tables = {}
    for name in TABLES:
        with (folder / f"{name}.csv").open(encoding="utf-8", newline="") as file:
            reader = csv.DictReader(file)
            assert tuple(reader.fieldnames) == tuple(c.name for c in TABLES[name]), name
            tables[name] = list(reader)
    return tables


def test_csv_history_writes_every_table_of_every_complete_run(two_runs, catalogue, tmp_path):
    store, db, first, second = two_runs
    out = tmp_path / "tables"
    assert main(["export", "--db", str(db), "--format", "csv", "--history", "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.csv" for n in TABLES)
    tables = read_tables(out)

    runs = {row["run_id"]: row for row in tables["runs"]}
    assert list(runs) == [str(first), str(second)]  # the running run is not exported
    started = store.get_run(first).started_at
    assert runs[str(first)]["run_date"] == started.date().isoformat()
    assert runs[str(first)]["started_at"].startswith(started.isoformat()[:19])
    assert runs[str(first)]["started_at"].endswith("+00:00")
    assert (runs[str(first)]["status"], runs[str(second)]["pages"]) == ("complete", "9")

    assert tables["agencies"] == [
        {"agency_id": "parks", "name": "Department of Parks", "last_run_id": str(second)},
        {"agency_id": "transit", "name": "Transit", "last_run_id": str(second)},
    ]
    assert [(s["site_id"], s["agency_id"], s["hosts"]) for s in tables["sites"]] == [
        ("camps", "parks", "camps"),
        ("parks", "parks", "parks"),
        ("transit", "transit", "transit"),
    ]

    for run_id in (first, second):
        scorecard = build_scorecard(store, store.get_run(run_id), catalogue)
        of_run = {name: [r for r in rows if r.get("run_id") == str(run_id)]
                  for name, rows in tables.items()}  # fmt: skip
        pages = {row["url"]: row for row in of_run["page_scores"]}
        assert set(pages) == {p.row.url for p in scorecard.pages}
        for page in scorecard.pages:
            row = pages[page.row.url]
            assert (row["agency_id"], row["site_id"]) == (page.row.agency_id, page.row.site_id)
            assert row["equity"] == str(page.value("equity"))
            assert row["accessibility"] == str(page.value("accessibility"))
            assert row["plain_language"] == ""  # no rule of the dimension applied
            assert row["compliant"] == "false" and row["reused"] == "false"

        failures = [f for p in scorecard.pages for f in p.failures]
        found = [r for r in of_run["findings"] if r["outcome"] == "fail"]
        assert Counter((r["url"], r["rule_id"], r["fingerprint"]) for r in found) == Counter(
            (p.row.url, f.rule_id, scorecard.fingerprints[f.id])
            for p in scorecard.pages
            for f in p.failures
        )
        assert len(found) == len(failures)

        sites = {row["site_id"]: row for row in of_run["site_scores"]}
        for site in scorecard.sites:
            assert sites[site.id]["pages"] == str(len(site.pages))
            assert sites[site.id]["equity"] == ("" if site.equity.value is None
                                                else str(site.equity.value))  # fmt: skip
            issues = {r["fingerprint"]: r for r in of_run["issues"] if r["site_id"] == site.id}
            assert set(issues) == {i.fingerprint for i in site.issues}
            for issue in site.issues:
                assert issues[issue.fingerprint]["pages"] == str(len(issue.pages))
                assert issues[issue.fingerprint]["agency_id"] == SITE_AGENCY[site.id]
        assert {r["agency_id"] for r in of_run["agency_scores"]} == {"parks", "transit"}

    image = [r for r in tables["issues"] if r["rule_id"] == "image-alt"]
    assert {r["run_id"] for r in image} == {str(first)}, "fixed in run 2"
    (document,) = tables["documents"]
    assert (document["run_id"], document["site_id"], document["failing_rules"]) == (
        str(first),
        "parks",
        "pdf-tagged",
    )
    assert [(s["run_id"], s["state"], s["reason"]) for s in tables["url_states"]] == [
        (str(first), "skipped", "out_of_scope"),
        (str(first), "audited", ""),
    ]


def test_without_history_the_tables_hold_the_chosen_run(two_runs, tmp_path):
    _, db, first, _ = two_runs
    out = tmp_path / "tables"
    assert main(["export", "--db", str(db), "--run", str(first), "--format", "csv",
                 "-o", str(out)]) == 0  # fmt: skip
    tables = read_tables(out)
    assert {row["run_id"] for row in tables["page_scores"]} == {str(first)}
    assert [row["site_id"] for row in tables["sites"]] == ["camps", "parks", "transit"]


def test_docs_list_every_table_and_its_columns():
    text = EXPORT_DOC.read_text(encoding="utf-8")
    for name, columns in TABLES.items():
        match = re.search(rf"^\| `{name}` \| (.*?) \|", text, re.MULTILINE)
        assert match, f"docs/export.md has no row for the {name} table"
        listed = re.findall(r"`(\w+)`", match.group(1).replace("*scores*", SCORES_IN_DOCS))
        assert listed == [c.name for c in columns], name


# docs/export.md writes the score columns of a table once, as *scores*.
SCORES_IN_DOCS = " ".join(f"`{c.name}`" for c in TABLES["page_scores"] if c.type == "float")
