"""Linked documents on the scorecards and in the exports.

`document_summary` is pure: the share of checked documents with no failure (the documents
score) and PDFs per audited HTML page, for a site or an agency. `documents_score` gives it as a
reports.scoring `Score`, the shape `group_scores(extra={"documents": ...})` takes.
`attach_documents` gives every site and agency of a scorecard its `document_list` (the
`_documents.html` partial shows it); `documents_csv` and `export_documents` export it.
`document_issues` makes each document with failures a fix-first candidate: fixing it makes it
accessible, which is what moves the documents score.
"""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from massaudit.reports.issues import IssueView
from massaudit.reports.safe_output import SafeCsvWriter
from massaudit.reports.scoring import Score
from massaudit.rules.catalogue import Catalogue
from massaudit.rules.fingerprint import FINGERPRINT_LENGTH, fingerprint
from massaudit.store.db import Store

if TYPE_CHECKING:
    from massaudit.reports.views import PageView

TITLE_II_LABELS = ("must fix", "exemption candidate", "unknown")
CSV_COLUMNS = (
    "site",
    "url",
    "type",
    "size_bytes",
    "checked",
    "failures",
    "failing_rules",
    "title_ii",
    "publish_as_html",
    "linked_from",
)


@dataclass
class DocumentItem:
    """One linked document of a site: checked (facts and findings) or only listed."""

    site_id: str
    url: str
    kind: str
    size: int | None
    checked: bool  # downloaded and judged; False: listed only (type not checked, too large...)
    note: str = ""  # why it was not checked
    findings: list[dict[str, Any]] = field(default_factory=list)
    triage: str = "unknown"
    guidance: str = ""
    linked_from: list[str] = field(default_factory=list)
    reused: bool = False
    pages: int | None = None

    @property
    def failures(self) -> list[dict[str, Any]]:
        return [f for f in self.findings if f["outcome"] == "fail"]

    @property
    def failing_rules(self) -> list[str]:
        return sorted({f["rule_id"] for f in self.failures})

    @property
    def accessible(self) -> bool | None:
        return (not self.failures) if self.checked else None


@dataclass(frozen=True)
class DocumentSummary:
    documents: int  # linked documents listed
    checked: int  # ... of which downloaded and judged
    accessible: int  # ... checked with no failure
    pdfs: int
    html_pages: int
    labels: dict[str, int]

    @property
    def accessible_percent(self) -> float | None:
        return round(100 * self.accessible / self.checked, 1) if self.checked else None

    @property
    def pdfs_per_page(self) -> float | None:
        return round(self.pdfs / self.html_pages, 2) if self.html_pages else None


@dataclass
class DocumentList:
    items: list[DocumentItem]
    summary: DocumentSummary
    page_ids: dict[str, int] = field(default_factory=dict)  # linking page URL -> page id

    @property
    def score(self) -> Score:
        return documents_score(self.summary)


def document_summary(items: Iterable[DocumentItem], html_pages: int) -> DocumentSummary:
    """Figures of a group's documents: share accessible, PDFs per audited HTML page, labels."""
    items = list(items)
    checked = [i for i in items if i.checked]
    labels = Counter(i.triage for i in checked)
    return DocumentSummary(
        documents=len(items),
        checked=len(checked),
        accessible=sum(1 for i in checked if not i.failures),
        pdfs=sum(1 for i in items if i.kind == "pdf"),
        html_pages=html_pages,
        labels={label: labels.get(label, 0) for label in TITLE_II_LABELS},
    )


def documents_score(summary: DocumentSummary) -> Score:
    """The documents dimension of a group: % of checked documents without failures."""
    return Score(summary.accessible_percent, summary.checked, summary.documents)


def document_items(
    rows: Sequence[Any], states: Sequence[Any], linking: Mapping[str, Sequence[str]]
) -> list[DocumentItem]:
    """Items of one site from its document rows and its `skipped/document` URL states."""
    checked = {row.url: row for row in rows}
    items = []
    for row in rows:
        items.append(
            DocumentItem(
                site_id=row.site_id,
                url=row.url,
                kind=row.kind,
                size=row.size,
                checked=not (row.facts or {}).get("error"),
                note=(row.facts or {}).get("error") or "",
                findings=list(row.findings or []),
                triage=row.triage,
                guidance=row.guidance,
                linked_from=list(row.linked_from or []),
                reused=row.reused_from is not None,
                pages=(row.facts or {}).get("pages"),
            )
        )
    for state in states:
        if state.reason != "document" or state.url in checked:
            continue
        items.append(
            DocumentItem(
                site_id=state.site_id,
                url=state.url,
                kind=state.document or "unknown",
                size=state.size,
                checked=False,
                note=_not_checked(state),
                linked_from=sorted(linking.get(state.url, ())),
            )
        )
    return sorted(items, key=lambda i: (_LABEL_ORDER.get(i.triage, 9), -len(i.failures), i.url))


_LABEL_ORDER = {"must fix": 0, "unknown": 1, "exemption candidate": 2}


def _not_checked(state: Any) -> str:
    if state.document in ("excel", "powerpoint"):
        return f"{state.document.capitalize()} files are listed, not checked"
    if state.detail and ":" in state.detail:
        return state.detail
    return "not downloaded"


