"""Trends: issues new, persisting and fixed, score changes, regressions and score history, per
site and agency (docs/scoring.md, "Trends and regressions").

Each site is compared with the last complete run that audited it (reports/site_runs.py decides
which runs audited which sites); a site this run did not audit is compared with nothing. An
agency's trend is built from its sites': its earlier issues and scores are those of each of its
sites at that site's last audit. Every score of the history is computed the way the headline is
(documents included) and with the current formula, so neither a formula change nor a run that
covered other sites shows as a trend.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from massaudit.reports.issues import IssueView, finding_fingerprint, site_hosts
from massaudit.reports.scoring import DIMENSION_IDS, EQUITY, GroupScores, equity
from massaudit.reports.site_runs import SiteRun, combined_scores, load_run_sites
from massaudit.rules.catalogue import Catalogue
from massaudit.store.db import Store
from massaudit.store.schema import RunRow

if TYPE_CHECKING:
    from massaudit.reports.views import GroupView

HISTORY_RUNS = 12  # runs shown in score history charts

# fingerprint -> [rule id, page ids, occurrences] of the failures of an earlier run
EarlierIssues = dict[str, list[Any]]


@dataclass
class PreviousIssue:
    fingerprint: str
    rule_id: str
    title: str
    pages: int
    occurrences: int


@dataclass
class HistoryPoint:
    run_id: int
    started: Any
    scoring_version: str  # the formula the run was scored with (its points use the current one)
    pages: int
    values: dict[str, float | None]  # equity and every dimension
    compliance: float | None = None  # share of pages tested with no critical or serious failure


@dataclass
class Trend:
    previous_run: RunRow | None = None  # the newest run compared with (a site: its last audit)
    baselines: dict[str, RunRow] = field(default_factory=dict)  # site id -> run compared with
    not_audited: str | None = None  # a site this run did not audit: why
    last_audited: RunRow | None = None  # ... and the last complete run that audited it
    sites_not_audited: dict[str, str] = field(default_factory=dict)  # an agency's, with why
    first_audits: list[str] = field(default_factory=list)  # an agency's sites audited first now
    new: list[IssueView] = field(default_factory=list)
    persisting: list[IssueView] = field(default_factory=list)
    fixed: list[PreviousIssue] = field(default_factory=list)
    history: list[HistoryPoint] = field(default_factory=list)
    change: dict[str, float] = field(default_factory=dict)  # key -> points since the baseline
    regressions: list[tuple[str, float, float]] = field(default_factory=list)  # key, before, now

    @property
    def equity_change(self) -> float | None:
        return self.change.get(EQUITY)


class ScoreHistory:
    """The earlier audits of each site of a scorecard, from the complete runs of the same store.

    Earlier runs are read newest first until every site has HISTORY_RUNS - 1 earlier audits (or
    there is no run left); only their page scores and documents are kept, as tallies."""

    def __init__(
        self, store: Store, run: RunRow, site_agency: Mapping[str, str], catalogue: Catalogue
    ) -> None:
        self.store = store
        self.run = run
        self.catalogue = catalogue
        self.site_agency = dict(site_agency)
        # Earlier findings are fingerprinted with each site's host of this run, as its issues are.
        self.hosts = site_hosts(run.config, self.site_agency)
        self.current = load_run_sites(store, run, catalogue)
        self.audits: dict[str, list[SiteRun]] = {site: [] for site in self.site_agency}
        earlier = [r for r in store.runs() if r.id < run.id and r.status == "complete"]
        for past in reversed(earlier):
            if all(len(audits) >= HISTORY_RUNS - 1 for audits in self.audits.values()):
                break
            for site_id, site_run in load_run_sites(store, past, catalogue).audited.items():
                audits = self.audits.get(site_id)
                if audits is not None and len(audits) < HISTORY_RUNS - 1:
                    audits.append(site_run)  # newest first
        baselines = [self.baseline(site) for site in self.site_agency]
        self.previous_run = max(
            (b.run for b in baselines if b is not None), key=lambda r: r.id, default=None
        )
        self._issues: dict[int, dict[str, EarlierIssues]] = {}

    def not_audited(self, site_id: str) -> str | None:
        """Why this run did not audit the site; None when it did."""
        return self.current.not_audited.get(site_id)

    def baseline(self, site_id: str) -> SiteRun | None:
        """The site's last audit by an earlier complete run, when this run audited it."""
        audits = self.audits.get(site_id)
        if not audits or self.not_audited(site_id) is not None:
            return None
        return audits[0]

    def trend(self, kind: str, group_id: str, group: GroupView, threshold: float) -> Trend:
        if kind == "agency":
            return self._agency_trend(group_id, group, threshold)
        return self._site_trend(group_id, group, threshold)

    def _site_trend(self, site_id: str, group: GroupView, threshold: float) -> Trend:
        audits = self.audits.get(site_id, [])
        trend = Trend(
            not_audited=self.not_audited(site_id),
            last_audited=audits[0].run if audits else None,
            history=[_point(a.run, [a]) for a in reversed(audits)],
        )
        if trend.not_audited is not None:
            trend.history = trend.history[-HISTORY_RUNS:]
            return trend
        trend.history = [*trend.history, self._now(group)][-HISTORY_RUNS:]
        baseline = self.baseline(site_id)
        if baseline is None:
            return trend
        trend.previous_run = baseline.run
        trend.baselines = {site_id: baseline.run}
        before = self._site_issues(baseline.run.id).get(site_id, {})
        _compare_issues(trend, before, group.issues, lambda _issue: True, self.catalogue)
        _compare_scores(trend, baseline.scores(), group.scores, threshold)
        return trend

    def _agency_trend(self, agency_id: str, group: GroupView, threshold: float) -> Trend:
        sites = [s for s, agency in self.site_agency.items() if agency == agency_id]
        audited_now = [s for s in sites if self.not_audited(s) is None]
        compared = [s for s in audited_now if self.baseline(s) is not None]
        trend = Trend(
            sites_not_audited={s: self.not_audited(s) or "" for s in sites if s not in audited_now},
            first_audits=[s for s in audited_now if s not in compared],
        )
        trend.history = self._agency_history(audited_now or sites)
        if audited_now:
            trend.history = [*trend.history, self._now(group)][-HISTORY_RUNS:]
        if not compared:
            return trend
        baselines = {s: self.baseline(s) for s in compared}
        trend.baselines = {s: b.run for s, b in baselines.items()}
        trend.previous_run = max(trend.baselines.values(), key=lambda r: r.id)
        before: EarlierIssues = {}
        for site_id, baseline in baselines.items():
            for fp, (rule_id, pages, n) in (
                self._site_issues(baseline.run.id).get(site_id, {}).items()
            ):
                entry = before.setdefault(fp, [rule_id, set(), 0])
                entry[1] |= pages
                entry[2] += n
        page_site = {p.row.id: p.row.site_id for p in group.pages}
        compared_sites = set(compared)

        def on_compared_site(issue: IssueView) -> bool:
            return any(page_site.get(page_id) in compared_sites for page_id in issue.pages)

        _compare_issues(trend, before, group.issues, on_compared_site, self.catalogue)
        now = combined_scores(self.current.audited[s] for s in compared)
        _compare_scores(trend, combined_scores(baselines.values()), now, threshold)
        return trend

    def _agency_history(self, sites: list[str]) -> list[HistoryPoint]:
        """Per earlier run that audited one of `sites`, the agency as it stood then: each site
        at its last audit up to that run (a run that audited one site moves only that site)."""
        audits = [a for s in sites for a in self.audits.get(s, [])]
        runs = sorted({a.run.id: a.run for a in audits}.values(), key=lambda r: r.id)
        points = []
        for run in runs[-(HISTORY_RUNS - 1) :]:
            latest = [
                next((a for a in self.audits.get(s, []) if a.run.id <= run.id), None) for s in sites
            ]
            points.append(_point(run, [a for a in latest if a is not None]))
        return points

    def _now(self, group: GroupView) -> HistoryPoint:
        """This run's point: the headline scores of the group."""
        run = self.run
        scores = group.scores
        return HistoryPoint(
            run.id,
            run.started_at,
            run.scoring_version,
            len(group.pages),
            scores.values(),
            scores.compliance.value,
        )

    def overall(self) -> list[HistoryPoint]:
        """Every site together per run, as an agency of all of them: each site at its last
        audit up to that run, this run's point from the sites it audited."""
        audited_now = [s for s in self.site_agency if self.not_audited(s) is None]
        points = self._agency_history(audited_now or list(self.site_agency))
        now = [self.current.audited[s] for s in audited_now if s in self.current.audited]
        if now:
            points.append(_point(self.run, now))
        return points[-HISTORY_RUNS:]

    def _site_issues(self, run_id: int) -> dict[str, EarlierIssues]:
        """The failures of an earlier run by site, grouped into issues by fingerprint."""
        if run_id not in self._issues:
            sites = self.store.page_sites(run_id)
            by_site: dict[str, EarlierIssues] = {}
            for finding in self.store.findings(run_id):
                if finding.outcome != "fail" or finding.page_id not in sites:
                    continue
                site_id = sites[finding.page_id]
                fp = finding_fingerprint(finding, self.hosts.get(site_id, f"site {site_id}"))
                entry = by_site.setdefault(site_id, {}).setdefault(fp, [finding.rule_id, set(), 0])
                entry[1].add(finding.page_id)
                entry[2] += 1
            self._issues[run_id] = by_site
        return self._issues[run_id]


