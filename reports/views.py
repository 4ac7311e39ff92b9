"""Scorecard data assembled from the store: what the HTML pages and exports show."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from reports.scoring import Score, aggregate, compliance_rate
from rules.catalogue import Catalogue
from store.db import Store
from store.schema import FindingRow, PageRow, RunRow, UrlStateRow


@dataclass
class RuleSummary:
    """One rule's failures across a set of pages: one issue, many occurrences."""

    rule_id: str
    title: str
    impact: str | None
    wcag: list[str]
    help_url: str
    pages: set[int] = field(default_factory=set)
    occurrences: int = 0


# Plain-language text for each reason a URL was not audited (codes: crawler.frontier).
SKIP_REASON_TEXT = {
    "robots_txt": "Disallowed by the site's robots.txt",
    "page_cap": "Over the site's page limit (max_pages)",
    "depth_cap": "Too many links away from a start page (max_depth)",
    "trap_guard": "Looks like an endless series (calendar, pagination, query variants)",
    "redirect_out_of_scope": "Redirects to an address outside the site",
    "redirect_loop": "Redirects too many times",
    "duplicate": "Redirects to a page already audited",
    "http_error": "The server answered with an error",
    "timeout": "Took too long to load",
    "network_error": "The server could not be reached",
    "browser_error": "The browser could not render or test it",
    "not_html": "Not a web page (file, image or other content)",
    "document": "Linked document (listed under Documents)",
    "out_of_scope": "Outside the site (other hosts or excluded paths)",
}
BROKEN_REASONS = {"http_error", "timeout", "network_error", "redirect_loop"}


@dataclass
class DocumentView:
    state: UrlStateRow
    linked_from: list[int]


@dataclass
class PageView:
    row: PageRow
    failures: list[FindingRow]
    reviews: list[FindingRow]
    broken_links: list[UrlStateRow] = field(default_factory=list)

    @property
    def reused(self) -> bool:
        return self.row.reused_from is not None

    @property
    def score(self) -> float | None:
        return (self.row.scores or {}).get("accessibility")

    @property
    def compliant(self) -> bool | None:
        return (self.row.scores or {}).get("compliant")


@dataclass
class GroupView:
    """An agency or a site: its pages, scores and failing rules."""

    id: str
    name: str
    pages: list[PageView]
    score: Score
    compliance: Score
    rules: list[RuleSummary]
    sites: list[GroupView] = field(default_factory=list)
    agency_id: str | None = None
    start_urls: list[str] = field(default_factory=list)
    not_audited: dict[str, list[UrlStateRow]] = field(default_factory=dict)
    documents: list[DocumentView] = field(default_factory=list)

    @property
    def not_audited_count(self) -> int:
        return sum(
            len(rows) for reason, rows in self.not_audited.items() if reason != "out_of_scope"
        )

    @property
    def broken_links(self) -> int:
        return sum(len(p.broken_links) for p in self.pages)

    @property
    def failures(self) -> int:
        return sum(len(p.failures) for p in self.pages)

    @property
    def reviews(self) -> int:
        return sum(len(p.reviews) for p in self.pages)

    @property
    def untested(self) -> int:
        return sum(1 for p in self.pages if p.row.error)

    @property
    def audited(self) -> int:
        return len(self.pages) - self.untested


@dataclass
class Scorecard:
    run: RunRow
    agencies: list[GroupView]
    sites: list[GroupView]
    pages: list[PageView]
    overall: Score
    overall_compliance: Score


