"""Judging saved artifacts: a real axe run, then hand-made edge cases. No browser."""

from __future__ import annotations

import copy
import json
import random

import pytest
from repo_paths import FIXTURES

from massaudit.rules.axe_findings import (
    HTML_LIMIT,
    axe_findings,
    selector_from_target,
    truncate_html,
)
from massaudit.rules.catalogue import load_catalogue
from massaudit.rules.model import Finding, PageArtifacts

FIXTURE = FIXTURES / "artifacts" / "sample-page.json"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def page(violations=(), incomplete=(), error=None, **extra_axe) -> PageArtifacts:
    axe = {"violations": list(violations), "incomplete": list(incomplete), **extra_axe}
    return PageArtifacts(
        url="https://www.mass.gov/x",
        final_url="https://www.mass.gov/x",
        status=200 if error is None else None,
        title="x",
        axe=axe,
        error=error,
    )


def result(rule_id, *nodes, impact=None, tags=()):
    return {"id": rule_id, "impact": impact, "tags": list(tags), "nodes": list(nodes)}


def node(target, html="<div></div>", impact=None, summary="Fix it", **checks):
    data = {"target": target, "html": html, "impact": impact, "failureSummary": summary}
    data.update(checks)
    return data


# --- a real axe result (made by scripts/generate_axe_catalogue.py --sample-fixture) ------------


def test_sample_page_findings(catalogue):
    artifacts = PageArtifacts.from_dict(json.loads(FIXTURE.read_text()))
    assert artifacts.axe_version == "4.14.1"
    findings = axe_findings(artifacts, catalogue)
    assert [(f.rule_id, f.outcome, f.impact, f.selector, f.wcag, f.category) for f in findings] == [
        ("color-contrast", "needs-review", "serious", "#hero", ("1.4.3",), "accessibility"),
        ("image-alt", "fail", "critical", "#seal", ("1.1.1",), "accessibility"),
        ("label", "fail", "critical", "#permit-number", ("4.1.2",), "accessibility"),
    ]
    contrast, image, label = findings
    assert contrast.html.startswith('<p id="hero" style="background-image: linear-gradient(')
    assert "background gradient" in contrast.message
    assert image.html == (
        '<img id="seal" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="40" height="40">'
    )
    assert image.message.startswith("Fix any of the following:")
    assert "Element does not have an alt attribute" in image.message
    assert label.html == '<input type="text" id="permit-number" name="permit-number">'
    assert "explicit <label>" in label.message


def test_fixture_has_the_page_artifacts_shape():
    data = json.loads(FIXTURE.read_text())
    # Stored before massaudit's own checks existed: no `facts`, which load as empty.
    assert "facts" not in data
    assert PageArtifacts.from_dict(data).to_dict() == data | {"facts": {}}
    assert set(data["axe"]) >= {"violations", "incomplete", "passes", "inapplicable"}


def test_judging_is_pure_and_deterministic(catalogue):
    artifacts = PageArtifacts.from_dict(json.loads(FIXTURE.read_text()))
    before = copy.deepcopy(artifacts.to_dict())
    first = axe_findings(artifacts, catalogue)
    assert artifacts.to_dict() == before
    shuffled = copy.deepcopy(before)
    for bucket in ("violations", "incomplete"):
        random.Random(7).shuffle(shuffled["axe"][bucket])
    assert axe_findings(PageArtifacts.from_dict(shuffled), catalogue) == first
    assert all(isinstance(f, Finding) for f in first)


# --- hand-made edge cases ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "selector"),
    [
        (["#main > img"], "#main > img"),
        (["iframe#map", "button.zoom"], "iframe#map >>> button.zoom"),  # element in an iframe
        ([["my-widget", "#inner"]], "my-widget >>> #inner"),  # element in a shadow root
        (["iframe", ["x-host", "button"]], "iframe >>> x-host >>> button"),  # both
        ([], ""),
        (None, ""),
    ],
)
def test_selector_from_target(target, selector):
    assert selector_from_target(target) == selector


