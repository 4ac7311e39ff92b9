"""The auditing browser, its 404 probe and the crawler's robots.txt stay inside the site.

Two servers on 127.0.0.1: the audited site, and an "internal" one on another port whose content
must never be fetched, stored or published. The site sends the browser (never the crawler)
elsewhere in every way a page can: scripts, a meta refresh, and a redirect that sends the crawler
within the site and, asked again by the browser following the redirect chain, outside it.
"""

from __future__ import annotations

import asyncio
import gzip
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

import pytest
from integration_helpers import massaudit, stored_text
from local_server import serve_handler

from massaudit.audits.scope_guard import (
    FETCH_PATTERNS,
    BrowserScope,
    address_class,
    is_tab_icon,
)
from massaudit.store.db import Store

MARKER = "INTERNAL-ONLY-7f3a9c"
PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>{head}'
    "</head><body><main><h1>{title}</h1>{body}</main></body></html>"
)


def html(title: str, body: str = "", head: str = "") -> bytes:
    return PAGE.format(title=title, body=body, head=head).encode()


@dataclass
class Hits:
    requests: list[tuple[str, str]] = field(default_factory=list)  # (path, user agent)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, path: str, agent: str) -> None:
        with self.lock:
            self.requests.append((path, agent))


def handler(respond) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            status, headers, body = respond(self.path, self.headers.get("User-Agent", ""))
            try:
                self.send_response(status)
                for name, value in {"Content-Length": str(len(body)), **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


@contextmanager
def serve(respond) -> Iterator[str]:
    with serve_handler(handler(respond)) as base:
        yield base.removeprefix("http://")


def internal_server(hits: Hits):
    def respond(path: str, agent: str):
        hits.add(path, agent)
        if path.startswith("/robots.txt"):
            return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow:\n"
        return 200, {"Content-Type": "text/html"}, html(MARKER, f"<p>{MARKER}</p>")

    return serve(respond)


SITE_PAGES = ("/", "/ok/", "/browser-redirect/", "/js-nav/", "/on-load-nav/", "/meta-refresh/")


def site_server(internal: str):
    secret = f"http://{internal}/secret"
    redirected: set[str] = set()

    def respond(path: str, agent: str):
        text = {"Content-Type": "text/html"}
        if path == "/robots.txt":
            return 301, {"Location": f"http://{internal}/robots.txt"}, b""
        if path.startswith("/massaudit-404-probe-"):
            return 302, {"Location": f"http://{internal}/missing"}, b""
        if path == "/":
            links = "".join(f'<a href="{p}">{p}</a> ' for p in SITE_PAGES[1:])
            return 200, text, html("Home", f"<p>{links}</p>")
        if path == "/ok/":
            return 200, text, html("Fine")
        if path == "/browser-redirect/":  # the crawler is sent to /landing/, the browser out
            first = path not in redirected
            redirected.add(path)
            return 302, {"Location": "/landing/" if first else secret}, b""
        if path == "/landing/":
            return 200, text, html("Landing")
        if path == "/js-nav/":
            return 200, text, html("Script", f"<script>location.href = {secret!r};</script>")
        if path == "/on-load-nav/":
            script = f"<script>addEventListener('load', () => {{ location.href = {secret!r}; }});"
            return 200, text, html("After load", script + "</script>")
        if path == "/meta-refresh/":
            return (
                200,
                text,
                html("Refresh", head=f'<meta http-equiv="refresh" content="0;url={secret}">'),
            )
        return 404, text, html("Not found")

    return serve(respond)


def sites_toml(site: str) -> str:
    return (
        '[[agency]]\nid = "test"\nname = "Test Agency"\n\n'
        '[[site]]\nid = "scoped"\nagency = "test"\nname = "Scoped site"\n'
        f'start_urls = ["http://{site}/"]\nallowed_hosts = ["{site}"]\n'
        "download_delay = 0\nfetch_timeout = 5\n"
    )


@pytest.fixture(scope="module")
def scoped_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("scope")
    hits = Hits()
    with internal_server(hits) as internal, site_server(internal) as site:
        (tmp / "sites.toml").write_text(sites_toml(site))
        result = massaudit(
            "run",
            "--sites",
            str(tmp / "sites.toml"),
            "--db",
            str(tmp / "db.sqlite"),
            "--out",
            str(tmp / "out"),
            "--quiet",
        )
    assert result.returncode == 0, result.stderr
    return site, internal, hits, tmp


@pytest.mark.browser
def test_pages_that_leave_the_site_are_skipped_with_the_target(scoped_run):
    site, internal, _, tmp = scoped_run
    states = {
        s.url.removeprefix(f"http://{site}"): s for s in Store(str(tmp / "db.sqlite")).url_states(1)
    }
    for path in ("/browser-redirect/", "/js-nav/", "/on-load-nav/", "/meta-refresh/"):
        state = states[path]
        assert (state.state, state.reason) == ("skipped", "redirect_out_of_scope"), (path, state)
        assert f"http://{internal}/secret" in state.detail
    assert states["/"].state == states["/ok/"].state == "audited"


@pytest.mark.browser
def test_the_internal_server_is_never_asked(scoped_run):
    _, _, hits, _ = scoped_run
    paths = [path for path, _ in hits.requests]
    assert "/secret" not in paths  # the browser
    assert "/missing" not in paths  # the 404 probe
    assert "/robots.txt" not in paths  # the crawler
    assert hits.requests == []


@pytest.mark.browser
def test_the_404_probe_records_the_redirect_it_did_not_follow(scoped_run):
    site, internal, _, tmp = scoped_run
    store = Store(str(tmp / "db.sqlite"))
    home = next(p for p in store.pages(1) if p.url == f"http://{site}/")
    probe = store.artifacts_of(home.id).facts["not_found_probe"]
    assert probe["status"] == 302
    assert probe["location"] == f"http://{internal}/missing"


@pytest.mark.browser
def test_internal_content_is_nowhere_in_the_store_or_the_outputs(scoped_run):
    _, _, _, tmp = scoped_run
    assert MARKER not in stored_text(tmp / "db.sqlite")
    files = [p for p in (tmp / "out").rglob("*") if p.is_file()]
    assert files  # the scorecard and exports were written
    for path in files:
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        assert MARKER.encode() not in data, path


# The guard's decisions, without a browser.

PUBLIC_SITE = BrowserScope.of(["www.mass.gov"])


@pytest.mark.parametrize(
    ("host", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("localhost", "loopback"),
        ("api.localhost", "loopback"),
        ("[::1]", "loopback"),
        ("[::ffff:7f00:1]", "loopback"),
        ("169.254.169.254", "link-local"),
        ("[fe80::1]", "link-local"),
        ("10.1.2.3", "private"),
        ("172.16.0.9", "private"),
        ("192.168.1.1", "private"),
        ("[fd00::1]", "private"),
        ("0.0.0.0", "private"),
        ("100.64.0.1", "reserved"),
        ("8.8.8.8", None),
        ("www.mass.gov", None),
        ("10.example.com", None),
    ],
)
def test_address_class(host, kind):
    assert address_class(host) == kind


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:8080/admin",
        "https://10.0.0.5/x.css",
        "http://localhost/",
        "http://[fe80::1]/",
        "http://[::ffff:7f00:1]:9000/",
    ],
)
def test_a_public_site_never_reaches_internal_addresses(url):
    assert PUBLIC_SITE.refusal(url, top_document=False) is not None
    assert PUBLIC_SITE.refusal(url, top_document=True) is not None
    assert _paused(url), "the browser pauses it so the guard can refuse it"


