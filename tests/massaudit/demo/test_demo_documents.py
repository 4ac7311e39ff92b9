"""The demo's linked documents (massaudit/demo/sample_documents.py) give the findings its ground
truth lists."""

from __future__ import annotations

import pytest

from massaudit.audits.document_facts import document_facts
from massaudit.demo.sample_documents import DEMO_DOCUMENTS, make_docx, make_pdf
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


def test_demo_documents_give_their_ground_truth(catalogue):
    import tomllib

    from massaudit.demo.content import GROUND_TRUTH_PATH

    truth = tomllib.loads(GROUND_TRUTH_PATH.read_text(encoding="utf-8"))["documents"]
    assert set(truth) == set(DEMO_DOCUMENTS)
    for path, (kind, options) in DEMO_DOCUMENTS.items():
        body = make_pdf(**options) if kind == "pdf" else make_docx(**options)
        found = sorted({rule for rule, _ in failing(kind, body, catalogue)})
        assert found == truth[path]["failing"], path
