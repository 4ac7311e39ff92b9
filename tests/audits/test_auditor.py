"""The auditor with the real Chromium: contexts and the browser itself are recycled mid-run."""

from __future__ import annotations

import asyncio
import threading

import pytest
from local_server import QuietHandler, serve_handler

from massaudit.audits.collector import Auditor, AuditSettings
from massaudit.crawler.settings import user_agent
from massaudit.pipeline.static_server import serve_directory

pytestmark = pytest.mark.browser


def test_contexts_and_browser_recycled_without_losing_pages(tmp_path):
    for n in range(9):
        (tmp_path / f"p{n}.html").write_text(
            f'<!doctype html><html lang="en"><head><title>Page {n}</title></head>'
            f"<body><main><h1>Page {n}</h1><img src='x.png'></main></body></html>"
        )
    settings = AuditSettings(
        concurrency=3, pages_per_context=2, pages_per_browser=4, collect_facts=False
    )

    async def audit_all(base: str):
        auditor = Auditor(settings)
        try:
            results = await asyncio.gather(*(auditor.audit(f"{base}/p{n}.html") for n in range(9)))
            return results, auditor._browser_pages
        finally:
            await auditor.close()

    with serve_directory(tmp_path) as base:
        results, pages_on_last_browser = asyncio.run(audit_all(base))
    assert [r.error for r in results] == [None] * 9
    assert [r.title for r in results] == [f"Page {n}" for n in range(9)]
    assert all("image-alt" in {v["id"] for v in r.axe["violations"]} for r in results)
    assert pages_on_last_browser < 9  # the browser was replaced at least once


def _audit_in_order(
    base: str, paths: list[str], settings: AuditSettings, allowed_hosts: list[str] | None = None
):
    async def run():
        auditor = Auditor(settings)
        try:
            results = [
                await auditor.audit(f"{base}/{path}", allowed_hosts=allowed_hosts) for path in paths
            ]
            return results, len(auditor._current.context.pages)
        finally:
            await auditor.close()

    return asyncio.run(run())


SHARED_ASSETS = '<link rel="stylesheet" href="site.css"><img src="seal.png" alt="Seal">'


