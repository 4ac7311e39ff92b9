"""The scorecard on any screen, in the real browser: a scorecard of two runs (long names, long
addresses, documents, pages not audited) is served from a temporary folder and every page is
loaded at 320 px and at 1280 px. No page is wider than the window; every table scrolls inside a
captioned region a keyboard can focus; axe-core finds nothing; the overview's tables fit a
laptop without wrapping; the overview shows a trend chart dated with the runs; long sections
are collapsed, and open when printed."""

from __future__ import annotations

import asyncio
import copy
from datetime import datetime
from urllib.parse import quote

import pytest
from history_runs import CONFIG, UNTAGGED, site_pages, store_sites_run
from stored_screenshots import store_screenshots

from massaudit.pipeline.static_server import serve_directory
from massaudit.reports.site import render_scorecard
from massaudit.reports.views import build_scorecard
from massaudit.rules.catalogue import load_catalogue
from massaudit.store.db import Store

pytestmark = pytest.mark.browser
WIDTHS = (320, 1280)
LONG_NAME = "Executive Office of Energy and Environmental Affairs: Conservation and Recreation"
LONG_TOKEN = "www.mass.gov/orgs/department-of-conservation-and-recreation/state-parks-and-beaches"

# Per page: the document's width, and every table's region (or why it has none).
LAYOUT_JS = """() => {
  const problems = [];
  const doc = document.scrollingElement;
  if (doc.scrollWidth > innerWidth) problems.push(`page is ${doc.scrollWidth} px wide`);
  for (const table of document.querySelectorAll('table')) {
    const region = table.parentElement;
    const caption = table.querySelector(':scope > caption');
    const name = caption ? caption.textContent.slice(0, 40) : 'a table without caption';
    if (!region.matches('div[role=region][tabindex="0"]')) {
      problems.push(`${name}: not in a focusable region`); continue;
    }
    if (!caption || region.getAttribute('aria-labelledby') !== caption.id) {
      problems.push(`${name}: region not named by its caption`);
    }
    if (region.closest('details:not([open])')) continue;  // collapsed: not focusable now
    region.focus();
    if (document.activeElement !== region) problems.push(`${name}: region takes no focus`);
  }
  return problems;
}"""
# The overview's tables at 1280 px: no horizontal scrolling, no cell on two lines but names.
FITS_JS = """() => [...document.querySelectorAll('table.overview')].flatMap((table) => {
  const region = table.parentElement;
  const out = region.scrollWidth > region.clientWidth ? [`${table.caption.id} scrolls`] : [];
  for (const cell of table.querySelectorAll('td:not(.name)')) {
    const content = document.createRange();
    content.selectNodeContents(cell);
    if (content.getBoundingClientRect().height > 1.5 * parseFloat(getComputedStyle(cell).lineHeight)) {
      out.push(`${table.caption.id}: "${cell.textContent.trim()}" wraps`);
    }
  }
  return out;
})"""
AXIS_JS = """() => [...document.querySelectorAll('main svg.trend-chart[role=img] text.axis-x')]
  .map((t) => t.querySelector('tspan').textContent)"""
COLLAPSED_JS = """(ids) => ids.map((id) => [id,
  !!document.getElementById(id).closest('details:not([open])'),
  document.getElementById(id).closest('table').checkVisibility()])"""


