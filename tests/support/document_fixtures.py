"""Document fixtures: the facts of a clean PDF and a clean DOCX, and the facts fixtures of every
document rule. Generated PDFs and DOCX files come from massaudit/demo/sample_documents.py (the demo
site build uses them too)."""

from __future__ import annotations

from typing import Any

__all__ = ["CLEAN_DOCX", "CLEAN_PDF", "DOCUMENT_FIXTURES", "docx", "pdf"]

# The facts of a clean PDF and a clean DOCX, as audits/document_facts.py gives them.
CLEAN_PDF: dict[str, Any] = {
    "kind": "pdf",
    "error": None,
    "pages": 3,
    "encrypted": False,
    "accessibility_extraction": True,
    "marked": True,
    "struct_tree": True,
    "lang": "en-US",
    "title": "Notice",
    "display_doc_title": True,
    "created": "2024-01-15",
    "modified": "2024-01-15",
    "image_only_pages": [],
    "text_pages": 3,
    "outlines": 0,
    "form_fields": [],
    "figures": [],
}
CLEAN_DOCX: dict[str, Any] = {
    "kind": "word",
    "error": None,
    "title": "Checklist",
    "lang": "en-US",
    "created": "2024-01-15",
    "modified": None,
    "paragraphs": 6,
    "headings": 1,
    "images": [{"name": "Picture 1", "descr": "Seal"}],
}


def pdf(**changes: Any) -> dict[str, Any]:
    return CLEAN_PDF | changes


def docx(**changes: Any) -> dict[str, Any]:
    return CLEAN_DOCX | changes


# rule id -> [(expected outcome, facts)]: every document rule passes and fails at least once
# (tests/rules/checks/test_check_registry.py counts these in its catalogue-wide fixture check).
DOCUMENT_FIXTURES: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "pdf-tagged": [
        ("pass", pdf()),
        ("fail", pdf(marked=False)),
        ("fail", pdf(struct_tree=False)),
        ("inapplicable", docx()),
    ],
    "doc-title": [
        ("pass", pdf()),
        ("pass", docx()),
        ("fail", pdf(title=None)),
        ("fail", pdf(display_doc_title=False)),
        ("fail", docx(title=None)),
    ],
    "doc-language": [
        ("pass", pdf()),
        ("fail", pdf(lang=None)),
        ("fail", pdf(lang="English!")),
        ("fail", docx(lang=None)),
    ],
    "pdf-text-extractable": [
        ("pass", pdf()),
        ("fail", pdf(image_only_pages=[2])),
        ("inapplicable", docx()),
    ],
    "pdf-bookmarks": [
        ("inapplicable", pdf(pages=9)),
        ("pass", pdf(pages=10, outlines=2)),
        ("fail", pdf(pages=10, outlines=0)),
    ],
    "pdf-accessibility-permission": [
        ("pass", pdf()),
        ("pass", pdf(encrypted=True, accessibility_extraction=True)),
        ("fail", pdf(encrypted=True, accessibility_extraction=False)),
        ("fail", {"kind": "pdf", "error": None, "encrypted": True, "password_required": True}),
    ],
    "pdf-form-field-names": [
        ("inapplicable", pdf()),
        ("pass", pdf(form_fields=[{"name": "a", "tooltip": "Your name"}])),
        ("fail", pdf(form_fields=[{"name": "a", "tooltip": None}])),
    ],
    "pdf-figure-alt": [
        ("inapplicable", pdf()),
        ("pass", pdf(figures=[{"alt": "A map"}])),
        ("fail", pdf(figures=[{"alt": "A map"}, {"alt": None}])),
    ],
    "docx-headings": [
        ("pass", docx()),
        ("fail", docx(headings=0)),
        ("inapplicable", docx(headings=0, paragraphs=3)),
        ("inapplicable", pdf()),
    ],
    "docx-image-alt": [
        ("pass", docx()),
        ("fail", docx(images=[{"name": "Picture 1", "descr": None}])),
        ("inapplicable", docx(images=[])),
    ],
}
