"""Issues: failures grouped by fingerprint (one rule failing on one element, or on the same
element of a shared template on many pages), and the fix-first ranking with the score each fix
would gain.

An issue's fingerprint is rules.fingerprint's fingerprint of the element, kept apart per host:
sites on different hosts are different deployments, so the same template element on two of them
is two fixes, never "fix once" (`finding_fingerprint` with the site's host, `site_hosts`)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from massaudit.reports.scoring import DIMENSIONS, GroupScores, Score, group_scores, page_scores
from massaudit.rules.catalogue import Catalogue
from massaudit.rules.fingerprint import FINGERPRINT_LENGTH, fingerprint

if TYPE_CHECKING:
    from massaudit.reports.views import PageView

GAIN_ESTIMATES = 25  # issues per group whose score gain is estimated (the top of fix-first)


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
    # A problem that is not a page's (a linked document: its URL): where it is shown instead of
    # an issue page, and the scores of dimensions not computed from pages once it is fixed.
    document: str | None = None
    href: str | None = None
    extra_if_fixed: Mapping[str, Score] | None = None

    @property
    def dimension(self) -> str:
        return next((d.id for d in DIMENSIONS if self.category in d.categories), self.category)


def finding_fingerprint(finding: Any, host: str = "") -> str:
    """The issue fingerprint of a stored finding: rules.fingerprint's (rule and element), and
    with `host` (the site's: `site_hosts`) one that no other host's findings share."""
    return issue_fingerprint(fingerprint(finding.rule_id, finding.selector, finding.html), host)


def issue_fingerprint(element: str, host: str = "") -> str:
    """The issue fingerprint of an element's fingerprint on a site of `host`."""
    if not host:
        return element
    return hashlib.sha256(f"{element}\n{host}".encode()).hexdigest()[:FINGERPRINT_LENGTH]


def site_hosts(config: Mapping[str, Any] | None, site_ids: Iterable[str]) -> dict[str, str]:
    """Site id -> the host its issues are kept apart by: the host name of its first start URL in
    a run's config (without the port, so a site served on another port next night, as the demo
    is, keeps its issues); a site the config does not describe is a host of its own."""
    start_urls = {
        site.get("id"): site.get("start_urls") or [""]
        for site in (config or {}).get("sites", [])
        if isinstance(site, Mapping)
    }
    return {
        site_id: _host_name(str(start_urls.get(site_id, [""])[0])) or f"site {site_id}"
        for site_id in site_ids
    }


def _host_name(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:  # hostile markup: not a URL
        return ""


def _title(text: str) -> str:
    # A rule the catalogue does not know is named by its id, which a page may have left empty.
    return text.strip() or "Unnamed check"


_IMPACT_ORDER = {"critical": 0, "serious": 1, "moderate": 2, "minor": 3, None: 4}


def group_issues(
    pages: Iterable[PageView],
    fingerprints: Mapping[int, str],
    catalogue: Catalogue,
    hosts: Mapping[str, str] | None = None,
) -> list[IssueView]:
    """Failures of `pages` grouped by fingerprint: one issue per rule and element (and host),
    with the pages it is on and its occurrence count; worst first (impact, then pages).
    A finding missing from `fingerprints` gets `finding_fingerprint` with its site's host."""
    issues: dict[str, IssueView] = {}
    for page in pages:
        host = (hosts or {}).get(page.row.site_id, "")
        for finding in page.failures:
            fp = fingerprints.get(finding.id) or finding_fingerprint(finding, host)
            issue = issues.get(fp)
            if issue is None:
                rule = catalogue.rules.get(finding.rule_id)
                issue = issues[fp] = IssueView(
                    fingerprint=fp,
                    rule_id=finding.rule_id,
                    title=_title(rule.title if rule else finding.rule_id),
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
    (`extra`: scores of dimensions not computed from pages, as for `group_scores`; an issue
    with `extra_if_fixed`, such as a linked document, gains by those instead of by pages)."""
    traffic = any(p.views is not None for p in pages)
    # Pages missing from the traffic file count as one view each, so they still rank.
    missing = {p.row.id for p in pages if p.views is None}
    for issue in issues:
        if traffic:
            reach = (issue.views or 0) + sum(1 for page_id in issue.pages if page_id in missing)
        else:
            reach = len(issue.pages)
        # A document no audited page links to (found in a sitemap) still reaches someone.
        issue.priority = issue.weight * (reach if issue.pages else 1)
    ranked = sorted(
        issues, key=lambda i: (-i.priority, _IMPACT_ORDER.get(i.impact, 4), i.fingerprint)
    )
    top = ranked[:limit]
    before = scores or group_scores((p.scores for p in pages), extra)
    by_id = {p.row.id: i for i, p in enumerate(pages)}
    for issue in top:
        if issue.extra_if_fixed is not None:
            after = group_scores(
                (p.scores for p in pages), {**(extra or {}), **issue.extra_if_fixed}
            )
        else:
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