def _point(run: RunRow, site_runs: list[SiteRun]) -> HistoryPoint:
    pages = sum(r.tally.pages for r in site_runs)
    scores = combined_scores(site_runs)
    return HistoryPoint(
        run.id, run.started_at, run.scoring_version, pages, scores.values(), scores.compliance.value
    )


def _compare_issues(
    trend: Trend,
    before: EarlierIssues,
    issues: Iterable[IssueView],
    counted: Callable[[IssueView], bool],
    catalogue: Catalogue,
) -> None:
    """New (not in `before`; only issues `counted`), persisting and fixed issues."""
    issues = list(issues)
    current = {i.fingerprint for i in issues}
    for issue in issues:
        if issue.fingerprint in before:
            trend.persisting.append(issue)
        elif counted(issue):
            trend.new.append(issue)
    for fp, (rule_id, pages, occurrences) in sorted(
        before.items(), key=lambda kv: (kv[1][0], kv[0])
    ):
        if fp not in current:
            rule = catalogue.rules.get(rule_id)
            title = rule.title if rule else rule_id
            trend.fixed.append(PreviousIssue(fp, rule_id, title, len(pages), occurrences))


def _compare_scores(trend: Trend, before: GroupScores, now: GroupScores, threshold: float) -> None:
    previous = before.values()
    for key in (EQUITY, *DIMENSION_IDS):
        old_value, new_value = previous.get(key), now.value(key)
        if key == EQUITY:
            new_value = _comparable_equity(now, previous)
        if old_value is None or new_value is None:
            continue
        trend.change[key] = round(new_value - old_value, 1)
        if old_value - new_value > threshold:
            trend.regressions.append((key, old_value, new_value))


def _comparable_equity(scores: GroupScores, previous: Mapping[str, float | None]) -> float | None:
    """The group's equity over the dimensions the earlier run had a score in, so a dimension
    that joins (e.g. documents checked for the first time) does not show as a change."""
    return equity(
        {
            dim: score.value
            for dim, score in scores.dimensions.items()
            if previous.get(dim) is not None or score.value is None
        }
    )