def test_a_site_on_an_internal_address_reaches_only_its_own_hosts():
    intranet = BrowserScope.of(["10.0.0.5", "127.0.0.1:8000"])
    assert intranet.refusal("http://10.0.0.5/x.css", top_document=False) is None
    assert intranet.refusal("http://127.0.0.1:8000/a.js", top_document=False) is None
    assert intranet.refusal("http://127.0.0.1:8001/a.js", top_document=False) is not None
    assert intranet.refusal("http://10.0.0.6/", top_document=False) is not None


def test_top_frame_stays_on_the_site_while_frames_and_assets_may_be_public():
    assert PUBLIC_SITE.refusal("https://www.mass.gov/info", top_document=True) is None
    assert PUBLIC_SITE.refusal("https://evil.example/", top_document=True) is not None
    assert PUBLIC_SITE.refusal("https://www.mass.gov:8443/", top_document=True) is not None
    assert PUBLIC_SITE.refusal("https://www.youtube.com/embed/x", top_document=False) is None
    assert PUBLIC_SITE.refusal("https://cdn.example/app.js", top_document=False) is None


def _paused(url: str, resource_type: str = "Image") -> bool:
    """Whether one of the guard's Fetch patterns (CDP wildcards: * and ?) matches `url`."""
    for pattern in FETCH_PATTERNS:
        if pattern.get("resourceType") not in (None, resource_type):
            continue
        regex = re.escape(pattern["urlPattern"]).replace(r"\*", ".*").replace(r"\?", ".")
        if re.fullmatch(regex, url):
            return True
    return False