def build_scorecard(store: Store, run: RunRow, catalogue: Catalogue) -> Scorecard:
    findings_by_page: dict[int, list[FindingRow]] = defaultdict(list)
    for finding in store.findings(run.id):
        findings_by_page[finding.page_id].append(finding)
    pages = [
        PageView(
            row,
            [f for f in findings_by_page[row.id] if f.outcome == "fail"],
            [f for f in findings_by_page[row.id] if f.outcome == "needs-review"],
        )
        for row in store.pages(run.id)
    ]
    states = store.url_states(run.id)
    _attach_crawl_facts(pages, states, store.links(run.id))
    states_by_site: dict[str, list[UrlStateRow]] = defaultdict(list)
    for state in states:
        states_by_site[state.site_id].append(state)
    links_by_target: dict[str, list[int]] = defaultdict(list)
    for page_id, target in store.links(run.id):
        links_by_target[target].append(page_id)
    config = run.config or {}
    agency_names = {a["id"]: a["name"] for a in config.get("agencies", [])}
    site_meta = {s["id"]: s for s in config.get("sites", [])}

    pages_by_site: dict[str, list[PageView]] = defaultdict(list)
    for page in pages:
        pages_by_site[page.row.site_id].append(page)
    site_ids = list(site_meta) + sorted(set(pages_by_site) - set(site_meta))
    sites = []
    for site_id in site_ids:
        meta = site_meta.get(site_id, {})
        agency_id = meta.get("agency") or next(
            (p.row.agency_id for p in pages_by_site[site_id]), ""
        )
        group = _group(site_id, meta.get("name", site_id), pages_by_site[site_id], catalogue)
        group.agency_id = agency_id
        group.start_urls = list(meta.get("start_urls", []))
        group.not_audited, group.documents = _not_audited(states_by_site[site_id], links_by_target)
        sites.append(group)

    agency_ids = list(agency_names) + sorted(
        {s.agency_id for s in sites if s.agency_id} - set(agency_names)
    )
    agencies = []
    for agency_id in agency_ids:
        agency_sites = [s for s in sites if s.agency_id == agency_id]
        agency_pages = [p for s in agency_sites for p in s.pages]
        group = _group(agency_id, agency_names.get(agency_id, agency_id), agency_pages, catalogue)
        group.sites = agency_sites
        for site in agency_sites:
            for reason, rows in site.not_audited.items():
                group.not_audited.setdefault(reason, []).extend(rows)
            group.documents.extend(site.documents)
        agencies.append(group)

    return Scorecard(
        run=run,
        agencies=agencies,
        sites=sites,
        pages=pages,
        overall=aggregate(p.score for p in pages),
        overall_compliance=compliance_rate(p.compliant for p in pages),
    )


def is_broken(state: UrlStateRow) -> bool:
    """A URL that failed to load: crawled and failed, or outside the site and checked."""
    if state.state != "skipped":
        return False
    if state.reason in BROKEN_REASONS:
        return True
    checked = state.reason == "out_of_scope" and state.detail.startswith("link checked")
    return checked and (state.status is None or state.status >= 400)


def _attach_crawl_facts(
    pages: list[PageView], states: list[UrlStateRow], links: list[tuple[int, str]]
) -> None:
    """Give each page its broken links: links to URLs of the run that failed to load."""
    broken = {s.url: s for s in states if is_broken(s)}
    if not broken:
        return
    by_id = {p.row.id: p for p in pages}
    for page_id, target in links:
        if target in broken and page_id in by_id:
            by_id[page_id].broken_links.append(broken[target])


def _not_audited(
    states: list[UrlStateRow], links_by_target: dict[str, list[int]]
) -> tuple[dict[str, list[UrlStateRow]], list[DocumentView]]:
    skipped: dict[str, list[UrlStateRow]] = defaultdict(list)
    documents = []
    for state in states:
        if state.state == "skipped":
            skipped[state.reason or "unknown"].append(state)
        if state.reason == "document":
            documents.append(DocumentView(state, sorted(set(links_by_target.get(state.url, [])))))
    order = list(SKIP_REASON_TEXT)
    ordered = dict(
        sorted(skipped.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99)
    )
    return ordered, documents


def _group(group_id: str, name: str, pages: list[PageView], catalogue: Catalogue) -> GroupView:
    return GroupView(
        id=group_id,
        name=name,
        pages=pages,
        score=aggregate(p.score for p in pages),
        compliance=compliance_rate(p.compliant for p in pages),
        rules=summarise_rules(pages, catalogue),
    )


_IMPACT_ORDER = {"critical": 0, "serious": 1, "moderate": 2, "minor": 3, None: 4}


def summarise_rules(pages: list[PageView], catalogue: Catalogue) -> list[RuleSummary]:
    """Failing rules across pages, worst first: impact, then pages affected."""
    summaries: dict[str, RuleSummary] = {}
    for page in pages:
        for finding in page.failures:
            summary = summaries.get(finding.rule_id)
            if summary is None:
                rule = catalogue.rules.get(finding.rule_id)
                summary = summaries[finding.rule_id] = RuleSummary(
                    rule_id=finding.rule_id,
                    title=rule.title if rule else finding.rule_id,
                    impact=finding.impact or (rule.impact if rule else None),
                    wcag=[sc for sc in finding.wcag.split(",") if sc],
                    help_url=rule.help_url if rule else "",
                )
            summary.pages.add(page.row.id)
            summary.occurrences += 1
    return sorted(
        summaries.values(),
        key=lambda s: (_IMPACT_ORDER.get(s.impact, 4), -len(s.pages), s.rule_id),
    )


def outcome_counts(pages: list[PageView]) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    for page in pages:
        counts["fail"] += len(page.failures)
        counts["needs-review"] += len(page.reviews)
    return dict(counts)
