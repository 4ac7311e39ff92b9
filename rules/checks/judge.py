"""Run massaudit's own checks over saved artifacts: results -> findings and rule outcomes. Pure.

Every check runs through its registered `Check` (rules/checks/__init__.py), which makes a rule
"inapplicable" when a fact the check reads was not collected; judging adds nothing to that.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from massaudit.rules.axe_findings import truncate_html
from massaudit.rules.catalogue import Catalogue
from massaudit.rules.checks import CheckResult, registry
from massaudit.rules.checks.settings import CheckSettings
from massaudit.rules.model import Finding, PageArtifacts, Rule

Judged = tuple[list[Finding], dict[str, str]]


def judge_checks(
    artifacts: PageArtifacts, catalogue: Catalogue, settings: CheckSettings | None = None
) -> Judged:
    """Findings and {rule id: outcome} of every enabled page-level check on one page."""
    settings = settings or CheckSettings()
    if artifacts.error:
        return [], {}
    findings: list[Finding] = []
    outcomes: dict[str, str] = {}
    for rule_id, check in sorted(registry().page.items()):
        if rule_id in settings.disabled:
            continue
        result = check(artifacts, settings)
        _collect(_rule(catalogue, rule_id), result, findings, outcomes)
    return findings, outcomes


def judge_site_checks(
    pages: Mapping[Any, PageArtifacts], catalogue: Catalogue, settings: CheckSettings | None = None
) -> dict[Any, Judged]:
    """Site-level checks over all pages of one site: {page key: (findings, outcomes)}."""
    settings = settings or CheckSettings()
    judged: dict[Any, Judged] = {key: ([], {}) for key in pages}
    for rule_id, check in sorted(registry().site.items()):
        if rule_id in settings.disabled:
            continue
        rule = _rule(catalogue, rule_id)
        for key, result in check(pages, settings).items():
            findings, outcomes = judged[key]
            _collect(rule, result, findings, outcomes)
    return {key: value for key, value in judged.items() if value[1]}


def site_rule_ids() -> set[str]:
    return set(registry().site)


def _rule(catalogue: Catalogue, rule_id: str) -> Rule:
    rule = catalogue.get(rule_id)
    if rule is None or rule.source != "massaudit":
        raise KeyError(f"check {rule_id!r} has no massaudit rule in the catalogue")
    return rule


def _collect(
    rule: Rule, result: CheckResult, findings: list[Finding], outcomes: dict[str, str]
) -> None:
    outcomes[rule.id] = result.outcome
    for item in result.items:
        findings.append(
            Finding(
                rule_id=rule.id,
                category=rule.category,
                outcome=item.outcome,
                impact=rule.impact,
                selector=item.selector,
                html=truncate_html(item.html),
                wcag=rule.wcag,
                message=item.message,
            )
        )
