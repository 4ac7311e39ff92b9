"""Scorecard data assembled from the store: what the HTML pages and exports show.

Pure assembly over stored rows: page scores come from `pages.scores` (computed when judging),
issues group failures by `rules.fingerprint` (reports.issues), the WCAG matrix is
reports.compliance, trends compare with the previous complete run (reports.history).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from massaudit.reports.compliance import MatrixRow, compliance_matrix
from massaudit.reports.document_list import (
    DocumentSummary,
    attach_documents,
    document_issues,
    document_summary,
    documents_score,
)
from massaudit.reports.history import HistoryPoint, ScoreHistory, Trend
from massaudit.reports.issues import (
    IssueView,
    finding_fingerprint,
    fix_first,
    group_issues,
    site_hosts,
)
from massaudit.reports.scoring import GroupScores, Score, group_scores, rescore_pages
from massaudit.reports.screenshots import Screenshots, load_screenshots
from massaudit.reports.site_runs import documents_extra
from massaudit.rules.catalogue import Catalogue
from massaudit.store.db import Store
from massaudit.store.schema import FindingRow, PageRow, RunRow, UrlStateRow

DEFAULT_REGRESSION_THRESHOLD = 5.0

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
    "too_large": "Larger than the site's page size limit (max_page_bytes)",
    "not_html": "Not a web page (file, image or other content)",
    "document": "Linked document (listed under Documents)",
    "out_of_scope": "Outside the site (other hosts or excluded paths)",
    "other_site": "Audited under another site whose scope is more specific",
}
BROKEN_REASONS = {"http_error", "timeout", "network_error", "redirect_loop"}


@dataclass
class PageView:
    row: PageRow
    failures: list[FindingRow]
    reviews: list[FindingRow]
    broken_links: list[UrlStateRow] = field(default_factory=list)
    views: int | None = None  # page views from --traffic, when given

    @property
    def reused(self) -> bool:
        return self.row.reused_from is not None

    @property
    def scores(self) -> dict[str, Any] | None:
        """The stored page scores; None for a page that could not be tested."""
        return None if self.row.error else (self.row.scores or {})

    @property
    def score(self) -> float | None:
        return (self.row.scores or {}).get("accessibility")

    @property
    def compliant(self) -> bool | None:
        return (self.row.scores or {}).get("compliant")

    def value(self, key: str) -> float | None:
        return (self.row.scores or {}).get(key)

    def failure_groups(self, catalogue: Catalogue) -> list[FailureGroup]:
        """The page's failures as its page lists them: per category (the catalogue's order,
        then categories it does not know), per rule; a rule is listed once, under the category
        of its first failure, so each rule has one section (and one anchor) on the page."""
        by_rule: dict[str, list[FindingRow]] = {}
        for finding in self.failures:
            by_rule.setdefault(finding.rule_id, []).append(finding)
        groups: dict[str, FailureGroup] = {}
        for rule_id in sorted(by_rule):
            category = by_rule[rule_id][0].category
            if category not in groups:
                known = catalogue.categories.get(category)
                title = known.title if known else f"Other checks ({category})"
                groups[category] = FailureGroup(category, title)
            groups[category].rules.append((rule_id, by_rule[rule_id]))
        order = {category: n for n, category in enumerate(catalogue.categories)}
        return sorted(
            groups.values(), key=lambda g: (order.get(g.category, len(order)), g.category)
        )


@dataclass
class FailureGroup:
    """One category of a page's failures: rule id -> its failures on the page."""

    category: str
    title: str
    rules: list[tuple[str, list[FindingRow]]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(findings) for _rule, findings in self.rules)


@dataclass
class GroupView:
    """An agency or a site: its pages, scores, issues, matrix and trend."""

    id: str
    name: str
    pages: list[PageView]
    scores: GroupScores
    issues: list[IssueView]
    sites: list[GroupView] = field(default_factory=list)
    agency_id: str | None = None
    start_urls: list[str] = field(default_factory=list)
    not_audited: dict[str, list[UrlStateRow]] = field(default_factory=dict)
    matrix: list[MatrixRow] = field(default_factory=list)
    fix_first: list[IssueView] = field(default_factory=list)
    trend: Trend = field(default_factory=Trend)
    kind: str = "site"

    @property
    def score(self) -> Score:
        return self.scores.dimensions["accessibility"]

    @property
    def equity(self) -> Score:
        return self.scores.equity

    @property
    def compliance(self) -> Score:
        return self.scores.compliance

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

    def matrix_counts(self) -> Counter[str]:
        return Counter(row.status for row in self.matrix)


