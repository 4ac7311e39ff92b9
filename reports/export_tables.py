"""The tidy tables of `massaudit export --format csv|parquet` (docs/export.md, "Tables"): one row
per run, agency, site, agency and site per run, page, finding, issue of a site, linked document
and URL a run saw; every row of a run's table names the run (`run_id`, `run_date`), and the
agency and site it belongs to, so a dashboard joins nothing to filter or chart it.

Each table declares its columns and their types once (`TABLES`); the files, the Parquet schema
and docs/export.md follow that declaration."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from massaudit.reports.document_list import export_documents
from massaudit.reports.scoring import DIMENSION_IDS, EQUITY, GroupScores
from massaudit.reports.views import GroupView, Scorecard
from massaudit.rules.catalogue import Catalogue
from massaudit.store.db import Store


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # int, float, bool, text, date, timestamp


def _columns(spec: str) -> tuple[Column, ...]:
    """`"name:type name:type"`; a bare name is text."""
    return tuple(
        Column(*(item.split(":") if ":" in item else (item, "text"))) for item in spec.split()
    )


SCORE_KEYS = (EQUITY, *DIMENSION_IDS)
# Score columns: equity, then one per dimension (`plain-language` -> `plain_language`).
SCORES = " ".join(f"{key.replace('-', '_')}:float" for key in SCORE_KEYS)
RUN = "run_id:int run_date:date"
GROUP = (
    "pages:int grade compliance_status compliant_pages_percent:float "
    f"{SCORES} issues:int failures:int needs_review:int could_not_test:int"
)
TABLES: dict[str, tuple[Column, ...]] = {
    "runs": _columns(
        "run_id:int status started_at:timestamp finished_at:timestamp run_date:date "
        "tool_version axe_version catalogue_version scoring_version "
        f"pages:int compliant_pages_percent:float {SCORES}"
    ),
    "agencies": _columns("agency_id name last_run_id:int"),
    "sites": _columns("site_id agency_id name hosts start_urls last_run_id:int"),
    "agency_scores": _columns(f"{RUN} agency_id {GROUP}"),
    "site_scores": _columns(f"{RUN} agency_id site_id {GROUP}"),
    "page_scores": _columns(
        f"{RUN} agency_id site_id url final_url status_code:int title error reused:bool "
        f"compliant:bool {SCORES}"
    ),
    "findings": _columns(
        f"{RUN} fingerprint agency_id site_id url rule_id category outcome impact wcag "
        "selector html message help_url"
    ),
    "issues": _columns(
        f"{RUN} agency_id site_id fingerprint rule_id title category impact wcag pages:int "
        "occurrences:int priority:float estimated_equity_gain:float selector html help_url"
    ),
    "documents": _columns(
        f"{RUN} agency_id site_id url type size_bytes:int checked:bool not_checked_reason "
        "title_ii publish_as_html failures:int failing_rules linked_from reused:bool"
    ),
    "url_states": _columns(
        f"{RUN} agency_id site_id url state reason detail status:int depth:int referrer "
        "document content_type size_bytes:int"
    ),
}

Row = tuple[Any, ...]


def run_rows(store: Store, scorecard: Scorecard, catalogue: Catalogue) -> dict[str, list[Row]]:
    """The rows of one run's scorecard in every table but `agencies` and `sites` (which hold
    each agency and site once: `NameRows`)."""
    run = scorecard.run
    ids = (run.id, utc(run.started_at).date())
    site_agency = {s.id: s.agency_id or "" for s in scorecard.sites}
    return {
        "runs": [_run_row(scorecard)],
        "agency_scores": [(*ids, a.id, *_group_values(a)) for a in scorecard.agencies],
        "site_scores": [(*ids, s.agency_id, s.id, *_group_values(s)) for s in scorecard.sites],
        "page_scores": [
            (
                *ids,
                site_agency.get(p.row.site_id, p.row.agency_id),
                p.row.site_id,
                p.row.url,
                p.row.final_url,
                p.row.status_code,
                p.row.title,
                p.row.error,
                p.reused,
                p.compliant,
                *(p.value(key) for key in SCORE_KEYS),
            )
            for p in scorecard.pages
        ],
        "findings": list(_findings(scorecard, catalogue, site_agency, ids)),
        "issues": [
            (
                *ids,
                site.agency_id,
                site.id,
                i.fingerprint,
                i.rule_id,
                i.title,
                i.category,
                i.impact,
                " ".join(i.wcag),
                len(i.pages),
                i.occurrences,
                i.priority,
                i.gain,
                i.selector,
                i.html,
                i.help_url,
            )
            for site in scorecard.sites
            for i in site.issues
        ],
        "documents": [
            (
                *ids,
                d["agency"],
                d["site"],
                d["url"],
                d["type"],
                d["size"],
                d["checked"],
                d["not_checked_reason"],
                d["title_ii"],
                d["publish_as_html"],
                sum(1 for f in d["findings"] if f["outcome"] == "fail"),
                " ".join(sorted({f["rule_id"] for f in d["findings"] if f["outcome"] == "fail"})),
                " ".join(d["linked_from"]),
                d["reused_from_earlier_run"],
            )
            for d in export_documents(scorecard, catalogue)
        ],
        "url_states": [
            (
                *ids,
                site_agency.get(s.site_id, ""),
                s.site_id,
                s.url,
                s.state,
                s.reason,
                s.detail,
                s.status,
                s.depth,
                s.referrer,
                s.document,
                s.content_type,
                s.size,
            )
            for s in store.url_states(run.id)
        ],
    }


class NameRows:
    """Each agency and site once, as the newest run given to `add` names it."""

    def __init__(self) -> None:
        self.agencies: dict[str, Row] = {}
        self.sites: dict[str, Row] = {}

    def add(self, scorecard: Scorecard) -> None:
        run_id = scorecard.run.id
        config = {s.get("id"): s for s in (scorecard.run.config or {}).get("sites", [])}
        for agency in scorecard.agencies:
            self.agencies[agency.id] = (agency.id, agency.name, run_id)
        for site in scorecard.sites:
            hosts = config.get(site.id, {}).get("allowed_hosts") or sorted(
                {urlsplit(u).hostname or "" for u in site.start_urls} - {""}
            )
            self.sites[site.id] = (
                site.id,
                site.agency_id,
                site.name,
                " ".join(hosts),
                " ".join(site.start_urls),
                run_id,
            )

    def rows(self) -> dict[str, list[Row]]:
        return {
            "agencies": sorted(self.agencies.values()),
            "sites": sorted(self.sites.values(), key=lambda row: row[0]),
        }


def utc(value: datetime) -> datetime:
    """A stored time as UTC (SQLite gives it back without its zone; it was stored in UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _run_row(scorecard: Scorecard) -> Row:
    run = scorecard.run
    return (
        run.id,
        run.status,
        utc(run.started_at),
        utc(run.finished_at) if run.finished_at else None,
        utc(run.started_at).date(),
        run.tool_version,
        run.axe_version,
        run.catalogue_version,
        run.scoring_version,
        len(scorecard.pages),
        scorecard.overall_compliance.value,
        *_score_values(scorecard.scores),
    )


def _group_values(group: GroupView) -> Row:
    return (
        len(group.pages),
        group.equity.grade,
        group.scores.status,
        group.compliance.value,
        *_score_values(group.scores),
        len(group.issues),
        group.failures,
        group.reviews,
        group.untested,
    )


def _score_values(scores: GroupScores) -> Row:
    return tuple(scores.value(key) for key in SCORE_KEYS)


def _findings(
    scorecard: Scorecard, catalogue: Catalogue, site_agency: dict[str, str], ids: Row
) -> Iterator[Row]:
    for page in scorecard.pages:
        agency = site_agency.get(page.row.site_id, page.row.agency_id)
        for f in sorted(
            page.failures + page.reviews, key=lambda f: (f.outcome, f.rule_id, f.selector)
        ):
            rule = catalogue.rules.get(f.rule_id)
            yield (
                *ids,
                scorecard.fingerprints.get(f.id),
                agency,
                page.row.site_id,
                page.row.url,
                f.rule_id,
                f.category,
                f.outcome,
                f.impact,
                " ".join(sc for sc in f.wcag.split(",") if sc),
                f.selector,
                f.html,
                f.message,
                rule.help_url if rule else None,
            )
