"""What a stored run holds for each site: whether it audited the site (and why not), and the
site's scores computed the way the scorecard's headline is (page scores with the current formula,
documents included). reports/history.py compares them across runs.

A run audited a site unless its summary lists the site under `sites_not_audited` (a list of
{"site": id, "reason": one line}, written by the run) or none of the site's pages could be
tested (runs written before that key existed, and sites the run never reached).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from massaudit.reports.document_list import (
    DocumentSummary,
    document_items,
    document_summary,
    documents_score,
)
from massaudit.reports.scoring import SCORING_VERSION, GroupScores, Score, ScoreTally, rescore_pages
from massaudit.rules.catalogue import Catalogue
from massaudit.store.db import Store
from massaudit.store.schema import RunRow

NOT_AUDITED_KEY = "sites_not_audited"
_REASON_CHARS = 200


@dataclass(frozen=True)
class SiteRun:
    """One site in one run that audited it: its pages' tally and its documents' summary."""

    run: RunRow
    tally: ScoreTally
    documents: DocumentSummary

    def scores(self) -> GroupScores:
        return combined_scores([self])


@dataclass(frozen=True)
class RunSites:
    run: RunRow
    audited: dict[str, SiteRun]
    not_audited: dict[str, str]  # site id -> why the run did not audit it


def combined_scores(site_runs: Iterable[SiteRun]) -> GroupScores:
    """The scores of a group of sites, as the scorecard computes a group's headline: the mean
    over all their pages, with the documents dimension from all their checked documents."""
    runs = list(site_runs)
    tally = sum((r.tally for r in runs), ScoreTally())
    documents = documents_score(_sum_documents(r.documents for r in runs))
    return tally.scores(documents_extra(documents))


def documents_extra(documents: Score) -> dict[str, Score]:
    """`group_scores`'s `extra` for a documents score: none when no document was checked (no
    credit, no penalty)."""
    return {"documents": documents} if documents.value is not None else {}


def _sum_documents(summaries: Iterable[DocumentSummary]) -> DocumentSummary:
    items = list(summaries)
    labels: Counter[str] = Counter()
    for summary in items:
        labels.update(summary.labels)
    return DocumentSummary(
        documents=sum(s.documents for s in items),
        checked=sum(s.checked for s in items),
        accessible=sum(s.accessible for s in items),
        pdfs=sum(s.pdfs for s in items),
        html_pages=sum(s.html_pages for s in items),
        labels=dict(labels),
    )


def declared_not_audited(summary: Mapping[str, Any] | None) -> dict[str, str]:
    """The sites a run's summary says it could not audit, with their reasons (malformed entries
    are left out: the summary is the run's own record, not proof)."""
    declared: dict[str, str] = {}
    entries = (summary or {}).get(NOT_AUDITED_KEY)
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, Mapping) and isinstance(entry.get("site"), str):
            reason = entry.get("reason")
            declared[entry["site"]] = _one_line(reason) if isinstance(reason, str) else ""
    return declared


def sites_not_audited(
    summary: Mapping[str, Any] | None,
    site_ids: Iterable[str],
    pages: Iterable[tuple[str, str | None]],
) -> dict[str, str]:
    """Sites of a run (`site_ids`, and every site with a page) that it did not audit -> why.

    `pages` are (site id, error) of the run's pages. A site is not audited when the summary
    says so or when it has no page that could be tested."""
    declared = declared_not_audited(summary)
    tested: Counter[str] = Counter()
    failed: dict[str, list[str]] = defaultdict(list)
    for site_id, error in pages:
        if error:
            failed[site_id].append(error)
        else:
            tested[site_id] += 1
    result: dict[str, str] = {}
    for site_id in dict.fromkeys([*site_ids, *failed, *tested]):
        if site_id in declared:
            result[site_id] = declared[site_id] or "the run could not audit it"
        elif not tested[site_id]:
            errors = failed.get(site_id)
            result[site_id] = (
                f"no page could be tested ({len(errors)} tried; first error: "
                f"{_one_line(errors[0])})"
                if errors
                else "no page of it was audited"
            )
    return result


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= _REASON_CHARS else line[: _REASON_CHARS - 1] + "…"


def load_run_sites(store: Store, run: RunRow, catalogue: Catalogue) -> RunSites:
    """Each site of a stored run: audited (its pages' tally and documents) or not (why)."""
    rows_by_site: dict[str, list[Mapping[str, Any] | None]] = defaultdict(list)
    pages = []
    for site_id, error, scores in _page_scores(store, run, catalogue):
        rows_by_site[site_id].append(None if error else (scores or {}))
        pages.append((site_id, error))
    config_sites = [s.get("id") for s in (run.config or {}).get("sites", ())]
    not_audited = sites_not_audited(
        run.summary, [s for s in config_sites if isinstance(s, str)], pages
    )
    documents: dict[str, list[Any]] = defaultdict(list)
    for row in store.documents(run.id):
        documents[row.site_id].append(row)
    audited = {
        site_id: SiteRun(
            run,
            ScoreTally.of(rows),
            document_summary(document_items(documents.get(site_id, []), [], {}), 0),
        )
        for site_id, rows in rows_by_site.items()
        if site_id not in not_audited
    }
    return RunSites(run, audited, not_audited)


def _page_scores(
    store: Store, run: RunRow, catalogue: Catalogue
) -> list[tuple[str, str | None, Mapping[str, Any] | None]]:
    """(site id, error, scores with the current formula) of every page of a run."""
    if run.scoring_version == SCORING_VERSION:
        return [(site, error, scores) for site, _a, error, scores in store.page_score_rows(run.id)]
    rows = store.pages(run.id)
    rescore_pages(rows, run.scoring_version, catalogue)
    return [(row.site_id, row.error, row.scores) for row in rows]
