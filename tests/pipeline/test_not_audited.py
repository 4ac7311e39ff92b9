"""A site that could not be audited (unreachable, forbidden by robots.txt, every page failed) is
"not audited" with its reason: in the run's summary, on one line naming it, and in the exit
code; the other sites are audited and reported as usual."""

from __future__ import annotations

import re
import socket
from types import SimpleNamespace

import pytest
from integration_helpers import massaudit
from local_server import QuietHandler, serve_handler

from massaudit import __version__
from massaudit.crawler.settings import user_agent
from massaudit.crawler.sites import parse_sites
from massaudit.demo.sample_documents import make_pdf
from massaudit.pipeline.not_audited import not_audited_reason
from massaudit.store.db import Store

CONTACT = "https://example.org/web-team"


def site(start: str = "http://h.example/"):
    entry = {
        "id": "s",
        "agency": "a",
        "name": "S",
        "start_urls": [start],
        "allowed_hosts": ["h.example"],
    }
    return parse_sites({"agency": [{"id": "a", "name": "A"}], "site": [entry]}).sites[0]


def row(url: str, state: str, reason: str | None = None, detail: str = "", depth: int = 0):
    return SimpleNamespace(url=url, state=state, reason=reason, detail=detail, depth=depth)


def test_the_reason_is_what_became_of_the_start_url():
    rows = [
        row("http://h.example/", "skipped", "http_error", "HTTP 503"),
        row("http://h.example/robots-listed/", "skipped", "http_error", "HTTP 503"),
    ]
    assert not_audited_reason(site(), rows) == "HTTP 503; 1 more of its URLs failed"
    blocked = [row("http://h.example/", "skipped", "robots_txt", "Forbidden by robots.txt")]
    assert not_audited_reason(site(), blocked) == "robots.txt forbids crawling it"


def test_every_page_failing_in_the_browser_names_the_first_page_that_failed():
    rows = [
        row("http://h.example/", "skipped", "duplicate", "redirects to http://h.example/home"),
        row("http://h.example/home", "skipped", "browser_error", "BrowserCrashed: twice\nmore", 1),
    ]
    assert not_audited_reason(site(), rows) == "http://h.example/home: BrowserCrashed: twice"


def test_a_run_stopped_before_the_site_was_reached():
    rows = [row("http://h.example/", "queued")]
    assert "stopped before any of its pages" in not_audited_reason(site(), rows)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def recording_site(agents: list[str], robots: str):
    """A two-page site with a stylesheet, a fetch(), a PDF and links to another host; every
    request's User-Agent goes into `agents`."""
    pdf = make_pdf()

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            agents.append(self.headers.get("User-Agent", ""))
            port = self.server.server_address[1]
            home = (
                '<!doctype html><html lang="en"><head><title>Home</title>'
                '<link rel="stylesheet" href="/style.css"></head><body><main><h1>Home</h1>'
                '<a href="/a/">A</a> <a href="/missing/">Missing</a> <a href="/form.pdf">Form</a>'
                f' <a href="http://localhost:{port}/gone/">Gone</a>'
                f' <a href="http://localhost:{port}/a/">Elsewhere</a>'
                "<script>fetch('/api');</script></main></body></html>"
            )
            a_page = '<!doctype html><html lang="en"><title>A</title><main><h1>A</h1></main>'
            answers = {
                "/robots.txt": (robots.encode(), "text/plain"),
                "/": (home.encode(), "text/html"),
                "/a/": (a_page.encode(), "text/html"),
                "/style.css": (b"main { color: #111; }", "text/css"),
                "/api": (b"{}", "application/json"),
                "/form.pdf": (pdf, "application/pdf"),
            }
            body, kind = answers.get(self.path, (b"", ""))
            self.answer(200 if kind else 404, body, kind or "text/plain")

    return Handler


def entry(site_id: str, base: str, extra: str = "") -> str:
    return (
        f'[[site]]\nid = "{site_id}"\nagency = "t"\nname = "{site_id}"\n'
        f'start_urls = ["{base}/"]\nallowed_hosts = ["{base.split("//", 1)[1]}"]\n'
        f"use_sitemaps = false\ndownload_delay = 0\n{extra}"
    )


@pytest.mark.browser
def test_unreachable_and_forbidden_sites_are_not_audited_and_fail_the_run(tmp_path):
    agents: list[str] = []
    down = f"http://127.0.0.1:{closed_port()}"
    with (
        serve_handler(recording_site(agents, "User-agent: *\nAllow: /\n")) as up,
        serve_handler(recording_site([], "User-agent: *\nDisallow: /\n")) as forbidden,
    ):
        (tmp_path / "sites.toml").write_text(
            '[[agency]]\nid = "t"\nname = "T"\n\n'
            + entry("up", up, "check_external_links = true\n")
            + entry("down", down)
            + entry("forbidden", forbidden)
        )
        result = massaudit(
            "run",
            "--sites",
            str(tmp_path / "sites.toml"),
            "--db",
            str(tmp_path / "audit.sqlite"),
            "--out",
            str(tmp_path / "out"),
            "--concurrency",
            "1",
            env={"MASSAUDIT_CONTACT_URL": CONTACT},
        )
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("massaudit:")]
    assert errors == [
        f"massaudit: site down ({down}/) not audited: connection refused",
        f"massaudit: site forbidden ({forbidden}/) not audited: robots.txt forbids crawling it",
    ]
    store = Store(str(tmp_path / "audit.sqlite"))
    run = store.get_run(1)
    assert run.status == "complete"  # everything reachable was audited
    assert run.summary["sites_not_audited"] == [
        {"site": "down", "reason": "connection refused"},
        {"site": "forbidden", "reason": "robots.txt forbids crawling it"},
    ]
    assert sorted(p.url for p in store.pages(1)) == [f"{up}/", f"{up}/a/"]
    store.close()
    assert (tmp_path / "out" / "index.html").is_file()
    assert "  down: not audited: connection refused" in result.stdout

    # The progress line ends with the counts of the final report.
    last_progress = [line for line in result.stderr.splitlines() if line.startswith("[")][-1]
    shown = int(re.search(r"(\d+) skipped", last_progress).group(1))
    reported = int(re.search(r"(\d+) URLs skipped", result.stdout).group(1))
    assert shown == reported == 6  # missing, two links elsewhere, the PDF, down, forbidden

    # The crawler and the browser (page, stylesheet, fetch, 404 probe) say who they are alike.
    assert set(agents) == {user_agent(__version__, CONTACT)}
    assert len(agents) > 8
