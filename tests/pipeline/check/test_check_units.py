"""`massaudit check` without a browser: config and suppressions, options, fragments, source
lines, the gate and the baseline (pipeline/check/)."""

from __future__ import annotations

from collections import Counter

import pytest
from checked_pages import MINOR, REVIEW, SERIOUS, checked_page

from massaudit.pipeline.check.baseline import baseline_data
from massaudit.pipeline.check.exit_codes import CheckUsageError
from massaudit.pipeline.check.fragment import fragment_findings
from massaudit.pipeline.check.gate import apply_gate
from massaudit.pipeline.check.options import parse_max_failures, parse_reports, selected_rules
from massaudit.pipeline.check.source_line import find_line
from massaudit.pipeline.check.suppressions import (
    CheckConfig,
    CheckConfigError,
    load_check_config,
    parse_check_config,
)
from massaudit.pipeline.check.template import wrap_fragment
from massaudit.rules.catalogue import load_catalogue
from massaudit.rules.model import Finding


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


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


def test_deeply_nested_check_config_is_one_line(tmp_path):
    path = tmp_path / "check.toml"
    path.write_text("suppress = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n")
    with pytest.raises(CheckConfigError, match="nesting too deep"):
        load_check_config(path, [])


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


def test_gate_impacts_review_and_categories(catalogue):
    pages = [checked_page("a.html", SERIOUS, MINOR, REVIEW)]
    apply_gate(pages, catalogue, CheckConfig(), Counter(), "serious", {})
    assert [(i.finding.rule_id, i.status, i.blocking) for i in pages[0].findings] == [
        ("color-contrast", "new", True),
        ("sentence-length", "new", False),
        ("color-contrast", "review", False),
    ]
    pages = [checked_page("a.html", SERIOUS, MINOR)]
    apply_gate(pages, catalogue, CheckConfig(), Counter(), "critical", {"plain-language": 0})
    assert [i.blocking for i in pages[0].findings] == [False, True]


def test_baseline_counts_occurrences(catalogue):
    pages = [checked_page("a.html", SERIOUS)]
    apply_gate(pages, catalogue, CheckConfig(), Counter(), "serious", {})
    data = baseline_data(pages, "v")
    assert data["format"] == 1
    assert [(e["page"], e["rule"]) for e in data["findings"]] == [("a.html", "color-contrast")]
    baseline = Counter((e["page"], e["rule"], e["fingerprint"]) for e in data["findings"])
    # The same finding twice: one is in the baseline, the other is new.
    twice = [checked_page("a.html", SERIOUS, SERIOUS)]
    apply_gate(twice, catalogue, CheckConfig(), baseline, "serious", {})
    assert [(i.status, i.blocking) for i in twice[0].findings] == [
        ("baselined", False),
        ("new", True),
    ]
    # Another page with the same problem is not covered by a.html's baseline.
    other = [checked_page("b.html", SERIOUS)]
    apply_gate(other, catalogue, CheckConfig(), baseline, "serious", {})
    assert other[0].findings[0].status == "new"