def attach_documents(
    store: Store, run_id: int, sites: Sequence[Any], agencies: Sequence[Any]
) -> None:
    """Give each site and agency view (reports.views.GroupView) its `document_list`."""
    rows_by_site: dict[str, list[Any]] = {}
    for row in store.documents(run_id):
        rows_by_site.setdefault(row.site_id, []).append(row)
    states_by_site: dict[str, list[Any]] = {}
    for state in store.url_states(run_id):
        if state.reason == "document":
            states_by_site.setdefault(state.site_id, []).append(state)
    page_urls = {page.id: page.url for page in store.pages(run_id)}
    page_ids = {url: page_id for page_id, url in page_urls.items()}
    linking: dict[str, set[str]] = {}
    for page_id, target in store.links(run_id):
        if page_id in page_urls:
            linking.setdefault(target, set()).add(page_urls[page_id])
    lists = {}
    for site in sites:
        items = document_items(
            rows_by_site.get(site.id, []),
            states_by_site.get(site.id, []),
            {url: sorted(pages) for url, pages in linking.items()},
        )
        lists[site.id] = site.document_list = DocumentList(
            items, document_summary(items, site.audited), page_ids
        )
    for agency in agencies:
        items = [item for site in agency.sites for item in lists[site.id].items]
        pages = sum(site.audited for site in agency.sites)
        agency.document_list = DocumentList(items, document_summary(items, pages), page_ids)


def document_anchor(index: int) -> str:
    """The id of a group's `index`-th (from 0) document in its documents list."""
    return f"document-{index + 1}"


_IMPACTS = ("critical", "serious", "moderate", "minor")


def document_issues(
    document_list: DocumentList, pages: Sequence[PageView], catalogue: Catalogue
) -> list[IssueView]:
    """Each checked document with failures as a fix-first candidate of its group: the pages
    (of `pages`) that link it, ranked by its worst failure's weight, and the documents score
    once it has no failure (any one document fixed gives the same)."""
    summary = document_list.summary
    fixed = replace(summary, accessible=summary.accessible + 1)
    extra_if_fixed = {"documents": documents_score(fixed)}
    by_url = {page.row.url: page for page in pages}
    issues = []
    for index, item in enumerate(document_list.items):
        if not item.checked or not item.failures:
            continue
        rules = [catalogue.rules[r] for r in item.failing_rules if r in catalogue.rules]
        impacts = [f.get("impact") for f in item.failures if f.get("impact") in _IMPACTS]
        linking = [by_url[url] for url in item.linked_from if url in by_url]
        views = [page.views for page in linking if page.views is not None]
        issues.append(
            IssueView(
                fingerprint=_document_key(item),
                rule_id=", ".join(item.failing_rules),
                title=f"Document {_document_name(item.url)}",
                category="documents",
                impact=min(impacts, key=_IMPACTS.index) if impacts else None,
                weight=max((rule.weight for rule in rules), default=1.0),
                wcag=sorted({sc for rule in rules for sc in rule.wcag}),
                help_url=rules[0].help_url if rules else "",
                selector=item.url,
                html="",
                message="",
                pages=[page.row.id for page in linking],
                occurrences=len(item.failures),
                views=sum(views) if views else None,
                document=item.url,
                href=f"#{document_anchor(index)}",
                extra_if_fixed=extra_if_fixed,
            )
        )
    return issues


def _document_key(item: DocumentItem) -> str:
    text = f"document\n{item.site_id}\n{item.url}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:FINGERPRINT_LENGTH]


def _document_name(url: str) -> str:
    return unquote(PurePosixPath(urlsplit(url).path).name) or url


def documents_csv(items: Iterable[DocumentItem]) -> str:
    """The document list as CSV (one row per document)."""
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    writer.writerow(CSV_COLUMNS)
    for item in items:
        writer.writerow(
            [
                item.site_id,
                item.url,
                item.kind,
                "" if item.size is None else item.size,
                "yes" if item.checked else f"no: {item.note}",
                len(item.failures),
                " ".join(item.failing_rules),
                item.triage if item.checked else "",
                item.guidance,
                " ".join(item.linked_from),
            ]
        )
    return out.getvalue()


def write_documents_csv(scorecard: Any, export_dir: Path) -> None:
    """export/run-documents.csv, export/agency/<id>-documents.csv, export/site-<id>-documents.csv."""
    everything = []
    for site in scorecard.sites:
        items = site.document_list.items if getattr(site, "document_list", None) else []
        everything.extend(items)
        (export_dir / f"site-{site.id}-documents.csv").write_text(
            documents_csv(items), encoding="utf-8"
        )
    for agency in scorecard.agencies:
        items = agency.document_list.items if getattr(agency, "document_list", None) else []
        (export_dir / "agency" / f"{agency.id}-documents.csv").write_text(
            documents_csv(items), encoding="utf-8"
        )
    (export_dir / "run-documents.csv").write_text(documents_csv(everything), encoding="utf-8")


def export_documents(scorecard: Any, catalogue: Catalogue) -> list[dict[str, Any]]:
    """The top-level "documents" array of `massaudit export --format json` (docs/export.md)."""
    exported = []
    for site in scorecard.sites:
        document_list = getattr(site, "document_list", None)
        for item in document_list.items if document_list else ():
            exported.append(
                {
                    "url": item.url,
                    "site": item.site_id,
                    "agency": site.agency_id,
                    "type": item.kind,
                    "size": item.size,
                    "checked": item.checked,
                    "not_checked_reason": None if item.checked else item.note,
                    "title_ii": item.triage if item.checked else None,
                    "publish_as_html": item.guidance or None,
                    "linked_from": item.linked_from,
                    "reused_from_earlier_run": item.reused,
                    "findings": [
                        finding
                        | {
                            "help_url": _help_url(catalogue, finding["rule_id"]),
                            "fingerprint": fingerprint(
                                finding["rule_id"], finding["selector"], finding["html"]
                            ),
                        }
                        for finding in sorted(
                            item.findings,
                            key=lambda f: (f["outcome"], f["rule_id"], f["selector"]),
                        )
                    ],
                }
            )
    return exported


def _help_url(catalogue: Catalogue, rule_id: str) -> str | None:
    rule = catalogue.rules.get(rule_id)
    return rule.help_url if rule else None
