"""The document checks (rules/checks/document_rules.py) on the facts of PDFs and DOCX files, with
exact findings; Title II triage and the compliance date (rules/data/title-ii.toml)."""

from __future__ import annotations

from pathlib import Path

import pytest
from document_fixtures import CLEAN_DOCX, CLEAN_PDF, DOCUMENT_FIXTURES, pdf

from massaudit.rules import catalogue as cat
from massaudit.rules.catalogue import CatalogueError, load_catalogue
from massaudit.rules.checks import CheckResult, registry
from massaudit.rules.checks.document_rules import (
    EXEMPTION_CANDIDATE,
    MUST_FIX,
    UNKNOWN,
    judge_document,
    publish_as_html,
    title_ii_label,
)
from massaudit.rules.checks.settings import CheckSettings

RULES_DIR = Path(cat.__file__).parent


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def document_cases():
    for rule_id, cases in DOCUMENT_FIXTURES.items():
        for index, (outcome, facts) in enumerate(cases):
            yield pytest.param(rule_id, outcome, facts, id=f"{rule_id}-{index}-{outcome}")


@pytest.mark.parametrize(("rule_id", "outcome", "facts"), list(document_cases()))
def test_document_check(catalogue, rule_id, outcome, facts):
    result = registry().document[rule_id](facts, CheckSettings())
    assert isinstance(result, CheckResult)
    assert result.outcome == outcome, result
    findings, outcomes = judge_document(facts, catalogue)
    assert outcomes[rule_id] == outcome
    mine = [f for f in findings if f.rule_id == rule_id]
    rule = catalogue.rules[rule_id]
    assert rule.category == "documents"
    if outcome == "fail":
        assert mine and all(f.wcag == rule.wcag and f.message and f.html == "" for f in mine)
    else:
        assert mine == []


def test_every_document_rule_has_fixtures_and_references(catalogue):
    ours = {r.id for r in catalogue.rules.values() if r.category == "documents"}
    assert ours == set(registry().document) == set(DOCUMENT_FIXTURES)
    for rule_id in ours:
        rule = catalogue.rules[rule_id]
        assert rule.wcag, rule_id  # each maps to a WCAG success criterion
        assert "PDF/UA" in rule.description or "WCAG" in rule.description or rule_id[:4] == "docx"


def test_a_partial_scan_is_noted_in_the_outcome():
    facts = pdf(pages=900, pages_scanned=500, scan_limit="limit: 500 pages scanned of 900")
    result = registry().document["pdf-text-extractable"](facts, CheckSettings())
    assert result.note.endswith("; 500 pages scanned (limit: 500 pages scanned of 900)")


def test_title_ii_triage():
    assert title_ii_label(CLEAN_PDF, ["http://x/info-details/a/"]) == EXEMPTION_CANDIDATE
    assert title_ii_label(CLEAN_PDF, ["http://x/how-to/apply/"]) == MUST_FIX
    assert title_ii_label(CLEAN_PDF, ["http://x/forms/apply/"]) == MUST_FIX
    fillable = pdf(form_fields=[{"name": "a", "tooltip": "A"}])
    assert title_ii_label(fillable, ["http://x/news/a/"]) == MUST_FIX
    undated = pdf(created=None, modified=None)
    assert title_ii_label(undated, []) == UNKNOWN
    assert title_ii_label(undated, [], "Tue, 05 Mar 2019 10:00:00 GMT") == EXEMPTION_CANDIDATE
    assert title_ii_label(pdf(modified="2027-05-01"), []) == UNKNOWN
    assert title_ii_label(CLEAN_PDF, [], compliance_date="2024-01-01") == UNKNOWN


def test_publish_as_html_guidance():
    assert "online form" in publish_as_html(pdf(form_fields=[{"name": "a", "tooltip": None}]))
    assert "web page" in publish_as_html(pdf(pages=2))
    assert publish_as_html(pdf(pages=3)) == ""
    assert publish_as_html(CLEAN_DOCX) == ""


# --- the ADA Title II compliance date (rules/data/title-ii.toml) -------------------------------


def test_compliance_date_is_read_from_the_data_file():
    from massaudit.crawler.sites import Site
    from massaudit.rules.checks.document_rules import DEFAULT_COMPLIANCE_DATE, load_compliance_date

    assert load_compliance_date() == DEFAULT_COMPLIANCE_DATE == "2027-04-26"
    site = Site(id="s", agency="a", name="S", start_urls=(), allowed_hosts=())
    assert site.document_compliance_date == DEFAULT_COMPLIANCE_DATE


def test_compliance_date_is_written_once_in_the_code():
    root = RULES_DIR.parent
    folders = ("rules", "crawler", "audits", "store", "reports", "pipeline", "massaudit")
    writers = [
        str(path.relative_to(root))
        for folder in folders
        for path in sorted((root / folder).rglob("*.py"))
        if DATE in path.read_text(encoding="utf-8")
    ]
    assert writers == []
    assert DATE in (cat.DATA_DIR / "title-ii.toml").read_text()


DATE = "2027" + "-04-26"  # split, so this file does not count as a writer


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('document_compliance_date = "2027-04-26"', "must be a date (YYYY-MM-DD, no quotes)"),
        ("document_compliance_date = 2027-04-26T00:00:00", "must be a date"),
        ("", "must be a date"),
        ("document_compliance_date = 2027-04-26\nextra = 1", "unknown key 'extra'"),
        ("document_compliance_date = ", "not valid TOML"),
    ],
)
def test_broken_compliance_date_is_refused(tmp_path, content, problem):
    from massaudit.rules.checks.document_rules import load_compliance_date

    path = tmp_path / "title-ii.toml"
    path.write_text(content + "\n")
    with pytest.raises(CatalogueError) as info:
        load_compliance_date(tmp_path)
    assert str(info.value).startswith(f"{path}: ") and problem in str(info.value)
    assert "\n" not in str(info.value)
