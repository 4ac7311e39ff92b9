"""Writing `massaudit export` (reports/export_files.py): the JSON export validates against
docs/export.schema.json (one run, an agency, and --history); crawled text cannot act as a
formula in the CSV tables; Parquet keeps the declared column types; a missing pyarrow, a
missing folder and --run with --history are each one line; a failed export keeps the files of
the previous one."""

from __future__ import annotations

import copy
import csv
import json
import sys
from datetime import date, datetime

import jsonschema
import pytest
from history_runs import SITE_AGENCY, UNTAGGED, down_pages, site_pages, store_sites_run
from repo_paths import REPO

from massaudit.cli import main
from massaudit.reports import export_files
from massaudit.reports.export import export_agency_json
from massaudit.reports.export_tables import TABLES
from massaudit.reports.views import build_scorecard
from massaudit.rules.catalogue import load_catalogue
from massaudit.rules.model import PageArtifacts
from massaudit.store.db import Store

SCHEMA = json.loads((REPO / "docs" / "export.schema.json").read_text(encoding="utf-8"))
FORMULAS = ['=HYPERLINK("http://evil.example/","x")', "+1+1", "-2+3", "@SUM(1)", "\t=1", "\r=1"]


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="module")
def validator():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    return jsonschema.Draft202012Validator(SCHEMA)


@pytest.fixture
def store_db(tmp_path, catalogue):
    """Two complete runs: parks with an image bug and an untagged PDF, transit down; then every
    site, parks' pages titled with formulas and a needs-review item."""
    db = tmp_path / "audit.sqlite"
    store = Store(str(db))
    store_sites_run(
        store,
        catalogue,
        {"parks": site_pages("parks", image_bug=True), "transit": down_pages("transit")},
        documents={"parks": [UNTAGGED]},
    )
    hostile = [
        PageArtifacts(p.url, p.final_url, 200, title, p.axe | {"incomplete": [REVIEW]})
        for p, title in zip(site_pages("parks", count=len(FORMULAS)), FORMULAS, strict=True)
    ]
    store_sites_run(store, catalogue, {**{s: site_pages(s) for s in SITE_AGENCY}, "parks": hostile})
    yield store, db
    store.close()


REVIEW = {
    "id": "color-contrast",
    "impact": "serious",
    "nodes": [{"target": ["=cmd|' /C calc'!A0"], "html": "<p>@x</p>", "impact": "serious"}],
}


def errors(validator, data) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(data)]


def test_the_json_export_validates_against_its_schema(store_db, validator, catalogue, tmp_path):
    store, db = store_db
    one = tmp_path / "run.json"
    history = tmp_path / "history.json"
    assert main(["export", "--db", str(db), "--run", "1", "-o", str(one)]) == 0
    assert main(["export", "--db", str(db), "--history", "-o", str(history)]) == 0
    run = json.loads(one.read_text(encoding="utf-8"))
    assert errors(validator, run) == []
    assert run["documents"] and run["pages"][0]["findings"], "the schema saw them"
    assert any(p["error"] for p in run["pages"])
    data = json.loads(history.read_text(encoding="utf-8"))
    assert data["schema"] == "massaudit-export-history/1"
    assert [r["run"]["id"] for r in data["runs"]] == [1, 2]
    assert data["runs"][0] == run
    assert errors(validator, data) == []
    reviews = [
        f for p in data["runs"][1]["pages"] for f in p["findings"] if f["fingerprint"] is None
    ]
    assert reviews and all(f["outcome"] == "needs-review" for f in reviews)

    scorecard = build_scorecard(store, store.get_run(2), catalogue)
    for agency in scorecard.agencies:
        assert errors(validator, export_agency_json(scorecard, agency, catalogue)) == []


def test_the_schema_refuses_what_the_export_never_writes(store_db, validator, tmp_path):
    _, db = store_db
    out = tmp_path / "run.json"
    assert main(["export", "--db", str(db), "--run", "1", "-o", str(out)]) == 0
    run = json.loads(out.read_text(encoding="utf-8"))
    broken = []
    for change in (
        lambda d: d["run"].update(status="done"),
        lambda d: d["pages"][0].update(surprise=1),
        lambda d: d["pages"][0]["findings"][0].update(fingerprint="not hex"),
        lambda d: d["sites"][0]["scores"]["dimensions"].pop("documents"),
        lambda d: d["summary"].update(accessibility_score=101),
        lambda d: d["documents"][0].update(type="zip"),
        lambda d: d.pop("issues"),
    ):
        data = copy.deepcopy(run)
        change(data)
        broken.append(bool(errors(validator, data)))
    assert all(broken), broken


def test_no_csv_cell_can_act_as_a_formula(store_db, tmp_path):
    _, db = store_db
    out = tmp_path / "tables"
    assert main(["export", "--db", str(db), "--history", "--format", "csv", "-o", str(out)]) == 0
    titles = set()
    for path in out.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as file:
            rows = list(csv.reader(file))
        for row in rows:
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (path.name, cell)
        if path.name == "page_scores.csv":
            titles = {row[rows[0].index("title")] for row in rows[1:]}
    assert titles >= {"'" + f.replace("\r", "\n") for f in FORMULAS}


def test_parquet_tables_keep_the_declared_types(store_db, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    _, db = store_db
    out = tmp_path / "tables"
    code = main(["export", "--db", str(db), "--history", "--format", "parquet", "-o", str(out)])
    assert code == 0
    for name, columns in TABLES.items():
        table = pq.read_table(out / f"{name}.parquet")
        assert table.schema.names == [c.name for c in columns]
    pages = pq.read_table(out / "page_scores.parquet").to_pylist()
    assert len(pages) == 2 + 3 + len(FORMULAS) + 3 + 3
    first = pages[0]
    assert isinstance(first["run_date"], date) and isinstance(first["equity"], float)
    assert first["compliant"] is False
    runs = pq.read_table(out / "runs.parquet").to_pylist()
    assert isinstance(runs[0]["started_at"], datetime) and runs[0]["started_at"].tzinfo
    titles = {p["title"] for p in pages}
    assert set(FORMULAS) <= titles, "Parquet is typed: the text is kept as it was"


def test_without_pyarrow_parquet_is_one_line(store_db, tmp_path, monkeypatch, capsys):
    _, db = store_db
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow raises ImportError
    code = main(["export", "--db", str(db), "--format", "parquet", "-o", str(tmp_path / "t")])
    assert code == 2
    assert capsys.readouterr().err == f"massaudit: {export_files.PARQUET_MISSING}\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "csv"], "--format csv writes one file per table: give --output FOLDER"),
        (["--history", "--run", "1"], "--run and --history: give one"),
    ],
)
def test_an_export_that_cannot_be_written_is_one_line(store_db, args, message, capsys):
    _, db = store_db
    assert main(["export", "--db", str(db), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"massaudit: {message}") and err.count("\n") == 1


def test_a_failed_export_keeps_the_previous_files(store_db, tmp_path, monkeypatch):
    _, db = store_db
    out = tmp_path / "tables"
    assert main(["export", "--db", str(db), "--format", "csv", "-o", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export_files, "run_rows", fail)
    assert main(["export", "--db", str(db), "--format", "csv", "--history", "-o", str(out)]) == 3
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
