"""Judging the pages of `massaudit check` (pipeline/check/audit.py) from saved artifacts, without a
browser: a second copy of a known problem is new, at its own line, in every report format."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from massaudit.pipeline.check.audit import judge_targets
from massaudit.pipeline.check.baseline import baseline_data
from massaudit.pipeline.check.gate import apply_gate
from massaudit.pipeline.check.inputs import Target
from massaudit.pipeline.check.suppressions import CheckConfig
from massaudit.reports.ci import CheckReport, render
from massaudit.rules.catalogue import load_catalogue
from massaudit.rules.model import PageArtifacts

LINES = [
    "<!doctype html>",
    "<html lang=en>",
    "<head><title>Parks</title></head>",
    "<body>",
    "<main>",
    "<h1>Parks</h1>",
    "<p>Intro</p>",
    '<img src="a.png">',  # line 8: the known problem
    "<p>More</p>",
    '<img src="a.png">',  # line 10: a copy pasted below it
    "</main>",
    "</body>",
]
URL = "http://127.0.0.1:9/page.html"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def judged(tmp_path, catalogue, copies: int):
    lines = LINES if copies == 2 else LINES[:9] + LINES[10:]
    path = tmp_path / "page.html"
    path.write_text("\n".join(lines), encoding="utf-8")
    # Selectors whose text order is not document order: "nth-child(10)" sorts before "(8)".
    nodes = [
        {
            "target": [f"main > img:nth-child({n})"],
            "html": '<img src="a.png">',
            "impact": "critical",
        }
        for n in ((10, 8) if copies == 2 else (8,))
    ]
    axe = {"violations": [{"id": "image-alt", "impact": "critical", "nodes": nodes}]}
    artifacts = PageArtifacts(URL, URL, 200, "Parks", axe)
    target = Target(key="page.html", kind="file", url=URL, path=path)
    [page] = judge_targets([target], [artifacts], catalogue, {"image-alt"})
    return page


def test_second_copy_of_a_known_problem_is_new_at_its_own_line(tmp_path, catalogue, monkeypatch):
    monkeypatch.chdir(tmp_path)
    known = judged(tmp_path, catalogue, copies=1)
    assert [i.line for i in known.findings] == [8]
    baseline = Counter(
        (e["page"], e["rule"], e["fingerprint"]) for e in baseline_data([known], "v")["findings"]
    )
    page = judged(tmp_path, catalogue, copies=2)
    assert [i.line for i in page.findings] == [8, 10]
    apply_gate([page], catalogue, CheckConfig(), baseline, "serious", {})
    assert [(i.line, i.status) for i in page.findings] == [(8, "baselined"), (10, "new")]
    report = CheckReport(pages=[page], rules={}, exit_code=1)
    assert "page.html:10" in render(report, "text")
    assert "page.html:8" not in render(report, "text")
    assert "page.html\\:10 |" in render(report, "markdown")
    results = json.loads(render(report, "sarif"))["runs"][0]["results"]
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results] == [
        8,
        10,
    ]
    assert len({r["partialFingerprints"]["massaudit/v2"] for r in results}) == 2
