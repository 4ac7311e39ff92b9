"""Scorecard data assembled from the store: what the HTML pages and exports show.

Pure assembly over stored rows: page scores come from `pages.scores` (computed when judging),
issues group failures by `rules.fingerprint`, trends compare with the previous complete run.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from massaudit.reports.documents import attach_documents
from massaudit.reports.scoring import (
    DIMENSIONS,
    EQUITY,
    GroupScores,
    Score,
    equity,
    group_scores,
    page_scores,
)
from massaudit.rules.catalogue import Catalogue, SuccessCriterion
from massaudit.rules.fingerprint import fingerprint
from massaudit.rules.scoring import WCAG21_VERSIONS
from massaudit.store.db import Store
from massaudit.store.schema import FindingRow, PageRow, RunRow, UrlStateRow

DEFAULT_REGRESSION_THRESHOLD = 5.0
HISTORY_RUNS = 12  # runs shown in score history charts
GAIN_ESTIMATES = 25  # issues per group whose score gain is estimated (the top of fix-first)

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
# What each compliance-matrix status means (docs/scoring.md, "Compliance matrix").
MATRIX_STATUS_TEXT = {
    "fail": "Failing",
    "review": "Needs review",
    "pass": "Passing automated checks",
    "not-applied": "No automated check applied",
    "manual": "Not testable automatically",
}


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


@dataclass
class IssueView:
    """One problem: the same rule failing on the same kind of element, on one or many pages."""

    fingerprint: str
    rule_id: str
    title: str
    category: str
    impact: str | None
    weight: float
    wcag: list[str]
    help_url: str
    selector: str
    html: str
    message: str
    pages: list[int] = field(default_factory=list)
    occurrences: int = 0
    views: int | None = None
    priority: float = 0.0
    gain: float | None = None  # estimated change of the group's equity score if fixed
    dimension_gain: float | None = None  # ... and of the issue's own dimension

    @property
    def dimension(self) -> str:
        return next((d.id for d in DIMENSIONS if self.category in d.categories), self.category)


@dataclass
class PreviousIssue:
    fingerprint: str
    rule_id: str
    title: str
    pages: int
    occurrences: int


@dataclass
class MatrixRow:
    sc: SuccessCriterion
    status: str  # fail, review, pass, not-applied, manual (MATRIX_STATUS_TEXT)
    fail_pages: int = 0
    review_pages: int = 0
    pass_pages: int = 0
    rules: list[str] = field(default_factory=list)
    issues: list[IssueView] = field(default_factory=list)


@dataclass
class HistoryPoint:
    run_id: int
    started: Any
    scoring_version: str
    pages: int
    values: dict[str, float | None]  # equity and every dimension


@dataclass
class Trend:
    previous_run: RunRow | None = None
    new: list[IssueView] = field(default_factory=list)
    persisting: list[IssueView] = field(default_factory=list)
    fixed: list[PreviousIssue] = field(default_factory=list)
    history: list[HistoryPoint] = field(default_factory=list)
    change: dict[str, float] = field(default_factory=dict)  # key -> points since previous run
    regressions: list[tuple[str, float, float]] = field(default_factory=list)  # key, before, now

    @property
    def equity_change(self) -> float | None:
        return self.change.get(EQUITY)


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
    fingerprints: dict[int, str] = {}
    for finding in store.findings(run.id):
        findings_by_page[finding.page_id].append(finding)
        if finding.outcome == "fail":
            fingerprints[finding.id] = finding_fingerprint(finding)
    pages = [
        PageView(
            row,
            [f for f in findings_by_page[row.id] if f.outcome == "fail"],
            [f for f in findings_by_page[row.id] if f.outcome == "needs-review"],
        )
        for row in store.pages(run.id)
    ]
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

    pages_by_site: dict[str, list[PageView]] = defaultdict(list)
    for page in pages:
        pages_by_site[page.row.site_id].append(page)
    site_ids = list(site_meta) + sorted(set(pages_by_site) - set(site_meta))
    site_agency = {
        site_id: site_meta.get(site_id, {}).get("agency")
        or next((p.row.agency_id for p in pages_by_site[site_id]), "")
        for site_id in site_ids
    }
    history = _History(store, run, site_agency, catalogue)
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

    attach_documents(store, run.id, sites, agencies)  # issue 7: reports/documents.py
    for group in sites + agencies:  # the documents dimension joins their scores
        document_list = getattr(group, "document_list", None)
        if document_list is not None:
            extra = {"documents": document_list.score}
            with_extra_scores(group, extra, history, fingerprints, catalogue, regression_threshold)
    scores = group_scores(p.scores for p in pages)
    issues = group_issues(pages, fingerprints, catalogue)
    fix_first(pages, issues, fingerprints, catalogue, scores)  # run-wide priorities and gains
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
    )


def finding_fingerprint(finding: Any) -> str:
    """The issue fingerprint of a stored finding (rules.fingerprint: rule + element signature)."""
    return fingerprint(finding.rule_id, finding.selector, finding.html)


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


_IMPACT_ORDER = {"critical": 0, "serious": 1, "moderate": 2, "minor": 3, None: 4}


def group_issues(
    pages: Iterable[PageView], fingerprints: Mapping[int, str], catalogue: Catalogue
) -> list[IssueView]:
    """Failures of `pages` grouped by fingerprint: one issue per rule and element signature,
    with the pages it is on and its occurrence count; worst first (impact, then pages)."""
    issues: dict[str, IssueView] = {}
    for page in pages:
        for finding in page.failures:
            fp = fingerprints.get(finding.id) or finding_fingerprint(finding)
            issue = issues.get(fp)
            if issue is None:
                rule = catalogue.rules.get(finding.rule_id)
                issue = issues[fp] = IssueView(
                    fingerprint=fp,
                    rule_id=finding.rule_id,
                    title=rule.title if rule else finding.rule_id,
                    category=finding.category,
                    impact=finding.impact or (rule.impact if rule else None),
                    weight=rule.weight if rule else 1.0,
                    wcag=[sc for sc in finding.wcag.split(",") if sc],
                    help_url=rule.help_url if rule else "",
                    selector=finding.selector,
                    html=finding.html,
                    message=finding.message,
                )
            if not issue.pages or issue.pages[-1] != page.row.id:
                issue.pages.append(page.row.id)
                if page.views is not None:
                    issue.views = (issue.views or 0) + page.views
            issue.occurrences += 1
    return sorted(
        issues.values(),
        key=lambda i: (_IMPACT_ORDER.get(i.impact, 4), -len(i.pages), i.rule_id, i.fingerprint),
    )


def fix_first(
    pages: list[PageView],
    issues: list[IssueView],
    fingerprints: Mapping[int, str],
    catalogue: Catalogue,
    scores: GroupScores | None = None,
    limit: int = GAIN_ESTIMATES,
    extra: Mapping[str, Score] | None = None,
) -> list[IssueView]:
    """Issues ranked by impact weight × pages affected (× page views when traffic is known),
    the top `limit` with the estimated gain of the group's scores if each were fixed
    (`extra`: scores of dimensions not computed from pages, as for `group_scores`)."""
    traffic = any(p.views is not None for p in pages)
    # Pages missing from the traffic file count as one view each, so they still rank.
    missing = {p.row.id for p in pages if p.views is None}
    for issue in issues:
        if traffic:
            reach = (issue.views or 0) + sum(1 for page_id in issue.pages if page_id in missing)
        else:
            reach = len(issue.pages)
        issue.priority = issue.weight * reach
    ranked = sorted(
        issues, key=lambda i: (-i.priority, _IMPACT_ORDER.get(i.impact, 4), i.fingerprint)
    )
    top = ranked[:limit]
    before = scores or group_scores((p.scores for p in pages), extra)
    by_id = {p.row.id: i for i, p in enumerate(pages)}
    for issue in top:
        after = _scores_if_fixed(pages, by_id, issue, fingerprints, catalogue, extra)
        issue.gain = _delta(before.equity.value, after.equity.value)
        issue.dimension_gain = _delta(before.value(issue.dimension), after.value(issue.dimension))
    return top


def _delta(before: float | None, after: float | None) -> float | None:
    if before is None or after is None:
        return None
    return round(after - before, 1)


def _scores_if_fixed(
    pages: list[PageView],
    by_id: Mapping[int, int],
    issue: IssueView,
    fingerprints: Mapping[int, str],
    catalogue: Catalogue,
    extra: Mapping[str, Score] | None = None,
) -> GroupScores:
    """The group's scores if the issue were fixed: on each page where this issue is the rule's
    only failure, the rule passes; pages where the rule also fails elsewhere keep failing."""
    rows: list[Mapping[str, Any] | None] = [p.scores for p in pages]
    for page_id in issue.pages:
        page = pages[by_id[page_id]]
        same_rule = [f for f in page.failures if f.rule_id == issue.rule_id]
        if any(fingerprints.get(f.id) != issue.fingerprint for f in same_rule):
            continue
        outcomes = dict(page.row.rule_outcomes or {})
        if outcomes.get(issue.rule_id) != "fail":
            continue
        outcomes[issue.rule_id] = "pass"
        rows[by_id[page_id]] = page_scores(outcomes, catalogue)
    return group_scores(rows, extra)


def _wcag21_criteria(catalogue: Catalogue) -> list[SuccessCriterion]:
    return sorted(
        (
            sc
            for sc in catalogue.criteria.values()
            if sc.level in ("A", "AA") and sc.version in WCAG21_VERSIONS
        ),
        key=lambda sc: sc.sort_key,
    )


def compliance_matrix(
    pages: list[PageView], issues: list[IssueView], catalogue: Catalogue
) -> list[MatrixRow]:
    """Each WCAG 2.1 A/AA success criterion for a set of pages: failing (pages, issues),
    needing review, passing where automated checks applied, no automated check applied here,
    or not testable automatically (no rule in the catalogue tests it)."""
    rules_by_sc: dict[str, list[str]] = defaultdict(list)
    sc_by_rule: dict[str, tuple[str, ...]] = {}
    for rule in catalogue.rules.values():
        if rule.wcag:
            sc_by_rule[rule.id] = rule.wcag
            for number in rule.wcag:
                rules_by_sc[number].append(rule.id)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for page in pages:
        if page.row.error:
            continue
        worst: dict[str, str] = {}
        for rule_id, outcome in (page.row.rule_outcomes or {}).items():
            for number in sc_by_rule.get(rule_id, ()):
                worst[number] = _worse(worst.get(number), outcome)
        for number, outcome in worst.items():
            counts[number][outcome] += 1
    issues_by_sc: dict[str, list[IssueView]] = defaultdict(list)
    for issue in issues:
        for number in issue.wcag:
            issues_by_sc[number].append(issue)
    rows = []
    for sc in _wcag21_criteria(catalogue):
        c = counts.get(sc.number, Counter())
        if c["fail"]:
            status = "fail"
        elif c["needs-review"]:
            status = "review"
        elif c["pass"]:
            status = "pass"
        elif rules_by_sc.get(sc.number):
            status = "not-applied"
        else:
            status = "manual"
        rows.append(
            MatrixRow(
                sc=sc,
                status=status,
                fail_pages=c["fail"],
                review_pages=c["needs-review"],
                pass_pages=c["pass"],
                rules=sorted(rules_by_sc.get(sc.number, [])),
                issues=issues_by_sc.get(sc.number, []),
            )
        )
    return rows


_OUTCOME_RANK = {"fail": 0, "needs-review": 1, "pass": 2, "inapplicable": 3}


def _worse(a: str | None, b: str) -> str:
    if a is None:
        return b
    return a if _OUTCOME_RANK.get(a, 9) <= _OUTCOME_RANK.get(b, 9) else b


class _History:
    """Earlier complete runs of the same store: previous issues and score history per group."""

    def __init__(
        self, store: Store, run: RunRow, site_agency: Mapping[str, str], catalogue: Catalogue
    ) -> None:
        self.run = run
        self.catalogue = catalogue
        self.site_agency = dict(site_agency)
        earlier = [r for r in store.runs() if r.id < run.id and r.status == "complete"]
        self.previous_run = earlier[-1] if earlier else None
        self.points: dict[tuple[str, str], list[HistoryPoint]] = defaultdict(list)
        for past in earlier[-(HISTORY_RUNS - 1) :] + [run]:
            by_group: dict[tuple[str, str], list[Mapping[str, Any] | None]] = defaultdict(list)
            for site_id, agency_id, error, scores in store.page_score_rows(past.id):
                row = None if error else (scores or {})
                agency = self.site_agency.get(site_id) or agency_id
                by_group["site", site_id].append(row)
                by_group["agency", agency].append(row)
            for key, rows in by_group.items():
                scores_ = group_scores(rows)
                values = {EQUITY: scores_.equity.value} | {
                    d.id: scores_.dimensions[d.id].value for d in DIMENSIONS
                }
                self.points[key].append(
                    HistoryPoint(past.id, past.started_at, past.scoring_version, len(rows), values)
                )
        # (kind, group id) -> fingerprint -> [rule id, page ids, occurrences]
        self.previous_issues: dict[tuple[str, str], dict[str, list[Any]]] = defaultdict(dict)
        if self.previous_run is not None:
            page_groups = {
                page_id: (site_id, self.site_agency.get(site_id) or agency_id)
                for page_id, site_id, agency_id in store.page_groups(self.previous_run.id)
            }
            for finding in store.findings(self.previous_run.id):
                if finding.outcome != "fail" or finding.page_id not in page_groups:
                    continue
                site_id, agency_id = page_groups[finding.page_id]
                fp = finding_fingerprint(finding)
                for key in (("site", site_id), ("agency", agency_id)):
                    entry = self.previous_issues[key].setdefault(fp, [finding.rule_id, set(), 0])
                    entry[1].add(finding.page_id)
                    entry[2] += 1

    def trend(self, kind: str, group_id: str, group: GroupView, threshold: float) -> Trend:
        history = list(self.points.get((kind, group_id), []))
        if history and history[-1].run_id == self.run.id:  # the headline scores, extras included
            now = history[-1]
            values = {EQUITY: group.scores.equity.value} | {
                d.id: group.scores.value(d.id) for d in DIMENSIONS
            }
            history[-1] = HistoryPoint(
                now.run_id, now.started, now.scoring_version, now.pages, values
            )
        trend = Trend(previous_run=self.previous_run, history=history)
        if self.previous_run is None:
            return trend
        before = self.previous_issues.get((kind, group_id), {})
        current = {i.fingerprint for i in group.issues}
        for issue in group.issues:
            (trend.persisting if issue.fingerprint in before else trend.new).append(issue)
        for fp, (rule_id, pages, occurrences) in sorted(
            before.items(), key=lambda kv: (kv[1][0], kv[0])
        ):
            if fp not in current:
                rule = self.catalogue.rules.get(rule_id)
                title = rule.title if rule else rule_id
                trend.fixed.append(PreviousIssue(fp, rule_id, title, len(pages), occurrences))
        points = {p.run_id: p for p in trend.history}
        previous = points.get(self.previous_run.id)
        if previous is not None:
            for key in (EQUITY, *(d.id for d in DIMENSIONS)):
                old_value, new_value = previous.values.get(key), group.scores.value(key)
                if key == EQUITY:
                    new_value = _comparable_equity(group.scores, previous.values)
                if old_value is None or new_value is None:
                    continue
                trend.change[key] = round(new_value - old_value, 1)
                if old_value - new_value > threshold:
                    trend.regressions.append((key, old_value, new_value))
        return trend


def _comparable_equity(scores: GroupScores, previous: Mapping[str, float | None]) -> float | None:
    """The group's equity over the dimensions the previous run had a score in, so a dimension
    that joins (e.g. documents checked for the first time) does not show as a change."""
    return equity(
        {
            dim: score.value
            for dim, score in scores.dimensions.items()
            if previous.get(dim) is not None or score.value is None
        }
    )


def with_extra_scores(
    group: GroupView,
    extra: Mapping[str, Score],
    history: _History,
    fingerprints: Mapping[int, str],
    catalogue: Catalogue,
    threshold: float,
) -> None:
    """Give a group scores of dimensions not computed from its pages (the documents dimension:
    reports.documents' `document_list.score`), then its fix-first gains and trend again."""
    extra = {dim: score for dim, score in extra.items() if score.value is not None}
    if not extra:
        return  # no credit, no penalty: nothing was checked
    group.scores = group_scores((p.scores for p in group.pages), extra)
    group.fix_first = fix_first(
        group.pages, group.issues, fingerprints, catalogue, group.scores, extra=extra
    )
    group.trend = history.trend(group.kind, group.id, group, threshold)


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
