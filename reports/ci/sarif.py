"""The SARIF 2.1.0 report (GitHub code scanning and other SARIF viewers): one result per
finding, with its fingerprint, baseline state and suppression.

A viewer takes results with equal `partialFingerprints` for one result, so copies of one element
on a page (which share the fingerprint: rules/fingerprint.py) are told apart by their
occurrence on the page: `<fingerprint>:<n>`, n from 0 in the report's order."""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import quote

from massaudit.reports.ci.model import CheckedFinding, CheckedPage, CheckReport
from massaudit.reports.ci.wording import first_line, rule_title
from massaudit.reports.safe_output import dumps_json
from massaudit.rules.fingerprint import FINGERPRINT_VERSION

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
FINGERPRINT_KEY = f"massaudit/v{FINGERPRINT_VERSION}"
INFORMATION_URI = "https://www.mass.gov/"
_SARIF_LEVELS = {"critical": "error", "serious": "error", "moderate": "warning", "minor": "note"}


def render(report: CheckReport) -> str:
    rule_ids = sorted({i.finding.rule_id for p in report.pages for i in p.findings})
    index = {rule_id: n for n, rule_id in enumerate(rule_ids)}
    results = []
    for page in report.pages:
        copies: Counter[str] = Counter()
        for item in page.findings:
            occurrence = f"{item.fingerprint}:{copies[item.fingerprint]}"
            copies[item.fingerprint] += 1
            results.append(_result(report, page, item, index, occurrence))
    notifications = [
        {
            "level": "error",
            "message": {"text": f"{page.key}: could not check: {page.error}"},
            "descriptor": {"id": "could-not-check"},
        }
        for page in report.pages
        if page.error
    ]
    invocation: dict[str, Any] = {
        "executionSuccessful": report.exit_code in (0, 1),
        "exitCode": report.exit_code,
    }
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "massaudit",
                "version": report.tool_version or "0",
                "informationUri": INFORMATION_URI,
                "rules": [_rule(report, rule_id) for rule_id in rule_ids],
            }
        },
        "invocations": [invocation],
        "results": results,
        "properties": {
            "axeCoreVersion": report.axe_version or "",
            "catalogueVersion": report.catalogue_version,
        },
    }
    sarif = {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
    return dumps_json(sarif) + "\n"


def _rule(report: CheckReport, rule_id: str) -> dict[str, Any]:
    rule = report.rules.get(rule_id)
    if rule is None:
        return {"id": rule_id, "name": rule_id, "shortDescription": {"text": rule_id}}
    tags = [rule.category, *(f"WCAG {sc}" for sc in rule.wcag)]
    if rule.level:
        tags.append(f"WCAG level {rule.level}")
    tags.extend(t for t in rule.tags if t not in tags)
    data: dict[str, Any] = {
        "id": rule.id,
        "name": rule.id,
        "shortDescription": {"text": rule.title or rule.id},
        "fullDescription": {"text": rule.description or rule.title or rule.id},
        "defaultConfiguration": {"level": _SARIF_LEVELS.get(rule.impact, "warning")},
        "properties": {
            "tags": tags,
            "impact": rule.impact,
            "category": rule.category,
            "source": rule.source,
        },
    }
    if rule.help_url:
        data["helpUri"] = rule.help_url
    help_text = rule.how_to_fix or rule.help
    if help_text:
        data["help"] = {"text": help_text}
    return data


def _result(
    report: CheckReport,
    page: CheckedPage,
    item: CheckedFinding,
    index: dict[str, int],
    occurrence: str,
) -> dict[str, Any]:
    f = item.finding
    title = rule_title(report, f.rule_id)
    detail = first_line(f.message)
    result: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": index[f.rule_id],
        "message": {"text": f"{title}: {detail}" if detail else title},
        "locations": [_location(page, item)],
        "partialFingerprints": {FINGERPRINT_KEY: occurrence},
        "properties": {
            "fingerprint": item.fingerprint,
            "impact": f.impact,
            "status": item.status,
            "blocking": item.blocking,
            "page": page.key,
            "url": page.url,
            "wcag": list(f.wcag),
            "snippet": f.html,
        },
    }
    if item.status == "review":
        result["kind"] = "review"
        result["level"] = "none"
    else:
        result["kind"] = "fail"
        result["level"] = _SARIF_LEVELS.get(f.impact or "", "warning")
    if item.status == "suppressed":
        result["suppressions"] = [{"kind": "external", "justification": item.note or "suppressed"}]
    if item.status in ("new", "baselined"):
        result["baselineState"] = "new" if item.status == "new" else "unchanged"
    return result


def _location(page: CheckedPage, item: CheckedFinding) -> dict[str, Any]:
    location: dict[str, Any] = {
        "logicalLocations": [
            {"name": item.finding.selector or "html", "kind": "element"},
        ]
    }
    if page.kind == "file" and page.source:
        physical: dict[str, Any] = {"artifactLocation": {"uri": quote(page.source)}}
        if item.line:
            physical["region"] = {"startLine": item.line}
        location["physicalLocation"] = physical
    elif page.kind == "url":
        location["physicalLocation"] = {"artifactLocation": {"uri": page.url}}
    return location
