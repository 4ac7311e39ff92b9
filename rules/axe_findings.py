"""axe-core's results in saved page artifacts -> findings, through the catalogue.

Pure: no browser, no I/O. axe `violations` become failures and axe `incomplete` becomes
"needs review" (never a pass, never a failure). `passes` and `inapplicable` yield nothing here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from massaudit.rules.catalogue import Catalogue, axe_record_from_result, rule_from_axe
from massaudit.rules.model import IMPACTS, Finding, Impact, Outcome, PageArtifacts, Rule

HTML_LIMIT = 1000
TARGET_SEPARATOR = " >>> "
_BUCKET_OUTCOMES: tuple[tuple[str, Outcome], ...] = (
    ("violations", "fail"),
    ("incomplete", "needs-review"),
)
# Only used to build a Rule for an axe rule the catalogue lacks; a finding's impact comes from
# the node or the result, never from this placeholder.
_PLACEHOLDER_IMPACT = "moderate"


def axe_findings(artifacts: PageArtifacts, catalogue: Catalogue) -> list[Finding]:
    """Findings for one page, sorted by rule id, then selector. Failed loads yield none."""
    if artifacts.error:
        return []
    axe = artifacts.axe or {}
    findings = []
    for bucket, outcome in _BUCKET_OUTCOMES:
        for result in axe.get(bucket) or ():
            rule, known = _rule_for(result, catalogue)
            fallback_impact = rule.impact if known else None
            for node in result.get("nodes") or ():
                findings.append(_finding(rule, result, node, outcome, fallback_impact))
    findings.sort(key=lambda f: (f.rule_id, f.selector, f.outcome, f.html, f.message))
    return findings


def _rule_for(result: Mapping[str, Any], catalogue: Catalogue) -> tuple[Rule, bool]:
    """The catalogue rule for an axe result, and whether the catalogue knew it."""
    rule = catalogue.get(result.get("id") or "")
    if rule is not None:
        return rule, True
    # Not in the catalogue (e.g. results from a newer axe): keep the finding, mapped through the
    # same adapter as catalogue rules, from the tags the result carries.
    record = axe_record_from_result(result, _PLACEHOLDER_IMPACT)
    return rule_from_axe(record, catalogue.impact_weights), False


def _finding(
    rule: Rule,
    result: Mapping[str, Any],
    node: Mapping[str, Any],
    outcome: Outcome,
    fallback_impact: Impact | None,
) -> Finding:
    return Finding(
        rule_id=rule.id,
        category=rule.category,
        outcome=outcome,
        impact=_impact(node.get("impact"), result.get("impact"), fallback_impact),
        selector=selector_from_target(node.get("target")),
        html=truncate_html(node.get("html") or ""),
        wcag=rule.wcag,
        message=_message(node),
    )


def _impact(*candidates: Any) -> Impact | None:
    """The first real impact: the node's, else the result's, else the catalogue rule's."""
    for candidate in candidates:
        if candidate in IMPACTS:
            return candidate
    return None


def selector_from_target(target: Any) -> str:
    """axe `target` -> one selector string.

    A target is a list with one entry per frame level (iframe, then the element inside it);
    an entry is a selector string or, across shadow DOM boundaries, a list of selectors from the
    host inwards. All parts are joined with " >>> " in that order.
    """
    return TARGET_SEPARATOR.join(_flatten(target))


def _flatten(target: Any) -> Iterable[str]:
    if target is None:
        return
    if isinstance(target, str):
        if target:
            yield target
        return
    if isinstance(target, Mapping):  # not produced by axe today; be lenient
        for key in ("selector", "target"):
            if key in target:
                yield from _flatten(target[key])
                return
        return
    for part in target:
        yield from _flatten(part)


def truncate_html(html: str, limit: int = HTML_LIMIT) -> str:
    """At most `limit` characters; a cut snippet ends with "…"."""
    return html if len(html) <= limit else html[: limit - 1] + "…"


def _message(node: Mapping[str, Any]) -> str:
    summary = node.get("failureSummary")
    if summary:
        return summary.strip()
    messages = []
    for kind in ("any", "all", "none"):
        for check in node.get(kind) or ():
            text = check.get("message") if isinstance(check, Mapping) else None
            if text and text not in messages:
                messages.append(text)
    return "\n".join(messages)
