"""Facts of linked documents (audits/document_facts.py): generated PDFs and DOCX files give exact
findings once judged; broken and unsupported files give an error and no findings."""

from __future__ import annotations

import pytest

from massaudit.audits.document_facts import document_facts
from massaudit.demo.sample_documents import make_docx, make_pdf
from massaudit.rules.catalogue import load_catalogue
from massaudit.rules.checks.document_rules import (
    judge_document,
)


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


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