@pytest.fixture(scope="module")
def scorecard(tmp_path_factory):
    """Two runs of three sites (one long-named agency, a long unbroken site name, documents,
    long addresses not audited); the scorecard of the second."""
    tmp = tmp_path_factory.mktemp("layout")
    catalogue = load_catalogue()
    store = Store(str(tmp / "audit.sqlite"))
    config = copy.deepcopy(CONFIG)
    config["agencies"][0]["name"] = LONG_NAME
    config["sites"][0]["name"] = LONG_TOKEN
    documents = {"parks": [UNTAGGED, UNTAGGED]}
    runs = []
    for image_bug in (True, False):
        pages = {
            "parks": site_pages("parks", image_bug=image_bug),
            "camps": site_pages("camps", image_bug=True, count=2),
            "transit": site_pages("transit", search_bug=False),
        }
        runs.append(store_sites_run(store, catalogue, pages, documents=documents, config=config))
    skipped = [
        {
            "site_id": "parks",
            "url": f"http://parks/{reason}/{'very-long-path-segment-' * 6}{n}?q={'x' * 80}",
            "state": "skipped",
            "reason": reason,
            "depth": 2,
            "status": 404 if reason == "http_error" else None,
            "referrer": f"http://parks/{'referrer-' * 12}",
        }
        for reason in ("page_cap", "http_error", "robots_txt")
        for n in range(8)
    ]
    store.record_url_states(runs[-1], skipped)
    store_screenshots(store, runs[-1])  # the pages' images, as wide as a run writes them
    out = tmp / "out"
    render_scorecard(build_scorecard(store, store.get_run(runs[-1]), catalogue), catalogue, out)
    dates = [store.get_run(run_id).started_at for run_id in runs]
    store.close()
    return out, dates


def test_every_page_fits_each_width_is_axe_clean_and_its_tables_are_focusable(scorecard):
    out, _dates = scorecard
    paths = [p.relative_to(out).as_posix() for p in sorted(out.rglob("*.html"))]
    assert len(paths) > 15
    with serve_directory(out) as base:
        found = asyncio.run(_check_pages(base, paths))
    assert found == {}


def test_overview_fits_a_laptop_and_shows_a_dated_trend(scorecard):
    out, dates = scorecard
    with serve_directory(out) as base:
        calls = [("screen", FITS_JS, None), ("screen", AXIS_JS, None)]
        fits, axis = asyncio.run(_evaluate(f"{base}/index.html", 1280, *calls))
    assert fits == []
    labels = [datetime.strptime(day, "%Y-%m-%d").date() for day in axis]
    assert labels == [d.date() for d in dates]


def test_long_sections_collapsed_on_screen_and_open_in_print(scorecard):
    out, _dates = scorecard
    ids = ["caption-matrix", "caption-not-audited"]
    with serve_directory(out) as base:
        for group in ("agency/parks.html", "site/parks.html"):
            calls = [("screen", COLLAPSED_JS, ids), ("print", COLLAPSED_JS, ids)]
            screen, printed = asyncio.run(_evaluate(f"{base}/{group}", 1280, *calls))
            assert screen == [[i, True, False] for i in ids], group
            assert printed == [[i, True, True] for i in ids], group


async def _check_pages(base: str, paths: list[str]) -> dict[str, list[str]]:
    """page@width -> what is wrong with it: layout problems, then axe-core's violations."""
    from playwright.async_api import async_playwright

    from massaudit.audits.axe import axe_source
    from massaudit.audits.browser import launch_chromium
    from massaudit.audits.page_scripts import AXE_RUN_OPTIONS

    found: dict[str, list[str]] = {}
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        try:
            for width in WIDTHS:
                page = await browser.new_page(viewport={"width": width, "height": 800})
                for path in paths:
                    await page.goto(f"{base}/{quote(path)}")
                    problems = await page.evaluate(LAYOUT_JS)
                    await page.add_script_tag(content=axe_source())
                    result = await page.evaluate(
                        "(options) => axe.run(document, options)", AXE_RUN_OPTIONS
                    )
                    problems += [f"axe: {v['id']}" for v in result["violations"]]
                    if problems:
                        found[f"{path}@{width}"] = problems
                await page.close()
        finally:
            await browser.close()
    return found


async def _evaluate(url: str, width: int, *calls: tuple[str, str, object]) -> list:
    """The answers of scripts run on the page at `url`: each call is (media, script, argument)."""
    from playwright.async_api import async_playwright

    from massaudit.audits.browser import launch_chromium

    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        try:
            page = await browser.new_page(viewport={"width": width, "height": 800})
            await page.goto(url)
            answers = []
            for media, script, argument in calls:
                await page.emulate_media(media=media)
                answers.append(await page.evaluate(script, argument))
            return answers
        finally:
            await browser.close()
