"""A small web site of ordinary pages with hostile ones mixed in, for the browser's budgets.

Written for these tests; served on 127.0.0.1 by `serve_hostile_site()`. The crawler's own
download of every page is fast: what hangs, spins or reloads does so only in the browser.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

from local_server import serve_handler

# Seconds the server holds a script a page needs before its load event can fire.
HANG_SECONDS = 40

HOSTILE_PAGES = {
    # Reloads itself at once, for ever, and nothing may be cached.
    "/reload/": '<meta http-equiv="refresh" content="0">',
    # Never yields: the load event never fires.
    "/spin/": "<script>while (true) {}</script>",
    # Blocking dialogs, and a prompt before leaving.
    "/dialogs/": (
        "<script>alert('hello'); confirm('sure?'); prompt('name?');"
        "addEventListener('beforeunload', (e) => { e.preventDefault(); e.returnValue = 'stay'; });"
        "</script>"
    ),
    # A script the server answers after HANG_SECONDS: the load event waits for it.
    "/hang/": '<script src="/hang.js"></script>',
}
# Each of these is still audited: the dialogs are dismissed.
AUDITABLE_HOSTILE = {"/dialogs/"}
# Served but not linked (a run would wait out the whole script timeout on it).
UNLINKED_PAGES = {
    # Loads, then never yields once the audit starts (axe-core's entry point spins).
    "/spin-on-audit/": "<script>axe.run = () => { while (true) {} };</script>",
}


def page(title: str, head: str = "", links: tuple[str, ...] = ()) -> bytes:
    items = "".join(f'<li><a href="{href}">{href}</a></li>' for href in links)
    # The image has no alt text: every audited page has at least one finding.
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'{head}</head><body><main><h1>{title}</h1><img src="/seal.png"><ul>{items}</ul>'
        "</main></body></html>"
    ).encode()


def normal_paths(count: int) -> list[str]:
    return [f"/page/{n}/" for n in range(1, count + 1)]


class HostileSite:
    """`normal_pages` ordinary pages, and the hostile pages when `hostile`."""

    def __init__(self, normal_pages: int, hostile: bool) -> None:
        self.normal_pages = normal_pages
        self.hostile = hostile
        self.stopping = threading.Event()

    def links(self) -> tuple[str, ...]:
        hostile = tuple(HOSTILE_PAGES) if self.hostile else ()
        return (*normal_paths(self.normal_pages), *hostile)

    def response(self, path: str) -> tuple[int, bytes, str]:
        html = "text/html; charset=utf-8"
        if path == "/":
            return 200, page("Home", links=self.links()), html
        if path == "/robots.txt":
            return 200, b"User-agent: *\nAllow: /\n", "text/plain"
        if path == "/seal.png":
            return 200, b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png"
        if path in normal_paths(self.normal_pages):
            return 200, page(f"Page {path.split('/')[2]}", links=("/",)), html
        hostile = HOSTILE_PAGES | UNLINKED_PAGES
        if self.hostile and path in hostile:
            return 200, page(f"Hostile {path.strip('/')}", head=hostile[path]), html
        if self.hostile and path == "/hang.js":
            self.stopping.wait(HANG_SECONDS)
            return 200, b"window.loaded = true;", "text/javascript"
        return 404, page("Not found"), html


def _handler(site: HostileSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            status, body, content_type = site.response(self.path.split("?", 1)[0])
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)
            except OSError:  # the browser gave up on the request
                pass

    return Handler


@contextmanager
def serve_hostile_site(normal_pages: int = 10, hostile: bool = True) -> Iterator[str]:
    site = HostileSite(normal_pages, hostile)
    try:
        with serve_handler(_handler(site)) as base:
            yield base
    finally:
        site.stopping.set()


def sites_toml(base: str) -> str:
    netloc = base.split("//", 1)[1]
    return (
        '[[agency]]\nid = "test"\nname = "Test Agency"\n\n'
        '[[site]]\nid = "local"\nagency = "test"\nname = "Local"\n'
        f'start_urls = ["{base}/"]\nallowed_hosts = ["{netloc}"]\ndownload_delay = 0\n'
        "fetch_timeout = 10\n"
    )
