"""Trends: issues new, persisting and fixed since the previous complete run, score history
over recent runs and regressions past the threshold, per site and agency."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from massaudit.reports.issues import IssueView, finding_fingerprint
from massaudit.reports.scoring import DIMENSIONS, EQUITY, GroupScores, equity, group_scores
from massaudit.rules.catalogue import Catalogue
from massaudit.store.db import Store
from massaudit.store.schema import RunRow

if TYPE_CHECKING:
    from massaudit.reports.views import GroupView

HISTORY_RUNS = 12  # runs shown in score history charts


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


class ScoreHistory:
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
