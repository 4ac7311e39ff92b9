"""Machine-readable exports of a run. The JSON shape is documented in docs/export.md."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from massaudit.reports.document_list import export_documents
from massaudit.reports.issues import IssueView
from massaudit.reports.safe_output import SafeCsvWriter
from massaudit.reports.scoring import DIMENSION_IDS, EQUITY
from massaudit.reports.views import GroupView, PageView, Scorecard
from massaudit.rules.catalogue import Catalogue

EXPORT_SCHEMA = "massaudit-export/1"


def export_json(scorecard: Scorecard, catalogue: Catalogue) -> dict[str, Any]:
    run = scorecard.run
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
            "scores": _scores(scorecard.scores),
            "previous_run": scorecard.previous_run.id if scorecard.previous_run else None,
        },
        "agencies": [_group(a) | {"sites": [s.id for s in a.sites]} for a in scorecard.agencies],
        "sites": [_group(s) | {"agency": s.agency_id} for s in scorecard.sites],
        "issues": [_issue(i, scorecard.pages) for i in scorecard.issues],
        "pages": _pages(scorecard, scorecard.pages, catalogue),
        "documents": export_documents(scorecard, catalogue),  # reports/document_list.py
    }


def export_agency_json(
    scorecard: Scorecard, agency: GroupView, catalogue: Catalogue
) -> dict[str, Any]:
    """The export of one agency: the run, the agency, its sites, issues and pages."""
    data = export_json(scorecard, catalogue)
    site_ids = {s.id for s in agency.sites}
    data["agencies"] = [a for a in data["agencies"] if a["id"] == agency.id]
    data["sites"] = [s for s in data["sites"] if s["id"] in site_ids]
    data["issues"] = [_issue(i, agency.pages) for i in agency.issues]
    data["pages"] = [p for p in data["pages"] if p["site"] in site_ids]
    data["summary"] = {
        "pages": len(agency.pages),
        "accessibility_score": agency.score.value,
        "compliant_pages_percent": agency.compliance.value,
        "scores": _scores(agency.scores),
        "previous_run": scorecard.previous_run.id if scorecard.previous_run else None,
    }
    return data


def _pages(scorecard: Scorecard, pages: list[PageView], catalogue: Catalogue) -> list[dict]:
    sites = {s.id: s for s in scorecard.sites}
    return [
        {
            "url": p.row.url,
            "final_url": p.row.final_url,
            "site": p.row.site_id,
            "agency": sites[p.row.site_id].agency_id if p.row.site_id in sites else p.row.agency_id,
            "status_code": p.row.status_code,
            "title": p.row.title,
            "error": p.row.error,
            "scores": p.row.scores or {},
            "reused_from_earlier_run": p.reused,
            "broken_links": [link.url for link in p.broken_links],
            "findings": [
                _finding(f, catalogue) | {"fingerprint": scorecard.fingerprints.get(f.id)}
                for f in sorted(p.failures + p.reviews, key=_order)
            ],
        }
        for p in pages
    ]


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
        "scores": _scores(group.scores),
        "issues": len(group.issues),
        "fix_first": [
            {
                "fingerprint": i.fingerprint,
                "rule_id": i.rule_id,
                "document": i.document,
                "pages": len(i.pages),
                "priority": i.priority,
                "estimated_equity_gain": i.gain,
                "estimated_dimension_gain": i.dimension_gain,
            }
            for i in group.fix_first
        ],
        "trend": {
            "previous_run": group.trend.previous_run.id if group.trend.previous_run else None,
            "compared_with": {site: run.id for site, run in group.trend.baselines.items()},
            "not_audited": group.trend.not_audited,
            "sites_not_audited": group.trend.sites_not_audited,
            "new_issues": [i.fingerprint for i in group.trend.new],
            "fixed_issues": [i.fingerprint for i in group.trend.fixed],
            "persisting_issues": [i.fingerprint for i in group.trend.persisting],
            "change": group.trend.change,
        },
        "wcag": {row.sc.number: row.status for row in group.matrix},
    }


def _scores(scores: Any) -> dict[str, Any]:
    return {
        EQUITY: scores.equity.value,
        "grade": scores.equity.grade,
        "dimensions": {dim: scores.dimensions[dim].value for dim in DIMENSION_IDS},
        "compliance_status": scores.status,
        "needs_review": scores.review,
        "could_not_test": scores.untested,
    }


def _issue(issue: IssueView, pages: list[PageView]) -> dict[str, Any]:
    urls = {p.row.id: p.row.url for p in pages}
    return {
        "fingerprint": issue.fingerprint,
        "rule_id": issue.rule_id,
        "category": issue.category,
        "impact": issue.impact,
        "wcag": issue.wcag,
        "selector": issue.selector,
        "html": issue.html,
        "occurrences": issue.occurrences,
        "pages": [urls[i] for i in issue.pages if i in urls],
    }


FINDINGS_CSV_COLUMNS = (
    "agency",
    "site",
    "page_url",
    "page_title",
    "rule_id",
    "title",
    "category",
    "outcome",
    "impact",
    "wcag",
    "fingerprint",
    "selector",
    "html",
    "message",
    "help_url",
)
ISSUES_CSV_COLUMNS = (
    "fingerprint",
    "rule_id",
    "title",
    "category",
    "impact",
    "wcag",
    "pages",
    "occurrences",
    "priority",
    "estimated_equity_gain",
    "selector",
    "html",
    "help_url",
    "page_urls",
)


def findings_csv(scorecard: Scorecard, pages: Iterable[PageView], catalogue: Catalogue) -> str:
    """One row per finding (failures and needs-review) of `pages`; WCAG numbers and page URLs
    inside a cell are separated by spaces."""
    sites = {s.id: s for s in scorecard.sites}
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    writer.writerow(FINDINGS_CSV_COLUMNS)
    for page in pages:
        site = sites.get(page.row.site_id)
        agency = site.agency_id if site else page.row.agency_id
        for f in sorted(page.failures + page.reviews, key=_order):
            rule = catalogue.rules.get(f.rule_id)
            writer.writerow(
                (
                    agency,
                    page.row.site_id,
                    page.row.url,
                    page.row.title,
                    f.rule_id,
                    rule.title if rule else f.rule_id,
                    f.category,
                    f.outcome,
                    f.impact or "",
                    " ".join(sc for sc in f.wcag.split(",") if sc),
                    scorecard.fingerprints.get(f.id, ""),
                    f.selector,
                    f.html,
                    f.message,
                    rule.help_url if rule else "",
                )
            )
    return out.getvalue()


def issues_csv(issues: Iterable[IssueView], pages: Iterable[PageView]) -> str:
    """One row per issue (failures grouped by fingerprint)."""
    urls = {p.row.id: p.row.url for p in pages}
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    writer.writerow(ISSUES_CSV_COLUMNS)
    for i in issues:
        writer.writerow(
            (
                i.fingerprint,
                i.rule_id,
                i.title,
                i.category,
                i.impact or "",
                " ".join(i.wcag),
                len(i.pages),
                i.occurrences,
                i.priority,
                "" if i.gain is None else i.gain,
                i.selector,
                i.html,
                i.help_url,
                " ".join(urls[p] for p in i.pages if p in urls),
            )
        )
    return out.getvalue()


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