@dataclass
class Scorecard:
    run: RunRow
    agencies: list[GroupView]
    sites: list[GroupView]
    pages: list[PageView]
    scores: GroupScores
    issues: list[IssueView]
    fingerprints: dict[int, str]  # finding id -> issue fingerprint
    previous_run: RunRow | None = None
    regression_threshold: float = DEFAULT_REGRESSION_THRESHOLD
    traffic: bool = False
    history: list[HistoryPoint] = field(default_factory=list)  # every site together, per run
    screenshots: Screenshots = field(default_factory=Screenshots)

    @property
    def overall(self) -> Score:
        return self.scores.dimensions["accessibility"]

    @property
    def overall_compliance(self) -> Score:
        return self.scores.compliance

    def movers(self, limit: int = 5) -> list[GroupView]:
        """Agencies and sites whose equity score fell most since the previous run, worst first."""
        moved = [
            g
            for g in self.agencies + self.sites
            if g.trend.equity_change is not None and g.trend.equity_change < 0
        ]
        return sorted(moved, key=lambda g: (g.trend.equity_change, g.kind, g.id))[:limit]


def build_scorecard(
    store: Store,
    run: RunRow,
    catalogue: Catalogue,
    *,
    traffic: Mapping[str, int] | None = None,
    regression_threshold: float = DEFAULT_REGRESSION_THRESHOLD,
) -> Scorecard:
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
    rescore_pages([p.row for p in pages], run.scoring_version, catalogue)  # an older formula's
    if traffic is not None:
        from massaudit.reports.traffic import views_for

        for page in pages:
            page.views = views_for(traffic, page.row.url, page.row.final_url)
    states = store.url_states(run.id)
    _attach_crawl_facts(pages, states, store.links(run.id))
    states_by_site: dict[str, list[UrlStateRow]] = defaultdict(list)
    for state in states:
        states_by_site[state.site_id].append(state)
    config = run.config or {}
    agency_names = {a["id"]: a["name"] for a in config.get("agencies", [])}
    site_meta = {s["id"]: s for s in config.get("sites", [])}
    hosts = site_hosts(config, {p.row.site_id for p in pages})
    fingerprints = {  # one issue per element and host (reports.issues)
        f.id: finding_fingerprint(f, hosts[page.row.site_id])
        for page in pages
        for f in page.failures
    }

    pages_by_site: dict[str, list[PageView]] = defaultdict(list)
    for page in pages:
        pages_by_site[page.row.site_id].append(page)
    site_ids = list(site_meta) + sorted(set(pages_by_site) - set(site_meta))
    site_agency = {
        site_id: site_meta.get(site_id, {}).get("agency")
        or next((p.row.agency_id for p in pages_by_site[site_id]), "")
        for site_id in site_ids
    }
    history = ScoreHistory(store, run, site_agency, catalogue)
    sites = []
    for site_id in site_ids:
        meta = site_meta.get(site_id, {})
        group = _group(
            site_id, meta.get("name", site_id), pages_by_site[site_id], catalogue, fingerprints
        )
        group.agency_id = site_agency[site_id]
        group.start_urls = list(meta.get("start_urls", []))
        group.not_audited = _not_audited(states_by_site[site_id])
        group.trend = history.trend("site", site_id, group, regression_threshold)
        sites.append(group)

    agency_ids = list(agency_names) + sorted(
        {s.agency_id for s in sites if s.agency_id} - set(agency_names)
    )
    agencies = []
    for agency_id in agency_ids:
        agency_sites = [s for s in sites if s.agency_id == agency_id]
        agency_pages = [p for s in agency_sites for p in s.pages]
        name = agency_names.get(agency_id, agency_id)
        group = _group(agency_id, name, agency_pages, catalogue, fingerprints)
        group.kind = "agency"
        group.sites = agency_sites
        for site in agency_sites:
            for reason, rows in site.not_audited.items():
                group.not_audited.setdefault(reason, []).extend(rows)
        group.trend = history.trend("agency", agency_id, group, regression_threshold)
        agencies.append(group)

    attach_documents(store, run.id, sites, agencies)  # reports/document_list.py
    for group in sites + agencies:  # the documents dimension joins their scores
        document_list = getattr(group, "document_list", None)
        if document_list is not None:
            extra = {"documents": document_list.score}
            with_extra_scores(group, extra, history, fingerprints, catalogue, regression_threshold)
    # Every site together, the documents dimension included as for each site and agency (and
    # as the overall history's points are).
    extra = documents_extra(documents_score(_run_documents(sites)))
    scores = group_scores((p.scores for p in pages), extra)
    issues = group_issues(pages, fingerprints, catalogue)
    fix_first(pages, issues, fingerprints, catalogue, scores, extra=extra)  # run-wide priorities
    return Scorecard(
        run=run,
        agencies=agencies,
        sites=sites,
        pages=pages,
        scores=scores,
        issues=issues,
        fingerprints=fingerprints,
        previous_run=history.previous_run,
        regression_threshold=regression_threshold,
        traffic=traffic is not None,
        history=history.overall(),
        screenshots=load_screenshots(store, pages, hosts),
    )