def test_nested_targets_in_findings(catalogue):
    findings = axe_findings(
        page([result("button-name", node(["iframe#f", ["x-app", "button"]]), impact="critical")]),
        catalogue,
    )
    assert [f.selector for f in findings] == ["iframe#f >>> x-app >>> button"]


def test_html_is_truncated(catalogue):
    long_html = "<p>" + "x" * 5000 + "</p>"
    findings = axe_findings(page([result("image-alt", node(["p"], html=long_html))]), catalogue)
    assert len(findings[0].html) == HTML_LIMIT == 1000
    assert findings[0].html == long_html[:999] + "…"
    exact = "y" * 1000
    assert truncate_html(exact) == exact


def test_every_node_becomes_a_finding_sorted(catalogue):
    violations = [
        result("label", node(["#b"]), node(["#a"])),
        result("image-alt", node(["#z"]), node(["#c"])),
    ]
    incomplete = [result("color-contrast", node(["#m"]))]
    findings = axe_findings(page(violations, incomplete), catalogue)
    assert [(f.rule_id, f.selector, f.outcome) for f in findings] == [
        ("color-contrast", "#m", "needs-review"),
        ("image-alt", "#c", "fail"),
        ("image-alt", "#z", "fail"),
        ("label", "#a", "fail"),
        ("label", "#b", "fail"),
    ]


def test_impact_falls_back_from_node_to_result_to_catalogue(catalogue):
    findings = axe_findings(
        page(
            [
                result("image-alt", node(["#node"], impact="minor"), impact="serious"),
                result("label", node(["#result"]), impact="moderate"),
                result("region", node(["#catalogue"])),
            ]
        ),
        catalogue,
    )
    assert {f.selector: f.impact for f in findings} == {
        "#node": "minor",
        "#result": "moderate",
        "#catalogue": catalogue.get("region").impact,
    }


def test_message_falls_back_to_check_messages(catalogue):
    checks = {
        "any": [{"id": "has-alt", "message": "No alt"}, {"id": "x", "message": "No label"}],
        "all": [],
        "none": [{"id": "y", "message": "Is hidden"}, {"id": "z", "message": "No alt"}],
    }
    findings = axe_findings(
        page([result("image-alt", node(["img"], summary=None, **checks))]), catalogue
    )
    assert findings[0].message == "No alt\nNo label\nIs hidden"


def test_unknown_rule_is_kept_with_scs_from_its_tags(catalogue):
    assert catalogue.get("future-reflow-rule") is None
    unknown = result(
        "future-reflow-rule",
        node(["#wide"], impact=None),
        impact="serious",
        tags=["cat.structure", "wcag21aa", "wcag1410", "wcag144"],
    )
    unknown.update(help="Content must reflow", helpUrl="https://example.test/reflow")
    findings = axe_findings(page(incomplete=[unknown]), catalogue)
    assert findings == [
        Finding(
            rule_id="future-reflow-rule",
            category="accessibility",
            outcome="needs-review",
            impact="serious",
            selector="#wide",
            html="<div></div>",
            wcag=("1.4.4", "1.4.10"),
            message="Fix it",
        )
    ]


def test_unknown_rule_without_impact_has_none(catalogue):
    findings = axe_findings(
        page([result("mystery", node(["#m"]), tags=["best-practice"])]), catalogue
    )
    assert [(f.rule_id, f.impact, f.wcag, f.outcome) for f in findings] == [
        ("mystery", None, (), "fail")
    ]


def test_error_page_yields_no_findings(catalogue):
    artifacts = page([result("image-alt", node(["img"]))], error="net::ERR_NAME_NOT_RESOLVED")
    assert axe_findings(artifacts, catalogue) == []


def test_missing_buckets_and_passes_yield_nothing(catalogue):
    assert axe_findings(page(), catalogue) == []
    empty = PageArtifacts(url="u", final_url="u", status=200, title="", axe={})
    assert axe_findings(empty, catalogue) == []
    only_passes = page(passes=[result("image-alt", node(["img"]))])
    assert axe_findings(only_passes, catalogue) == []