def _event(url: str, resource_type: str, accept: str) -> dict:
    """A Fetch.requestPaused event as Chromium sends it (headers trimmed)."""
    headers = {"Accept": accept, "Referer": "https://www.mass.gov/info"}
    return {"request": {"url": url, "headers": headers}, "resourceType": resource_type}


IMAGE_ACCEPT = "image/jxl,image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"


def test_the_tabs_icon_is_told_from_the_pages_own_requests():
    assert is_tab_icon(_event("https://www.mass.gov/favicon.ico", "Other", IMAGE_ACCEPT))
    assert is_tab_icon(_event("https://www.mass.gov/themes/icon.png", "Other", IMAGE_ACCEPT))
    assert not is_tab_icon(_event("https://www.mass.gov/logo.png", "Image", IMAGE_ACCEPT))
    assert not is_tab_icon(_event("https://www.mass.gov/api", "Other", "*/*"))
    assert not is_tab_icon(_event("https://www.mass.gov/", "Document", "text/html"))
    assert not is_tab_icon({"resourceType": "Other"})
    assert _paused("https://www.mass.gov/favicon.ico", resource_type="Other")


def test_public_subresources_are_not_paused():
    """Only documents and internal-looking addresses wait for the guard: the cache stays on."""
    assert not _paused("https://www.mass.gov/styles/site.css")
    assert not _paused("https://cdn.example/img/logo.png?v=1")
    assert _paused("https://www.mass.gov/", resource_type="Document")


# The guard in the real browser, for a site that is not on an internal address: its name is
# mapped to the test server by Chromium's resolver, so the page is served from 127.0.0.1 while
# the browser, like the guard, only knows the public-looking name.


@pytest.mark.browser
def test_internal_subresources_are_refused_for_a_public_site(monkeypatch):
    from massaudit.audits import browser
    from massaudit.audits.collector import Auditor, AuditSettings

    hits = Hits()
    with internal_server(hits) as internal:
        body = (
            f'<img alt="" src="http://{internal}/pixel.gif">'
            f"<script>fetch('http://{internal}/api', {{mode: 'no-cors'}}).catch(() => {{}});"
            "</script>"
        )

        def respond(path: str, agent: str):
            return 200, {"Content-Type": "text/html"}, html("Public", body)

        with serve(respond) as site:
            rules = f"--host-resolver-rules=MAP www.public-site.example {site}"
            monkeypatch.setattr(browser, "blocking_args", lambda hosts: [rules])

            async def audit():
                async with Auditor(AuditSettings(concurrency=1)) as auditor:
                    return await auditor.audit(
                        "http://www.public-site.example/", allowed_hosts=["www.public-site.example"]
                    )

            result = asyncio.run(audit())
    assert result.error is None, result.error
    assert result.title == "Public"
    refused = {r["url"] for r in result.facts["refused_requests"]}
    assert refused == {f"http://{internal}/pixel.gif", f"http://{internal}/api"}
    assert hits.requests == []
