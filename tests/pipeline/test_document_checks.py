"""Document glue of a run (pipeline/document_checks.py): a fetched document is judged and stored,
reused by sha256 in the next run, replaced when it changes, and triaged when the run ends."""

from __future__ import annotations

import asyncio
import hashlib
from types import SimpleNamespace

import pytest

from massaudit.crawler.items import FetchedDocument
from massaudit.crawler.sites import parse_sites
from massaudit.demo.sample_documents import make_pdf
from massaudit.pipeline.document_checks import check_document, finalise_documents
from massaudit.rules.catalogue import load_catalogue
from massaudit.rules.checks.document_rules import (
    MUST_FIX,
)
from massaudit.store.db import Store


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


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
