"""The run's hooks count URL states as the store keeps them: the skipped count the progress line
shows is the one the end-of-run report reads from the store, whatever order the states came in."""

from __future__ import annotations

import asyncio
import hashlib

from massaudit.audits.collector import Auditor
from massaudit.crawler.frontier import QUEUED, SKIPPED
from massaudit.crawler.items import FetchedDocument, UrlOutcome
from massaudit.demo.sample_documents import make_pdf
from massaudit.pipeline.hooks import AuditHooks
from massaudit.pipeline.run_log import RunLog
from massaudit.pipeline.summary import RunSummary
from massaudit.rules.catalogue import load_catalogue
from massaudit.store.db import RunVersions, Store

BASE = "http://127.0.0.1:9"


def outcome(path: str, state: str, reason: str | None = None, **kw) -> UrlOutcome:
    url = path if path.startswith("http") else f"{BASE}{path}"
    return UrlOutcome("site", url, state, reason, **kw)


def stored_skips(store: Store, run_id: int) -> dict[str, int]:
    states = store.state_counts(run_id)
    return {k.split(":", 1)[1]: n for k, n in states.items() if k.startswith("skipped:")}


def test_skipped_urls_are_counted_once_each_as_the_store_counts_them(tmp_path):
    store = Store(str(tmp_path / "audit.sqlite"))
    run_id = store.begin_run({}, {}, RunVersions("0", "0", "0", "0"))
    summary = RunSummary(run_id)
    pdf = make_pdf()
    elsewhere = "http://elsewhere.example/gone/"

    async def crawl() -> None:
        hooks = AuditHooks(
            store, Auditor(), load_catalogue(), summary, {}, None, RunLog(None), lambda e: None
        )
        hooks.record(
            [
                outcome("/a/", QUEUED),
                outcome("/form.pdf", QUEUED, document="pdf"),
                outcome(elsewhere, SKIPPED, "out_of_scope"),
            ]
        )
        # The external link's check ends later: the same URL, a second time, still skipped.
        hooks.record([outcome(elsewhere, SKIPPED, "out_of_scope", detail="link checked: 404")])
        hooks.record([outcome("/a/", SKIPPED, "http_error", detail="HTTP 500", status=500)])
        # A document checked ends skipped ("document"), stored with its findings.
        final = outcome("/form.pdf", SKIPPED, "document", document="pdf")
        await hooks.document(
            FetchedDocument(
                "site",
                "agency",
                final.url,
                "pdf",
                "application/pdf",
                pdf,
                sha256=hashlib.sha256(pdf).hexdigest(),
                outcome=final,
            )
        )
        hooks.close_writer()

    asyncio.run(crawl())
    expected = {"out_of_scope": 1, "http_error": 1, "document": 1}
    assert stored_skips(store, run_id) == expected
    assert dict(summary.skipped) == expected
    store.close()
