"""Stored runs of several sites for the trend and history tests: each run audits the sites it is
given (pages judged and saved as the nightly run saves them, documents judged and saved), can
declare sites it did not audit in its summary, and can say which formula it was scored with."""

from __future__ import annotations

from typing import Any

import document_fixtures
from scorecard_runs import artifacts

from massaudit.rules.checks.document_rules import judge_document
from massaudit.rules.judge import judge
from massaudit.rules.model import PageArtifacts
from massaudit.rules.scoring import SCORING_VERSION
from massaudit.store.db import RunVersions, Store

# Two agencies: parks has the sites "parks" and "camps", transit has "transit".
SITE_AGENCY = {"parks": "parks", "camps": "parks", "transit": "transit"}
CONFIG = {
    "agencies": [
        {"id": "parks", "name": "Department of Parks"},
        {"id": "transit", "name": "Transit"},
    ],
    "sites": [
        {"id": site, "agency": agency, "name": site.title(), "start_urls": [f"http://{site}/"]}
        for site, agency in SITE_AGENCY.items()
    ],
}
CLEAN = document_fixtures.pdf()
UNTAGGED = document_fixtures.pdf(marked=False)


def site_pages(site: str, *, search_bug: bool = True, image_bug: bool = False, count: int = 3):
    """`count` pages of a site of the template (scorecard_runs.artifacts), at http://<site>/."""
    pages = []
    for i in range(count):
        page = artifacts(f"/{i}/", search_bug=search_bug, image_bug=image_bug, n=i + 1)
        url = f"http://{site}/{i}/"
        pages.append(PageArtifacts(url, url, page.status, page.title, page.axe))
    return pages


def down_pages(site: str, count: int = 2) -> list[PageArtifacts]:
    """Pages of a site whose server did not answer."""
    return [
        PageArtifacts(url, url, None, "", {}, error="ConnectError: connection refused")
        for url in (f"http://{site}/{i}/" for i in range(count))
    ]


def store_sites_run(
    store: Store,
    catalogue: Any,
    pages: dict[str, list[PageArtifacts]],
    *,
    documents: dict[str, list[dict[str, Any]]] | None = None,
    summary: dict[str, Any] | None = None,
    scoring: str = SCORING_VERSION,
    config: dict[str, Any] | None = None,
) -> int:
    """A complete run of the sites in `pages` (site id -> its pages) and their documents (site
    id -> PDF facts); `summary` is stored as the run's summary."""
    versions = RunVersions(tool="0.1.0", axe="4.14.1", catalogue="test", scoring=scoring)
    run_id = store.begin_run(config or CONFIG, {}, versions)
    for site, site_artifacts in pages.items():
        for depth, arts in enumerate(site_artifacts):
            store.save_page(
                run_id,
                site_id=site,
                agency_id=SITE_AGENCY.get(site, site),
                depth=depth,
                artifacts=arts,
                judgement=judge(arts, catalogue),
            )
    for site, facts_list in (documents or {}).items():
        for i, facts in enumerate(facts_list):
            findings, outcomes = judge_document(facts, catalogue, None)
            store.save_document(
                run_id,
                site_id=site,
                agency_id=SITE_AGENCY.get(site, site),
                url=f"http://{site}/doc-{i}.pdf",
                kind="pdf",
                content_type="application/pdf",
                size=1000,
                sha256=f"{i:064d}",
                facts=facts,
                rule_outcomes=outcomes,
                findings=findings,
            )
    store.finish_run(run_id, "complete", summary or {})
    return run_id
