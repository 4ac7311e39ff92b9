"""Linked documents in a run: analyse, judge and store each one; triage at the end.

The spider downloads each PDF and Word file linked from a site (bounded by the site's
`max_document_bytes`) once per run and hands it to `check_document`. A file whose sha256 matches
the same URL in the last complete run keeps that run's facts (no new analysis); the facts are
judged again, which is cheap and pure. Once the crawl is over, `finalise_documents` records the
pages that link each document (the links table) and its ADA Title II triage label.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from typing import Any

from massaudit.audits.document_worker import analyse_document
from massaudit.crawler.items import FetchedDocument
from massaudit.crawler.sites import SitesConfig
from massaudit.rules.catalogue import Catalogue
from massaudit.rules.checks.document_rules import (
    DEFAULT_COMPLIANCE_DATE,
    judge_document,
    publish_as_html,
    title_ii_label,
)
from massaudit.rules.checks.settings import CheckSettings
from massaudit.store.db import Store


async def check_document(
    store: Store,
    run_id: int,
    document: FetchedDocument,
    catalogue: Catalogue,
    checks: CheckSettings | None,
    reuse: bool = True,
) -> tuple[int, bool, int]:
    """Analyse (in a budgeted worker process) or reuse, judge and store one document.

    Returns (document row id, whether the facts were reused, number of failures).
    """
    previous = (
        store.previous_document(run_id, document.site_id, document.url, document.sha256)
        if reuse
        else None
    )
    if previous is not None:
        facts: dict[str, Any] = dict(previous.facts)
        reused_from = previous.reused_from or previous.id
    else:
        facts = await analyse_document(document.kind, document.body)
        reused_from = None
    findings, outcomes = judge_document(facts, catalogue, checks)
    row_id = store.save_document(
        run_id,
        site_id=document.site_id,
        agency_id=document.agency_id,
        url=document.url,
        kind=document.kind,
        content_type=document.content_type,
        size=len(document.body),
        sha256=document.sha256,
        last_modified=document.last_modified,
        reused_from=reused_from,
        facts=facts,
        rule_outcomes=outcomes,
        findings=findings,
        linked_from=[document.referrer] if document.referrer else [],
        url_state=asdict(document.outcome) if document.outcome is not None else None,
    )
    return row_id, previous is not None, sum(f.outcome == "fail" for f in findings)


def finalise_documents(store: Store, run_id: int, sites: SitesConfig) -> int:
    """Record linking pages, Title II label and "publish as HTML" guidance of each document."""
    documents = store.documents(run_id)
    if not documents:
        return 0
    page_urls = {page.id: page.url for page in store.pages(run_id)}
    linking: dict[str, set[str]] = defaultdict(set)
    for page_id, target in store.links(run_id):
        if page_id in page_urls:
            linking[target].add(page_urls[page_id])
    compliance = {site.id: site.document_compliance_date for site in sites.sites}
    values = {}
    for row in documents:
        linked_from = sorted(linking.get(row.url, set()) | set(row.linked_from or []))
        values[row.id] = {
            "linked_from": linked_from,
            "triage": title_ii_label(
                row.facts or {},
                linked_from,
                row.last_modified,
                compliance.get(row.site_id, DEFAULT_COMPLIANCE_DATE),
            ),
            "guidance": publish_as_html(row.facts or {}),
        }
    store.update_documents(run_id, values)
    return len(values)


def rejudge_documents(
    store: Store, run_id: int, catalogue: Catalogue, checks: dict[str, CheckSettings]
) -> int:
    """Judge a stored run's documents again from their saved facts (after a rule change)."""
    values = {}
    for row in store.documents(run_id):
        findings, outcomes = judge_document(row.facts or {}, catalogue, checks.get(row.site_id))
        values[row.id] = {"findings": findings, "rule_outcomes": outcomes}
    store.update_documents(run_id, values)
    return len(values)
