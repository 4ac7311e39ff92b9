"""Scorecards from stored runs, without a browser: issues grouped by fingerprint, trends over
two runs, fix-first with traffic, the compliance matrix, exports parsed back, the site's links."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
import scorecard_runs
from document_fixtures import pdf
from scorecard_runs import PATHS, SEARCH_BUTTON, artifacts, assert_internal_links_resolve, store_run

from massaudit.reports.compliance import compliance_matrix
from massaudit.reports.export import findings_csv, issues_csv
from massaudit.reports.issues import group_issues, site_hosts
from massaudit.reports.site import anchor, render_scorecard
from massaudit.reports.traffic import TrafficError, load_traffic, views_for
from massaudit.reports.views import build_scorecard
from massaudit.rules.catalogue import load_catalogue
from massaudit.rules.fingerprint import fingerprint
from massaudit.store.db import Store


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture()
def two_runs(tmp_path, catalogue):
    return scorecard_runs.two_runs(tmp_path, catalogue)


def test_template_problem_on_pages_with_different_text_is_one_issue(two_runs, catalogue):
    store, run1, _ = two_runs
    card = build_scorecard(store, store.get_run(run1), catalogue)
    [agency] = card.agencies
    by_rule = {i.rule_id: i for i in agency.issues}
    assert set(by_rule) == {"button-name", "image-alt"}
    button = by_rule["button-name"]
    assert (len(button.pages), button.occurrences) == (5, 5)
    assert len(by_rule["image-alt"].pages) == 1
    assert agency.fix_first[0].fingerprint == button.fingerprint  # 5 pages before 1
    assert button.gain is not None and button.gain > 0
    # page 0 keeps its image-alt failure (17/27 = 63.0), the other four reach 100:
    # (63.0 + 4 × 100) / 5 = 92.6, up from (25.9 + 4 × 63.0) / 5 = 55.6
    assert (agency.score.value, button.dimension_gain) == (55.6, 37.0)


def test_fingerprint_survives_unrelated_markup_change():
    selector, html = SEARCH_BUTTON
    a = fingerprint("button-name", selector.format(n=2), html.format(text="Find a park"))
    b = fingerprint(
        "button-name",
        "#page > " + selector.format(n=9),  # an element inserted earlier, an id up the tree
        html.format(text="Search campgrounds"),
    )
    assert a == b
    other = fingerprint("button-name", "footer > button", '<button class="ma__close"></button>')
    assert other != a


def test_group_issues_is_pure(two_runs, catalogue):
    store, run1, _ = two_runs
    run = store.get_run(run1)
    card = build_scorecard(store, run, catalogue)
    hosts = site_hosts(run.config, ["parks-site"])
    again = group_issues(card.pages, {}, catalogue, hosts)  # recomputed from the findings
    assert [(i.fingerprint, i.pages) for i in again] == [
        (i.fingerprint, i.pages) for i in card.issues
    ]


def test_two_runs_new_fixed_persisting_and_score_up(two_runs, catalogue):
    store, run1, run2 = two_runs
    card = build_scorecard(store, store.get_run(run2), catalogue, regression_threshold=5)
    assert card.previous_run.id == run1
    [agency] = card.agencies
    trend = agency.trend
    assert [i.rule_id for i in trend.persisting] == ["button-name"]
    assert trend.persisting[0].occurrences == 5
    assert [i.rule_id for i in trend.fixed] == ["image-alt"]
    assert [i.rule_id for i in trend.new] == ["link-name"]
    assert [p.run_id for p in trend.history] == [run1, run2]
    before, after = (p.values["accessibility"] for p in trend.history)
    assert trend.change["accessibility"] == pytest.approx(after - before, abs=0.05)
    assert after > before and trend.regressions == []
    [site] = card.sites
    assert site.trend.persisting[0].fingerprint == trend.persisting[0].fingerprint


def test_regression_banner_threshold(tmp_path, catalogue):
    store = Store(str(tmp_path / "audit.sqlite"))
    store_run(store, catalogue, {p: artifacts(p, search_bug=False, image_bug=False) for p in PATHS})
    run2 = store_run(
        store, catalogue, {p: artifacts(p, search_bug=True, image_bug=True) for p in PATHS}
    )
    card = build_scorecard(store, store.get_run(run2), catalogue, regression_threshold=5)
    keys = [key for key, _before, _now in card.agencies[0].trend.regressions]
    assert "accessibility" in keys and "equity" in keys
    lax = build_scorecard(store, store.get_run(run2), catalogue, regression_threshold=100)
    assert lax.agencies[0].trend.regressions == []
    assert card.movers()[0].trend.equity_change < 0


def test_fix_first_with_traffic(two_runs, catalogue, tmp_path):
    store, run1, _ = two_runs
    traffic_file = tmp_path / "traffic.csv"
    traffic_file.write_text("url,views\nhttp://x/news/item-0,100000\nhttp://x/news/item-1/,5\n")
    traffic = load_traffic(traffic_file)
    assert views_for(traffic, "http://x/news/item-0/") == 100000
    card = build_scorecard(store, store.get_run(run1), catalogue, traffic=traffic)
    by_rule = {i.rule_id: i for i in card.agencies[0].fix_first}
    # impact weight × views; pages the file does not list count as one view each
    assert by_rule["button-name"].priority == 10 * (100000 + 5 + 3)
    assert by_rule["image-alt"].priority == 10 * 100000
    assert by_rule["image-alt"].views == 100000
    plain = build_scorecard(store, store.get_run(run1), catalogue)
    assert {i.rule_id: i.priority for i in plain.agencies[0].fix_first} == {
        "button-name": 50,
        "image-alt": 10,
    }
    bad = tmp_path / "bad.csv"
    bad.write_text("address,hits\nx,1\n")
    with pytest.raises(TrafficError, match="url,views"):
        load_traffic(bad)


def test_compliance_matrix(two_runs, catalogue):
    store, run1, _ = two_runs
    card = build_scorecard(store, store.get_run(run1), catalogue)
    rows = {row.sc.number: row for row in card.agencies[0].matrix}
    assert "2.5.8" not in rows and "1.4.6" not in rows  # WCAG 2.2 and AAA are left out
    assert rows["1.1.1"].status == "fail" and rows["1.1.1"].fail_pages == 1
    assert rows["4.1.2"].status == "fail" and rows["4.1.2"].fail_pages == 5
    assert rows["2.4.2"].status == "pass" and rows["2.4.2"].pass_pages == 5
    assert rows["1.2.1"].status in ("not-applied", "manual")
    assert any(row.status == "manual" for row in rows.values())
    assert compliance_matrix([], [], catalogue)[0].status in ("not-applied", "manual")


def test_csv_exports_parse_back(two_runs, catalogue):
    store, run1, _ = two_runs
    card = build_scorecard(store, store.get_run(run1), catalogue)
    rows = list(csv.DictReader(io.StringIO(findings_csv(card, card.pages, catalogue))))
    assert len(rows) == 6
    button = [r for r in rows if r["rule_id"] == "button-name"]
    assert len({r["fingerprint"] for r in button}) == 1 and len(button) == 5
    assert button[0]["wcag"] == "4.1.2" and button[0]["agency"] == "parks"
    assert button[0]["html"].startswith("<button")
    issues = list(csv.DictReader(io.StringIO(issues_csv(card.issues, card.pages))))
    first = next(r for r in issues if r["rule_id"] == "button-name")
    assert (first["pages"], first["occurrences"]) == ("5", "5")
    assert len(first["page_urls"].split()) == 5


def test_rendered_site_links_resolve_without_javascript(two_runs, catalogue, tmp_path):
    store, _run1, run2 = two_runs
    out = tmp_path / "site"
    card = build_scorecard(store, store.get_run(run2), catalogue)
    render_scorecard(card, catalogue, out)
    assert_internal_links_resolve(out)
    for path in out.rglob("*.html"):
        assert "<script" not in path.read_text()
    agency = (out / "agency" / "parks.html").read_text()
    for section in ("fix-first", "issues", "wcag-matrix", "trends", "not-audited", "exports"):
        assert f'id="{section}"' in agency
    assert "Fix once, fixes 5 pages" in agency
    assert "<svg" in agency and "Score history of" in agency
    data = json.loads((out / "export" / "agency" / "parks.json").read_text())
    assert data["agencies"][0]["trend"]["fixed_issues"]
    rows = list(csv.DictReader((out / "export" / "agency" / "parks-findings.csv").open()))
    assert {r["rule_id"] for r in rows} == {"button-name", "link-name"}
    for sort_page in ("index-by-name.html", "index-by-accessibility.html", "index-by-change.html"):
        assert (out / sort_page).is_file()


def test_report_command_takes_traffic_and_threshold(two_runs, tmp_path):
    from integration_helpers import massaudit

    store, _run1, _run2 = two_runs
    db = store.url.removeprefix("sqlite:///")
    traffic = tmp_path / "traffic.csv"
    traffic.write_text("url,views\nhttp://x/news/item-0/,12\n")
    out = tmp_path / "report"
    args = ("report", "--db", db, "--out", str(out), "--regression-threshold", "2.5")
    result = massaudit(*args, "--traffic", str(traffic))
    assert result.returncode == 0, result.stderr
    assert "Page views" in (out / "agency" / "parks.html").read_text()
    bad = tmp_path / "bad.csv"
    bad.write_text("url,views\nhttp://x/,many\n")
    result = massaudit(*args, "--traffic", str(bad))
    assert result.returncode == 2 and "line 2" in result.stderr
    result = massaudit("report", "--db", db, "--out", str(out), "--regression-threshold", "-1")
    assert result.returncode == 2


def test_issue_pages_count_pages_in_words(two_runs, catalogue, tmp_path):
    store, run1, _ = two_runs
    card = build_scorecard(store, store.get_run(run1), catalogue)
    render_scorecard(card, catalogue, tmp_path / "site")
    by_rule = {i.rule_id: i for i in card.issues}

    def text(rule_id: str) -> str:
        html = (tmp_path / "site" / "issue" / f"{by_rule[rule_id].fingerprint}.html").read_text()
        return " ".join(re.sub(r"<[^>]+>", "", html).split())

    assert "5 occurrences on 5 pages." in text("button-name")
    assert "Where it occurs (5 pages)" in text("button-name")
    assert "1 occurrence on 1 page." in text("image-alt")
    assert "Where it occurs (1 page)" in text("image-alt")


def test_failing_document_is_in_fix_first_with_its_documents_gain(tmp_path, catalogue):
    store = Store(str(tmp_path / "audit.sqlite"))
    pages = {p: artifacts(p, search_bug=False, image_bug=True) for p in PATHS[:2]}
    # An untagged PDF: the documents score is 0.0 (F).
    run_id = store_run(store, catalogue, pages, {"http://x/doc/permit.pdf": pdf(marked=False)})
    card = build_scorecard(store, store.get_run(run_id), catalogue)
    [site] = card.sites
    assert site.scores.value("documents") == 0.0
    [document] = [i for i in site.fix_first if i.document == "http://x/doc/permit.pdf"]
    assert document.dimension == "documents" and document.dimension_gain == 100.0
    assert document.gain is not None and document.gain > 0
    out = tmp_path / "site"
    render_scorecard(card, catalogue, out)
    assert_internal_links_resolve(out)
    assert (
        'href="#document-1">Document permit.pdf</a>'
        in (out / "site" / "parks-site.html").read_text()
    )


def test_anchor_ids_are_valid_and_never_collide():
    values = ["a b", "a_20_b", "A", "a", "", " ", "fail-1", "ü", 'x"><b>']
    ids = [anchor(value, "fail") for value in values]
    assert len(set(ids)) == len(values)
    assert all(re.fullmatch(r"fail-[a-z0-9_-]*", i) for i in ids)
    assert anchor("color-contrast", "fail") == "fail-color-contrast"
