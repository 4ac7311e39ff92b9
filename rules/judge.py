"""The one front door of judging: a page's saved artifacts -> its findings, outcomes and scores.

Pure: no browser, no I/O. The nightly run, `massaudit rejudge` and `massaudit check` all judge
through `judge`, so a page is judged the same way wherever it is judged. Site-level checks (they
need every page of a site) run once a run's pages are stored: `judge_site`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from massaudit.rules.axe_findings import axe_findings
from massaudit.rules.catalogue import Catalogue
from massaudit.rules.checks.judge import judge_checks, judge_site_checks, site_rule_ids
from massaudit.rules.checks.settings import CheckSettings
from massaudit.rules.model import Finding, PageArtifacts
from massaudit.rules.outcomes import rule_outcomes
from massaudit.rules.scoring import page_scores

__all__ = ["PageJudgement", "judge", "judge_site", "site_rule_ids"]


@dataclass(frozen=True)
class PageJudgement:
    """What judging and scoring decided about one page."""

    findings: list[Finding]
    rule_outcomes: dict[str, str]
    scores: dict[str, Any]


def judge(
    artifacts: PageArtifacts, catalogue: Catalogue, settings: CheckSettings | None = None
) -> PageJudgement:
    """axe-core's results and massaudit's page-level checks on one page, and its scores.

    `settings` are the page's site's settings of massaudit's checks (defaults when None).
    """
    ours, our_outcomes = judge_checks(artifacts, catalogue, settings)
    outcomes = rule_outcomes(artifacts) | our_outcomes
    findings = axe_findings(artifacts, catalogue) + ours
    findings.sort(key=lambda f: (f.rule_id, f.selector, f.outcome, f.html, f.message))
    return PageJudgement(
        findings=findings,
        rule_outcomes=dict(sorted(outcomes.items())),
        scores=page_scores(outcomes, catalogue),
    )


def judge_site(
    pages: Mapping[Any, PageArtifacts], catalogue: Catalogue, settings: CheckSettings | None = None
) -> dict[Any, tuple[list[Finding], dict[str, str]]]:
    """The site-level checks over every page of one site: {page key: (findings, outcomes)}."""
    return judge_site_checks(pages, catalogue, settings)