def test_a_reused_page_starts_each_url_afresh(tmp_path):
    (tmp_path / "site.css").write_text("body { color: #222; }" + " " * 4000)
    (tmp_path / "seal.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 3000)
    (tmp_path / "first.html").write_text(
        f'<!doctype html><html lang="en"><head><title>First</title>{SHARED_ASSETS}</head>'
        "<body><main><h1>First</h1><script>window.leftOver = 1;</script></main></body></html>"
    )
    # The title reports the width the page was loaded at and whether the first page's globals
    # are still there.
    (tmp_path / "second.html").write_text(
        f'<!doctype html><html lang="en"><head><title>x</title>{SHARED_ASSETS}</head>'
        "<body><main><h1>Second</h1><script>"
        "document.title = innerWidth + ' ' + typeof window.leftOver;"
        "</script></main></body></html>"
    )
    settings = AuditSettings(concurrency=1)
    with serve_directory(tmp_path) as base:
        (first, second), open_pages = _audit_in_order(base, ["first.html", "second.html"], settings)
    assert first.error is None and second.error is None
    assert open_pages == 1  # one page navigated from the first URL to the second
    # Loaded at the desktop width again after the first page's 320 px checks, with no globals left.
    assert second.title == "1280 undefined"
    assert second.facts["reflow_320"]["width"] == 320
    # The stylesheet and image came from the browser's cache the second time; the page's weight
    # still counts them, as a first visit would.
    weights = [r.facts["network"]["bytes_by_type"] for r in (first, second)]
    assert weights[1]["stylesheet"] == weights[0]["stylesheet"] > 4000
    assert weights[1]["image"] == weights[0]["image"] > 3000


def test_a_page_that_replaces_json_stringify_and_animation_frames_is_still_audited(tmp_path):
    (tmp_path / "hostile.html").write_text(
        '<!doctype html><html lang="en"><head><title>Hostile</title></head><body><main>'
        "<h1>Hostile</h1><img src='x.png'>"
        "<script>JSON.stringify = () => 'not what you asked for';"
        "window.requestAnimationFrame = () => 0;</script></main></body></html>"
    )
    with serve_directory(tmp_path) as base:
        (result,), _ = _audit_in_order(base, ["hostile.html"], AuditSettings(concurrency=1))
    assert result.error is None
    assert result.title == "Hostile"
    assert "image-alt" in {v["id"] for v in result.axe["violations"]}
    assert result.facts["images"][0]["alt"] is None
    assert result.facts["reflow_320"]["width"] == 320


def test_a_page_that_fails_is_closed_and_the_next_gets_a_fresh_one(tmp_path):
    (tmp_path / "ok.html").write_text(
        '<!doctype html><html lang="en"><head><title>OK</title></head>'
        "<body><main><h1>OK</h1></main></body></html>"
    )
    (tmp_path / "hangs.html").write_text(
        '<!doctype html><html lang="en"><head><title>Hangs</title></head><body><main>'
        "<h1>Hangs</h1><script>window.axe = { run: () => new Promise(() => {}) };</script>"
        "</main></body></html>"
    )
    settings = AuditSettings(concurrency=1, axe_timeout_s=2, collect_facts=False)
    with serve_directory(tmp_path) as base:
        results, open_pages = _audit_in_order(base, ["hangs.html", "ok.html"], settings)
    assert results[0].error and "Timeout" in results[0].error
    assert results[1].error is None and results[1].title == "OK"
    assert open_pages == 1  # the failed page was closed, not kept


def test_blocked_hosts_are_never_reached(tmp_path):
    (tmp_path / "pixel.gif").write_bytes(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")
    with serve_directory(tmp_path) as base:
        port = base.rsplit(":", 1)[1]
        # The same server under two names: 127.0.0.1 is audited, "localhost" plays the beacon host.
        (tmp_path / "page.html").write_text(
            '<!doctype html><html lang="en"><head><title>waiting</title></head><body><main>'
            f'<h1>Beacons</h1><img alt="" src="http://localhost:{port}/pixel.gif" '
            "onload=\"document.title='reached'\" onerror=\"document.title='blocked'\">"
            "</main></body></html>"
        )
        titles = []
        # Both names are the site's: the browser refuses other local addresses on its own.
        hosts = [f"127.0.0.1:{port}", f"localhost:{port}"]
        for blocked in ((), ("localhost",)):
            settings = AuditSettings(concurrency=1, blocked_hosts=blocked, collect_facts=False)
            (result,), _ = _audit_in_order(base, ["page.html"], settings, hosts)
            titles.append(result.title)
    assert titles == ["reached", "blocked"]


def test_windows_a_page_opens_are_closed(tmp_path):
    (tmp_path / "opener.html").write_text(
        '<!doctype html><html lang="en"><head><title>Opener</title></head><body><main>'
        "<h1>Opener</h1><script>window.open('other.html');</script></main></body></html>"
    )
    (tmp_path / "other.html").write_text(
        '<!doctype html><html lang="en"><head><title>Other</title></head>'
        "<body><main><h1>Other</h1></main></body></html>"
    )

    async def run(base: str):
        auditor = Auditor(AuditSettings(concurrency=1, collect_facts=False))
        try:
            result = await auditor.audit(f"{base}/opener.html")
            for _ in range(50):  # the popup closes as soon as it opens
                if len(auditor._current.context.pages) == 1:
                    break
                await asyncio.sleep(0.1)
            return result, len(auditor._current.context.pages)
        finally:
            await auditor.close()

    with serve_directory(tmp_path) as base:
        result, open_pages = asyncio.run(run(base))
    assert result.error is None and result.title == "Opener"
    assert open_pages == 1


USER_AGENT_PAGE = (
    b'<!doctype html><html lang="en"><head><title>UA</title><link rel="stylesheet" href="/ua.css">'
    b"</head><body><main><h1>UA</h1><script>fetch('/ua-fetch');</script></main></body></html>"
)


def test_every_request_of_the_browser_carries_the_user_agent_it_is_given():
    agents: dict[str, str | None] = {}
    fetched = threading.Event()

    class Recorder(QuietHandler):
        def do_GET(self) -> None:
            agents[self.path] = self.headers.get("User-Agent")
            page = self.path == "/ua.html"
            # The stylesheet and the fetch() get an empty answer.
            self.answer(200, USER_AGENT_PAGE if page else b"", "text/html" if page else "text/css")
            if self.path == "/ua-fetch":
                fetched.set()

    ours = user_agent("9.9.9", "https://example.org/contact")
    with serve_handler(Recorder) as base:
        settings = AuditSettings(concurrency=1, collect_facts=False, user_agent=ours)
        (result,), _ = _audit_in_order(base, ["ua.html"], settings)
        assert fetched.wait(30), "the page's fetch() never reached the server"
    assert result.error is None and result.title == "UA"
    assert {path: agents.get(path) for path in ("/ua.html", "/ua.css", "/ua-fetch")} == {
        "/ua.html": ours,
        "/ua.css": ours,
        "/ua-fetch": ours,
    }
    assert "HeadlessChrome" not in ours and "massaudit/9.9.9" in ours
