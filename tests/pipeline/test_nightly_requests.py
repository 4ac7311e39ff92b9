"""A run's requests to a site, counted by the site's server: one document request per audited
page, every document request (the crawler's, the browser's, the 404 probe) one at a time at the
site's delay, all with massaudit's User-Agent; and the run's own count of them, stored and printed.

Real Chromium and axe-core; the site (tests/support/polite_site.py) logs every request.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from integration_helpers import REPO, massaudit
from polite_site import (
    ANSWER_SECONDS,
    ASSETS,
    FRAME,
    PAGES,
    REDIRECT,
    REDIRECT_TARGET,
    serve_polite_site,
    sites_toml,
)

from massaudit.store.db import Store

pytestmark = pytest.mark.browser

DELAY = 0.2
# Scrapy's randomised delay is 0.5 to 1.5 times the delay; the server notes a request's arrival
# a little after it was sent, which can only make a gap look shorter, by its own scheduling.
SMALLEST_GAP = 0.5 * DELAY - 0.02
PROBE_PREFIX = "/massaudit-404-probe-"
# What the browser asks for on its own (not a page's request): no document.
BROWSER_OWN = ("/favicon.ico",)

# Runs the audit with the browser fetching each page again (through the politeness), as before
# it rendered the crawler's download.
FETCH_AGAIN = """
import sys
from dataclasses import replace
from massaudit import __version__
from massaudit.audits.collector import AuditSettings
from massaudit.crawler.sites import load_sites
from massaudit.db_command import open_store
from massaudit.pipeline.nightly import run_audit

run_audit(
    load_sites(sys.argv[1]),
    open_store(sys.argv[2], create=True),
    tool_version=__version__,
    audit_settings=AuditSettings(serve_crawled_pages=False),
)
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("polite")
    with serve_polite_site() as (base, log):
        (tmp / "sites.toml").write_text(sites_toml(base, delay=DELAY, concurrency=1))
        served = massaudit(
            "run",
            "--sites",
            str(tmp / "sites.toml"),
            "--db",
            str(tmp / "served.sqlite"),
            "--out",
            str(tmp / "out"),
            "--quiet",
        )
        assert served.returncode == 0, served.stderr
        hits = list(log.hits)
        log.hits.clear()
        again = subprocess.run(
            [sys.executable, "-c", FETCH_AGAIN, str(tmp / "sites.toml"), str(tmp / "again.sqlite")],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert again.returncode == 0, again.stderr
        hits_again = list(log.hits)
    return base, tmp, served.stdout, hits, hits_again


def _documents(hits):
    return sorted(
        (h for h in hits if h.path not in ASSETS and h.path not in BROWSER_OWN),
        key=lambda h: h.started,
    )


def test_each_page_is_requested_once_and_the_redirect_again_by_the_browser(runs):
    _, _, _, hits, _ = runs
    count = {path: sum(1 for h in hits if h.path == path) for path in {h.path for h in hits}}
    assert {path: count.get(path) for path in PAGES} == dict.fromkeys(PAGES, 1)
    assert count[REDIRECT_TARGET] == 1  # the crawler's hop; the browser renders its download
    assert count[REDIRECT] == 2  # the crawler's, then the browser's own hop
    assert count[FRAME] == 1
    assert sum(n for path, n in count.items() if path.startswith(PROBE_PREFIX)) == 1


def test_document_requests_never_overlap_nor_come_closer_than_the_delay_allows(runs):
    _, _, _, hits, hits_again = runs
    for run_hits in (hits, hits_again):
        documents = _documents(run_hits)
        assert len(documents) >= 10
        for before, after in zip(documents, documents[1:], strict=False):
            # One at a time: the next is sent once the last has been answered.
            assert after.started >= before.answered, (before, after)
            assert after.started - before.started >= SMALLEST_GAP, (before, after)
        assert ANSWER_SECONDS < SMALLEST_GAP


def test_every_request_carries_massauditss_user_agent(runs):
    _, _, _, hits, hits_again = runs
    assert {h.agent.split(" ")[0].split("/")[0] for h in hits + hits_again} == {"massaudit"}


def test_the_run_counts_its_requests_by_kind_stores_and_prints_them(runs):
    _, tmp, stdout, hits, _ = runs
    run = Store(str(tmp / "served.sqlite")).get_run(1)
    requests = run.summary["requests"]
    assert run.summary["pages_audited"] == 7
    assert requests["crawler"] == len(PAGES) + 2  # each page, the redirect and its target
    assert requests["browser"] == 1  # the redirect, asked again by the browser
    assert requests["served"] == 7  # every page rendered from the crawler's download
    assert requests["frame"] == requests["probe"] == 1
    assert requests["other"] == 1  # robots.txt
    assert requests["subresource"] == sum(1 for h in hits if h.path in ASSETS)
    line = next(line for line in stdout.splitlines() if "requests per audited page" in line)
    assert "1.29 document (crawler 1.14, browser 0.14), frames 0.14, probe 0.14" in line


def test_rendering_the_crawlers_download_finds_what_fetching_the_page_again_finds(runs):
    base, tmp, _, _, hits_again = runs
    count = {path: sum(1 for h in hits_again if h.path == path) for path in PAGES}
    assert count == dict.fromkeys(PAGES, 2)  # the crawler's and the browser's

    def findings(db: str) -> dict[str, list[tuple[str, str, str]]]:
        store = Store(str(tmp / db))
        urls = {page.id: page.url.removeprefix(base) for page in store.pages(1)}
        found: dict[str, list[tuple[str, str, str]]] = {url: [] for url in urls.values()}
        for finding in store.findings(1):
            found[urls[finding.page_id]].append(
                (finding.rule_id, finding.outcome, finding.selector)
            )
        return {url: sorted(rows) for url, rows in found.items()}

    served, again = findings("served.sqlite"), findings("again.sqlite")
    assert served == again
    assert len(served) == 7 and all(served.values())
