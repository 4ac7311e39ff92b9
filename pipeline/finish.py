"""Finishing a run, the same after a crawl (`run`) and after judging its pages again (`rejudge`):
site-level judging over all its pages, then each linked document's linking pages and triage."""

from __future__ import annotations

from collections import Counter

from massaudit.crawler.sites import SitesConfig
from massaudit.pipeline.document_checks import finalise_documents, rejudge_documents
from massaudit.pipeline.site_level import judge_site_level
from massaudit.rules.catalogue import Catalogue
from massaudit.rules.checks.settings import CheckSettings
from massaudit.store.db import Store


def finish_run(
    store: Store,
    run_id: int,
    catalogue: Catalogue,
    sites: SitesConfig,
    *,
    judge_documents_again: dict[str, CheckSettings] | None = None,
) -> Counter[str]:
    """Judge the site-level checks, then finalise the run's documents; returns the site-level
    outcome counts. With `judge_documents_again` (site id -> check settings) the documents are
    first judged again from their stored facts, as `rejudge` does (a run judges them as it
    downloads them)."""
    counts = judge_site_level(store, run_id, catalogue)
    if judge_documents_again is not None:
        rejudge_documents(store, run_id, catalogue, judge_documents_again)
    finalise_documents(store, run_id, sites)
    return counts
