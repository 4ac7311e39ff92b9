"""Linked documents (issue 7): facts of generated PDFs and DOCX files, the document checks with
exact findings, Title II triage, the store (reuse by sha256), summaries, CSV and JSON export."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
from types import SimpleNamespace

import pytest
from document_fixtures import CLEAN_DOCX, CLEAN_PDF, DOCUMENT_FIXTURES, make_docx, make_pdf, pdf

from massaudit.audits.document_facts import document_facts
from massaudit.crawler.items import FetchedDocument
from massaudit.crawler.sites import SitesConfigError, parse_sites
from massaudit.demo.sample_documents import DEMO_DOCUMENTS
from massaudit.pipeline.document_checks import check_document, finalise_documents
from massaudit.reports.document_list import (
    DocumentItem,
    document_summary,
    documents_csv,
    documents_score,
)
from massaudit.rules.catalogue import load_catalogue
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
from massaudit.store.db import Store


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


def failing(kind: str, body: bytes, catalogue) -> list[tuple[str, str]]:
    findings, _ = judge_document(document_facts(kind, body), catalogue)
    assert all(f.outcome == "fail" for f in findings)
    return [(f.rule_id, f.selector) for f in findings]


# Generated documents -> exact findings (rule id, selector).
GENERATED = [
    ("tagged-with-title-and-language", "pdf", lambda: make_pdf(), []),
    (
        "untagged-no-title-no-language",
        "pdf",
        lambda: make_pdf(tagged=False, title=None, lang=None, display_title=False),
        [("doc-language", "document"), ("doc-title", "document"), ("pdf-tagged", "document")],
    ),
    (
        "tagged-title-not-displayed-no-language",
        "pdf",
        lambda: make_pdf(lang=None, display_title=False),
        [("doc-language", "document"), ("doc-title", "document")],
    ),
    ("untagged-with-title", "pdf", lambda: make_pdf(tagged=False), [("pdf-tagged", "document")]),
    (
        "image-only-page",
        "pdf",
        lambda: make_pdf(pages=3, image_only_pages=(2,)),
        [("pdf-text-extractable", "page 2")],
    ),
    ("long-without-bookmarks", "pdf", lambda: make_pdf(pages=12), [("pdf-bookmarks", "document")]),
    ("long-with-bookmarks", "pdf", lambda: make_pdf(pages=12, outlines=3), []),
    ("encrypted-no-copy", "pdf", lambda: make_pdf(encrypt=True), []),
    (
        "encrypted-with-password",
        "pdf",
        lambda: make_pdf(user_password="secret"),
        [("pdf-accessibility-permission", "document")],
    ),
    (
        "form-and-figures",
        "pdf",
        lambda: make_pdf(fields=[("name", "Your name"), ("ssn", None)], figures=["A map", None]),
        [("pdf-figure-alt", "figure 2"), ("pdf-form-field-names", "field ssn")],
    ),
    ("docx-with-alt-text", "word", lambda: make_docx(images=["Seal"]), []),
    (
        "docx-without-alt-text",
        "word",
        lambda: make_docx(images=[None]),
        [("docx-image-alt", "image 1")],
    ),
    (
        "docx-no-title-language-headings",
        "word",
        lambda: make_docx(title=None, lang=None, headings=0),
        [("doc-language", "document"), ("doc-title", "document"), ("docx-headings", "document")],
    ),
]


@pytest.mark.parametrize(
    ("name", "kind", "build", "expected"), GENERATED, ids=[g[0] for g in GENERATED]
)
def test_generated_documents_give_exact_findings(catalogue, name, kind, build, expected):
    assert failing(kind, build(), catalogue) == expected


def test_pdf_facts():
    facts = document_facts("pdf", make_pdf(pages=12, outlines=3, created="D:20190301120000-05'00'"))
    assert facts["pages"] == 12 and facts["outlines"] == 3 and facts["text_pages"] == 12
    assert facts["created"] == "2019-03-01" and facts["title"] == "Document title"
    assert facts["lang"] == "en-US" and facts["marked"] and facts["struct_tree"]
    encrypted = document_facts("pdf", make_pdf(encrypt=True))
    assert encrypted["encrypted"] and encrypted["accessibility_extraction"]
    assert document_facts("pdf", make_pdf(user_password="x")) == {
        "kind": "pdf",
        "error": None,
        "encrypted": True,
        "password_required": True,
    }


def test_broken_and_unsupported_files_are_not_judged(catalogue):
    broken = document_facts("pdf", b"%PDF-1.7 not really")
    assert broken["error"]
    assert judge_document(broken, catalogue) == ([], {})
    assert document_facts("word", b"PK not a zip")["error"]
    assert document_facts("excel", b"x")["error"] == "excel files are not analysed"


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


def test_sites_document_keys():
    base = {
        "agency": [{"id": "a", "name": "A"}],
        "site": [
            {
                "id": "s",
                "agency": "a",
                "name": "S",
                "start_urls": ["https://www.mass.gov/"],
                "allowed_hosts": ["www.mass.gov"],
            }
        ],
    }
    site = parse_sites(base).sites[0]
    assert site.max_document_bytes == 25 * 1024 * 1024
    assert site.document_compliance_date == "2027-04-26"
    base["site"][0] |= {"max_document_bytes": 1000, "document_compliance_date": "2028-04-26"}
    site = parse_sites(base).sites[0]
    assert (site.max_document_bytes, site.document_compliance_date) == (1000, "2028-04-26")
    base["site"][0]["document_compliance_date"] = "April 2027"
    with pytest.raises(SitesConfigError, match="document_compliance_date"):
        parse_sites(base)


def fetched(url: str, body: bytes, kind: str = "pdf", referrer: str | None = None):
    return FetchedDocument(
        site_id="s",
        agency_id="a",
        url=url,
        kind=kind,
        content_type="application/pdf",
        body=body,
        last_modified=None,
        sha256=hashlib.sha256(body).hexdigest(),
        referrer=referrer,
    )


def test_store_reuses_unchanged_documents_and_triages(catalogue, tmp_path):
    store = Store(str(tmp_path / "db.sqlite"))
    versions = SimpleNamespace(tool="t", axe="a", catalogue="c", scoring="s")
    sites = parse_sites(
        {
            "agency": [{"id": "a", "name": "A"}],
            "site": [
                {
                    "id": "s",
                    "agency": "a",
                    "name": "S",
                    "start_urls": ["http://h/"],
                    "allowed_hosts": ["h"],
                }
            ],
        }
    )
    untagged = make_pdf(tagged=False)
    first = store.begin_run(config=sites.to_dict(), options={}, versions=versions)
    _, reused, failures = asyncio.run(
        check_document(
            store,
            first,
            fetched("http://h/doc/a.pdf", untagged, referrer="http://h/how-to/x/"),
            catalogue,
            None,
        )
    )
    assert (reused, failures) == (False, 1)
    assert finalise_documents(store, first, sites) == 1
    [row] = store.documents(first)
    assert row.triage == MUST_FIX and row.linked_from == ["http://h/how-to/x/"]
    assert row.guidance.startswith("A short notice")
    assert [f["rule_id"] for f in row.findings] == ["pdf-tagged"]
    assert set(row.findings[0]) == {
        "rule_id",
        "category",
        "outcome",
        "impact",
        "selector",
        "html",
        "wcag",
        "message",
    }
    store.finish_run(first, "complete", {}, None)

    second = store.begin_run(config=sites.to_dict(), options={}, versions=versions)
    _, reused, _ = asyncio.run(
        check_document(store, second, fetched("http://h/doc/a.pdf", untagged), catalogue, None)
    )
    assert reused
    [again] = store.documents(second)
    assert again.reused_from == row.id and again.facts == row.facts
    changed = make_pdf()
    _, reused, failures = asyncio.run(
        check_document(store, second, fetched("http://h/doc/a.pdf", changed), catalogue, None)
    )
    assert (reused, failures) == (False, 0)
    assert len(store.documents(second)) == 1  # replaced, not duplicated
    store.close()


def item(
    url: str, kind: str = "pdf", failures: int = 0, checked: bool = True, triage: str = UNKNOWN
):
    finding = {"rule_id": "pdf-tagged", "outcome": "fail", "selector": "document"}
    return DocumentItem(
        site_id="s",
        url=url,
        kind=kind,
        size=10,
        checked=checked,
        findings=[finding] * failures,
        triage=triage,
        linked_from=["http://h/how-to/x/"],
    )


def test_document_summary_and_score():
    items = [
        item("a.pdf", failures=2, triage=MUST_FIX),
        item("b.pdf"),
        item("c.docx", kind="word", triage=EXEMPTION_CANDIDATE),
        item("d.xlsx", kind="excel", checked=False),
    ]
    summary = document_summary(items, html_pages=6)
    assert (summary.documents, summary.checked, summary.accessible, summary.pdfs) == (4, 3, 2, 2)
    assert summary.accessible_percent == 66.7
    assert summary.pdfs_per_page == 0.33
    assert summary.labels == {MUST_FIX: 1, EXEMPTION_CANDIDATE: 1, UNKNOWN: 1}
    score = documents_score(summary)
    assert (score.value, score.pages_scored, score.pages_total) == (66.7, 3, 4)
    empty = document_summary([], html_pages=0)
    assert empty.accessible_percent is None and empty.pdfs_per_page is None


def test_documents_csv():
    rows = list(
        csv.DictReader(io.StringIO(documents_csv([item("a.pdf", failures=1, triage=MUST_FIX)])))
    )
    assert rows == [
        {
            "site": "s",
            "url": "a.pdf",
            "type": "pdf",
            "size_bytes": "10",
            "checked": "yes",
            "failures": "1",
            "failing_rules": "pdf-tagged",
            "title_ii": MUST_FIX,
            "publish_as_html": "",
            "linked_from": "http://h/how-to/x/",
        }
    ]


def test_demo_documents_give_their_ground_truth(catalogue):
    import tomllib

    from massaudit.demo.content import GROUND_TRUTH_PATH

    truth = tomllib.loads(GROUND_TRUTH_PATH.read_text(encoding="utf-8"))["documents"]
    assert set(truth) == set(DEMO_DOCUMENTS)
    for path, (kind, options) in DEMO_DOCUMENTS.items():
        body = make_pdf(**options) if kind == "pdf" else make_docx(**options)
        found = sorted({rule for rule, _ in failing(kind, body, catalogue)})
        assert found == truth[path]["failing"], path
