"""Issues and fix-first (reports/issues.py), pure over page views: one issue per element (the same
element of a shared template on N pages is one), never across hosts; linked documents with
failures are fix-first candidates, gaining on the documents dimension."""

from __future__ import annotations

from itertools import count

import pytest

from massaudit.reports.document_list import (
    DocumentItem,
    DocumentList,
    document_issues,
    document_summary,
)
from massaudit.reports.issues import finding_fingerprint, fix_first, group_issues, site_hosts
from massaudit.reports.scoring import group_scores
from massaudit.reports.views import PageView
from massaudit.rules.catalogue import load_catalogue
from massaudit.rules.judge import judge
from massaudit.rules.model import PageArtifacts
from massaudit.store.schema import FindingRow, PageRow

IDS = count(1)
HEADER_BUTTON = '<button class="ma__header__menu" type="button" data-track="{page}"></button>'


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def node(selector: str, html: str) -> dict:
    return {"target": [selector], "html": html, "impact": "critical"}


def page_view(catalogue, url: str, site_id: str = "s", **violations: list[dict]) -> PageView:
    """A judged page as the store gives it back: `violations` is axe rule id -> nodes."""
    axe = {"violations": [{"id": rule, "nodes": nodes} for rule, nodes in violations.items()]}
    judgement = judge(PageArtifacts(url, url, 200, url, axe), catalogue)
    row = PageRow(
        id=next(IDS),
        site_id=site_id,
        agency_id="a",
        url=url,
        final_url=url,
        error=None,
        reused_from=None,
        rule_outcomes=judgement.rule_outcomes,
        scores=judgement.scores,
    )
    failures = [
        FindingRow(
            id=next(IDS),
            page_id=row.id,
            rule_id=f.rule_id,
            category=f.category,
            outcome=f.outcome,
            impact=f.impact,
            selector=f.selector,
            html=f.html,
            wcag=",".join(f.wcag),
            message=f.message,
        )
        for f in judgement.findings
        if f.outcome == "fail"
    ]
    return PageView(row, failures, [])


def test_five_different_content_images_on_five_pages_are_five_issues(catalogue):
    pages = [
        page_view(
            catalogue,
            f"http://x/news/{n}/",
            **{"image-alt": [node(f"main > p:nth-child({n + 2}) > img", f'<img src="/{n}.jpg">')]},
        )
        for n in range(5)
    ]
    issues = group_issues(pages, {}, catalogue)
    assert [len(i.pages) for i in issues] == [1] * 5


def test_one_shared_header_button_is_one_issue_on_every_page(catalogue):
    pages = [
        page_view(
            catalogue,
            f"http://x/news/{n}/",
            **{
                "button-name": [
                    node(
                        f"header > .ma__header__nav > button:nth-child({n + 1})",
                        HEADER_BUTTON.format(page=n),
                    )
                ]
            },
        )
        for n in range(4)
    ]
    [issue] = group_issues(pages, {}, catalogue)
    assert (len(issue.pages), issue.occurrences) == (4, 4)


def test_sites_on_different_hosts_never_share_an_issue(catalogue):
    config = {
        "sites": [
            {"id": "dor", "start_urls": ["https://www.mass.gov/orgs/dor"]},
            {"id": "dor-forms", "start_urls": ["https://www.mass.gov/lists/dor-forms"]},
            {"id": "tax-portal", "start_urls": ["https://mtc.dor.state.ma.us/"]},
        ]
    }
    button = {"button-name": [node("header > button", HEADER_BUTTON.format(page=1))]}
    pages = [
        page_view(catalogue, "https://www.mass.gov/orgs/dor", "dor", **button),
        page_view(catalogue, "https://www.mass.gov/lists/dor-forms", "dor-forms", **button),
        page_view(catalogue, "https://mtc.dor.state.ma.us/", "tax-portal", **button),
    ]
    hosts = site_hosts(config, ["dor", "dor-forms", "tax-portal", "unknown"])
    assert hosts == {
        "dor": "www.mass.gov",
        "dor-forms": "www.mass.gov",
        "tax-portal": "mtc.dor.state.ma.us",
        "unknown": "site unknown",
    }
    fingerprints = {
        f.id: finding_fingerprint(f, hosts[p.row.site_id]) for p in pages for f in p.failures
    }
    issues = group_issues(pages, fingerprints, catalogue)
    assert sorted(len(i.pages) for i in issues) == [1, 2]  # one per host
    assert group_issues(pages, {}, catalogue, hosts) == issues
    assert len(group_issues(pages, {}, catalogue)) == 1  # without hosts: one template


def test_a_site_served_on_another_port_keeps_its_issues():
    def config(port):
        return {"sites": [{"id": "demo", "start_urls": [f"http://127.0.0.1:{port}/"]}]}

    assert site_hosts(config(33473), ["demo"]) == site_hosts(config(40111), ["demo"])
    assert site_hosts(config(33473), ["demo"]) == {"demo": "127.0.0.1"}


def failing_document(url: str, linked_from: list[str]) -> DocumentItem:
    finding = {
        "rule_id": "pdf-tagged",
        "outcome": "fail",
        "impact": "serious",
        "selector": "document",
    }
    return DocumentItem(
        site_id="s",
        url=url,
        kind="pdf",
        size=10,
        checked=True,
        findings=[finding],
        linked_from=linked_from,
    )


def test_a_failing_document_is_a_fix_first_candidate_even_at_documents_zero(catalogue):
    pages = [
        page_view(
            catalogue,
            f"http://x/how-to/{n}/",
            **{"image-alt": [node("main > img", f'<img src="/{n}.jpg">')]},
        )
        for n in range(3)
    ]
    items = [
        failing_document("http://x/doc/Payment%20plan.pdf", [p.row.url for p in pages]),
        failing_document("http://x/doc/old-notice.pdf", []),  # in a sitemap only
    ]
    documents = DocumentList(items, document_summary(items, html_pages=3))
    assert documents.score.value == 0.0 and documents.score.grade == "F"
    extra = {"documents": documents.score}
    scores = group_scores((p.scores for p in pages), extra)
    issues = group_issues(pages, {}, catalogue)
    candidates = document_issues(documents, pages, catalogue)
    ranked = fix_first(pages, [*issues, *candidates], {}, catalogue, scores, extra=extra)
    first = ranked[0]
    assert first.document == "http://x/doc/Payment%20plan.pdf"
    assert first.title == "Document Payment plan.pdf" and first.href == "#document-1"
    assert (first.dimension, first.rule_id, first.impact) == ("documents", "pdf-tagged", "serious")
    assert len(first.pages) == 3 and first.priority > max(i.priority for i in issues)
    assert first.dimension_gain == 50.0  # one of two checked documents made accessible
    assert first.gain is not None and first.gain > 0
    sitemap_only = next(i for i in ranked if i.document == "http://x/doc/old-notice.pdf")
    assert sitemap_only.pages == [] and sitemap_only.priority > 0
