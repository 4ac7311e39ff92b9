"""The auditor with the real Chromium: contexts and the browser itself are recycled mid-run."""

from __future__ import annotations

import asyncio

import pytest

from audits.collector import Auditor, AuditSettings
from massaudit.demo.server import serve_directory

pytestmark = pytest.mark.browser


def test_contexts_and_browser_recycled_without_losing_pages(tmp_path):
    for n in range(9):
        (tmp_path / f"p{n}.html").write_text(
            f'<!doctype html><html lang="en"><head><title>Page {n}</title></head>'
            f"<body><main><h1>Page {n}</h1><img src='x.png'></main></body></html>"
        )
    settings = AuditSettings(
        concurrency=3, pages_per_context=2, pages_per_browser=4, collect_facts=False
    )

    async def audit_all(base: str):
        auditor = Auditor(settings)
        try:
            results = await asyncio.gather(*(auditor.audit(f"{base}/p{n}.html") for n in range(9)))
            return results, auditor._browser_pages
        finally:
            await auditor.close()

    with serve_directory(tmp_path) as base:
        results, pages_on_last_browser = asyncio.run(audit_all(base))
    assert [r.error for r in results] == [None] * 9
    assert [r.title for r in results] == [f"Page {n}" for n in range(9)]
    assert all("image-alt" in {v["id"] for v in r.axe["violations"]} for r in results)
    assert pages_on_last_browser < 9  # the browser was replaced at least once
