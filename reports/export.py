"""Machine-readable exports of a run. The JSON shape is documented in docs/export.md."""

from __future__ import annotations

from typing import Any

from reports.views import GroupView, Scorecard
from rules.catalogue import Catalogue

EXPORT_SCHEMA = "massaudit-export/1"


def export_json(scorecard: Scorecard, catalogue: Catalogue) -> dict[str, Any]:
    run = scorecard.run
    sites = {s.id: s for s in scorecard.sites}
    return {
        "schema": EXPORT_SCHEMA,
        "run": {
            "id": run.id,
            "status": run.status,
            "started_at": _iso(run.started_at),
            "finished_at": _iso(run.finished_at),
            "tool_version": run.tool_version,
            "axe_version": run.axe_version,
            "catalogue_version": run.catalogue_version,
            "scoring_version": run.scoring_version,
        },
        "summary": {
            "pages": len(scorecard.pages),
            "accessibility_score": scorecard.overall.value,
            "compliant_pages_percent": scorecard.overall_compliance.value,
        },
        "agencies": [_group(a) | {"sites": [s.id for s in a.sites]} for a in scorecard.agencies],
        "sites": [_group(s) | {"agency": s.agency_id} for s in scorecard.sites],
        "pages": [
            {
                "url": p.row.url,
                "final_url": p.row.final_url,
                "site": p.row.site_id,
                "agency": sites[p.row.site_id].agency_id
                if p.row.site_id in sites
                else p.row.agency_id,
                "status_code": p.row.status_code,
                "title": p.row.title,
                "error": p.row.error,
                "scores": p.row.scores or {},
                "reused_from_earlier_run": p.reused,
                "broken_links": [link.url for link in p.broken_links],
                "findings": [
                    _finding(f, catalogue) for f in sorted(p.failures + p.reviews, key=_order)
                ],
            }
            for p in scorecard.pages
        ],
    }


def _group(group: GroupView) -> dict[str, Any]:
    return {
        "id": group.id,
        "name": group.name,
        "pages": len(group.pages),
        "accessibility_score": group.score.value,
        "grade": group.score.grade,
        "compliant_pages_percent": group.compliance.value,
        "failures": group.failures,
        "needs_review": group.reviews,
        "could_not_test": group.untested,
        "not_audited": {reason: len(rows) for reason, rows in group.not_audited.items()},
        "broken_links": group.broken_links,
    }


def _finding(finding: Any, catalogue: Catalogue) -> dict[str, Any]:
    rule = catalogue.rules.get(finding.rule_id)
    return {
        "rule_id": finding.rule_id,
        "category": finding.category,
        "outcome": finding.outcome,
        "impact": finding.impact,
        "selector": finding.selector,
        "html": finding.html,
        "wcag": [sc for sc in finding.wcag.split(",") if sc],
        "message": finding.message,
        "help_url": rule.help_url if rule else None,
    }


def _order(finding: Any) -> tuple[str, str, str]:
    return (finding.outcome, finding.rule_id, finding.selector)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
