"""The document list of a scorecard (reports/document_list.py): summary, score and CSV."""

from __future__ import annotations

import csv
import io

from massaudit.reports.document_list import (
    DocumentItem,
    document_summary,
    documents_csv,
    documents_score,
)
from massaudit.rules.checks.document_rules import (
    EXEMPTION_CANDIDATE,
    MUST_FIX,
    UNKNOWN,
)


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