def _run_documents(sites: list[GroupView]) -> DocumentSummary:
    lists = [s.document_list for s in sites if getattr(s, "document_list", None) is not None]
    items = [item for document_list in lists for item in document_list.items]
    return document_summary(items, sum(s.audited for s in sites))


def _group(
    group_id: str,
    name: str,
    pages: list[PageView],
    catalogue: Catalogue,
    fingerprints: Mapping[int, str],
) -> GroupView:
    issues = group_issues(pages, fingerprints, catalogue)
    scores = group_scores(p.scores for p in pages)
    group = GroupView(
        id=group_id,
        name=name,
        pages=pages,
        scores=scores,
        issues=issues,
    )
    group.matrix = compliance_matrix(pages, issues, catalogue)
    group.fix_first = fix_first(pages, issues, fingerprints, catalogue, scores)
    return group


def with_extra_scores(
    group: GroupView,
    extra: Mapping[str, Score],
    history: ScoreHistory,
    fingerprints: Mapping[int, str],
    catalogue: Catalogue,
    threshold: float,
) -> None:
    """Give a group scores of dimensions not computed from its pages (the documents dimension:
    reports.document_list's `document_list.score`), then its fix-first (its documents with
    failures are candidates too) and trend again."""
    extra = {dim: score for dim, score in extra.items() if score.value is not None}
    if not extra:
        return  # no credit, no penalty: nothing was checked
    group.scores = group_scores((p.scores for p in group.pages), extra)
    document_list = getattr(group, "document_list", None)
    documents = document_issues(document_list, group.pages, catalogue) if document_list else []
    group.fix_first = fix_first(
        group.pages, [*group.issues, *documents], fingerprints, catalogue, group.scores, extra=extra
    )
    group.trend = history.trend(group.kind, group.id, group, threshold)


def is_broken(state: UrlStateRow) -> bool:
    """A URL of the site that its crawl fetched and that failed to load. Links outside the site
    (other hosts, excluded paths), even when checked, are not the site's broken links."""
    return state.state == "skipped" and state.reason in BROKEN_REASONS


def _attach_crawl_facts(
    pages: list[PageView], states: list[UrlStateRow], links: list[tuple[int, str]]
) -> None:
    """Give each page its broken links: links to URLs of its own site that failed to load."""
    broken = {(s.site_id, s.url): s for s in states if is_broken(s)}
    if not broken:
        return
    by_id = {p.row.id: p for p in pages}
    for page_id, target in links:
        page = by_id.get(page_id)
        if page is not None and (page.row.site_id, target) in broken:
            page.broken_links.append(broken[(page.row.site_id, target)])


def _not_audited(states: list[UrlStateRow]) -> dict[str, list[UrlStateRow]]:
    """Skipped URLs by reason, in the order of SKIP_REASON_TEXT."""
    skipped: dict[str, list[UrlStateRow]] = defaultdict(list)
    for state in states:
        if state.state == "skipped":
            skipped[state.reason or "unknown"].append(state)
    order = list(SKIP_REASON_TEXT)
    return dict(
        sorted(skipped.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99)
    )


def outcome_counts(pages: list[PageView]) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    for page in pages:
        counts["fail"] += len(page.failures)
        counts["needs-review"] += len(page.reviews)
    return dict(counts)
