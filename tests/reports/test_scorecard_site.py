"""The scorecard site over two demo runs with a page fixed in between, in the real browser:
the template problem is one issue, the fixed page's issues show as fixed and the score moves up;
the site is axe-clean, its internal links resolve, it has no script; a screenshot of an agency
page is saved for a human to look at (out/screenshots/agency-demo-parks.png). A scorecard of
hostile, varied stored content (odd rule ids, categories and titles; a rule failing and needing
review on one page, in several categories) is axe-clean too."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import re
import shutil
from urllib.parse import quote

import pytest
from integration_helpers import REPO, axe_violations, massaudit
from scorecard_runs import VERSIONS, assert_internal_links_resolve

from massaudit.crawler.sites import load_sites
from massaudit.demo.site import build_site
from massaudit.pipeline.static_server import serve_directory
from massaudit.reports.site import render_scorecard
from massaudit.reports.views import build_scorecard
from massaudit.rules.catalogue import load_catalogue
from massaudit.rules.judge import PageJudgement, judge
from massaudit.rules.model import Finding, PageArtifacts
from massaudit.store.db import Store

pytestmark = [pytest.mark.browser, pytest.mark.long]
SITE = "demo-parks"
FIXED_PAGE = "how-to/parks-get-a-fishing-license"
ZOOM_OFF = '<meta name="viewport" content="width=device-width, initial-scale=1, maximum-scale=1, user-scalable=no">'
ZOOM_ON = '<meta name="viewport" content="width=device-width, initial-scale=1">'


def parks_sites_toml(netloc: str) -> str:
    config = load_sites(REPO / "massaudit" / "demo" / "sites.toml").demo_only(netloc)
    [site] = [s for s in config.sites if s.id == SITE]
    [agency] = [a for a in config.agencies if a.id == site.agency]
    include = ", ".join(f'"{p}"' for p in site.include)
    return (
        f'[[agency]]\nid = "{agency.id}"\nname = "{agency.name}"\n\n'
        f'[[site]]\nid = "{site.id}"\nagency = "{site.agency}"\nname = "{site.name}"\n'
        f'start_urls = ["{site.start_urls[0]}"]\nallowed_hosts = ["{netloc}"]\n'
        f"include = [{include}]\ndownload_delay = 0\nconcurrency_per_host = 4\n"
        '[site.checks]\ndisabled = ["https-hsts"]\n'
    )


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("scorecard")
    build_site(tmp / "site")
    db, out = tmp / "audit.sqlite", tmp / "out"
    page = tmp / "site" / FIXED_PAGE / "index.html"
    with serve_directory(tmp / "site") as base:
        (tmp / "sites.toml").write_text(parks_sites_toml(base.split("//", 1)[1]))
        args = ("--sites", str(tmp / "sites.toml"), "--db", str(db), "--quiet")
        result = massaudit("run", *args, "--out", str(tmp / "first"))
        assert result.returncode == 0, result.stderr
        html = page.read_text()
        assert ZOOM_OFF in html
        page.write_text(html.replace(ZOOM_OFF, ZOOM_ON))
        stat = page.stat()
        os.utime(page, (stat.st_atime, stat.st_mtime + 5))
        traffic = tmp / "traffic.csv"
        traffic.write_text(f"url,views\n{base}/{FIXED_PAGE}/,1200\n")
        result = massaudit("run", *args, "--out", str(out), "--traffic", str(traffic))
        assert result.returncode == 0, result.stderr
    return tmp, out


def test_template_problem_is_one_issue_with_its_page_count(two_runs):
    _, out = two_runs
    data = json.loads((out / "export" / "agency" / "demo-parks.json").read_text())
    buttons = [i for i in data["issues"] if i["rule_id"] == "button-name"]
    assert len(buttons) == 1 and len(buttons[0]["pages"]) == 11  # every Parks page
    agency_html = (out / "agency" / "demo-parks.html").read_text()
    assert "Fix once, fixes 11 pages" in agency_html

    def issue_text(issue: dict) -> str:
        html = (out / "issue" / f"{issue['fingerprint']}.html").read_text()
        return " ".join(re.sub(r"<[^>]+>", "", html).split())

    assert "on 11 pages. " in issue_text(buttons[0])
    assert "Where it occurs (11 pages)" in issue_text(buttons[0])
    single = next(i for i in data["issues"] if len(i["pages"]) == 1)
    assert "on 1 page. " in issue_text(single)


def test_fixed_page_shows_issue_fixed_and_score_up(two_runs):
    tmp, out = two_runs
    first = json.loads((tmp / "first" / "export" / "run.json").read_text())
    second = json.loads((out / "export" / "run.json").read_text())
    [agency1] = first["agencies"]
    [agency2] = second["agencies"]
    trend = agency2["trend"]
    assert trend["previous_run"] == first["run"]["id"]
    fixed_rules = {
        i["rule_id"] for i in first["issues"] if i["fingerprint"] in trend["fixed_issues"]
    }
    assert fixed_rules == {"meta-viewport", "viewport-zoom"}
    assert trend["new_issues"] == []
    assert len(trend["persisting_issues"]) == agency1["issues"] - len(fixed_rules)
    assert agency2["scores"]["equity"] > agency1["scores"]["equity"]
    assert agency2["accessibility_score"] > agency1["accessibility_score"]
    assert trend["change"]["equity"] > 0
    html = (out / "agency" / "demo-parks.html").read_text()
    assert 'id="trend-fixed"' in html and "Zooming and scaling must not be disabled" in html


def test_exports_parse_back(two_runs):
    _, out = two_runs
    with (out / "export" / "agency" / "demo-parks-findings.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and all(r["agency"] == "demo-parks" for r in rows)
    assert {r["outcome"] for r in rows} <= {"fail", "needs-review"}
    assert all(r["fingerprint"] for r in rows if r["outcome"] == "fail")
    with (out / "export" / "run-issues.csv").open(newline="") as f:
        issues = list(csv.DictReader(f))
    assert {r["rule_id"] for r in issues} >= {"button-name"}


def test_scorecard_site_axe_clean_links_resolve_no_script(two_runs):
    _, out = two_runs
    assert_internal_links_resolve(out)
    for path in out.rglob("*.html"):
        assert "<script" not in path.read_text(), path
    sample = sorted(out.glob("*.html"))
    sample += sorted((out / "agency").glob("*.html")) + sorted((out / "site").glob("*.html"))
    sample += sorted((out / "issue").glob("*.html"))[:5] + sorted((out / "page").glob("*.html"))[:3]
    with serve_directory(out) as base:
        urls = [f"{base}/{p.relative_to(out).as_posix()}" for p in sample]
        results = axe_violations(urls)
        screenshot = asyncio.run(_screenshot(f"{base}/agency/demo-parks.html"))
    assert results == {url: [] for url in urls}
    target = REPO / "out" / "screenshots" / "agency-demo-parks.png"
    shutil.move(screenshot, target)
    assert target.stat().st_size > 10_000


async def _screenshot(url: str):
    from playwright.async_api import async_playwright

    from massaudit.audits.browser import launch_chromium

    path = REPO / "out" / "screenshots" / ".agency.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await page.goto(url)
            await page.screenshot(path=str(path), full_page=True)
        finally:
            await browser.close()
    return path


# --- a scorecard of hostile, varied content stays axe-clean --------------------------------------

ODD_RULES = ['a b"c<d>', "a_20_b", "Fail_1", "fail-1", "ü-règle", "needs-review", "", " \t"]
ODD_TITLES = ["<h1>Title</h1>", "", "Same title", "Same title", "x" * 300]


def odd_page(n: int, catalogue) -> tuple[PageArtifacts, PageJudgement]:
    """A page whose rules fail and need review at once, in odd categories, under odd ids."""
    url = f"http://x/odd/{n}/?q=<b>&r={'%22' * n}"

    def node(selector: str, html: str) -> dict:
        return {"target": [selector], "html": html, "impact": "serious", "failureSummary": "<b>x"}

    contrast = node(f"p:nth-child({n})", f"<p style='color:#aaa'>Text {n}</p>")
    axe = {
        "violations": [
            {"id": "color-contrast", "nodes": [contrast]},
            {"id": "image-alt", "nodes": [node("img", f'<img src="{n}.png">')]},
            *(
                {"id": rule, "tags": ["wcag2a", "wcag111"], "nodes": [node("div", "<div>")]}
                for rule in ODD_RULES
            ),
        ],
        "incomplete": [
            {"id": "color-contrast", "nodes": [node("span", "<span>?</span>")]},
            *({"id": rule, "nodes": [node("b", "<b>")]} for rule in ODD_RULES),
        ],
    }
    artifacts = PageArtifacts(url, url, 200, ODD_TITLES[n % len(ODD_TITLES)], axe)
    judgement = judge(artifacts, catalogue)
    moved = [  # the same rules in other categories, known and unknown, on the same page
        Finding(rule, category, "fail", "minor", "main", "<main>", ())
        for rule in ("image-alt", "color-contrast", *ODD_RULES)
        for category in ("plain-language", "Accessibility", 'odd "category"')
    ]
    judgement.findings.extend(moved)
    return artifacts, judgement


def test_scorecard_of_hostile_varied_content_is_axe_clean(tmp_path):
    catalogue = load_catalogue()
    store = Store(str(tmp_path / "audit.sqlite"))
    config = {
        "agencies": [{"id": "odd", "name": "<Odd> & agency"}],
        "sites": [
            {"id": "odd-a", "agency": "odd", "name": "Odd", "start_urls": ["http://x/"]},
            {"id": "odd-b", "agency": "odd", "name": "Odd", "start_urls": ["http://y/"]},
        ],
    }
    run_id = store.begin_run(config, {}, VERSIONS)
    for n in range(1, 6):
        artifacts, judgement = odd_page(n, catalogue)
        site = "odd-a" if n % 2 else "odd-b"
        store.save_page(
            run_id, site_id=site, agency_id="odd", depth=0, artifacts=artifacts, judgement=judgement
        )
    store.finish_run(run_id, "complete", {})
    out = tmp_path / "out"
    render_scorecard(build_scorecard(store, store.get_run(run_id), catalogue), catalogue, out)
    assert_internal_links_resolve(out)
    pages = sorted(out.rglob("*.html"))
    with serve_directory(out) as base:
        urls = [f"{base}/{quote(p.relative_to(out).as_posix())}" for p in pages]
        results = axe_violations(urls)
    assert {url: ids for url, ids in results.items() if ids} == {}
