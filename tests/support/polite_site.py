"""A small site whose server logs every request (path, User-Agent, when its connection was
accepted, when the server began to answer): for tests of how many requests an audit sends, and
how politely.

Six ordinary pages (one holding an iframe), one page reached through a redirect, a stylesheet
and an image every page uses, robots.txt. Each document is answered after `ANSWER_SECONDS`, so
two requests in flight at once would overlap in the log. The server closes each connection after
its answer, so a request's connection is accepted when the request is sent.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any

from local_server import QuietHandler, serve_handler

ANSWER_SECONDS = 0.05
PAGES = ("/", "/fees/", "/forms/", "/contact/", "/framed/", "/news/")
REDIRECT = "/moved/"  # -> REDIRECT_TARGET
REDIRECT_TARGET = "/new-home/"
FRAME = "/frame/"  # only ever loaded in /framed/'s iframe
ASSETS = ("/style.css", "/seal.png")
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def page(title: str, body: str = "") -> bytes:
    links = "".join(f'<li><a href="{p}">{p}</a></li>' for p in (*PAGES, REDIRECT))
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<title>{title}</title><link rel="stylesheet" href="/style.css"></head><body><main>'
        f'<h1>{title}</h1><img src="/seal.png" alt="Seal"><ul>{links}</ul>{body}'
        "</main></body></html>"
    ).encode()


@dataclass(frozen=True)
class Hit:
    path: str
    agent: str
    started: float  # its connection accepted (time.monotonic)
    answered: float  # the server began to send the answer


@dataclass
class RequestLog:
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, hit: Hit) -> None:
        with self.lock:
            self.hits.append(hit)

    def count(self, path: str) -> int:
        with self.lock:
            return sum(1 for h in self.hits if h.path == path)


class AcceptTimingServer(ThreadingHTTPServer):
    """Notes when each connection is accepted, before its handler's thread starts."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.accepted: dict[Any, float] = {}

    def get_request(self) -> tuple[Any, Any]:
        connection, address = super().get_request()
        self.accepted[connection] = time.monotonic()
        return connection, address


def handler(log: RequestLog) -> type[QuietHandler]:
    class PoliteSiteHandler(QuietHandler):
        def do_GET(self) -> None:
            started = self.server.accepted.pop(self.request, time.monotonic())
            path = self.path
            if path not in ASSETS:
                time.sleep(ANSWER_SECONDS)
            agent = self.headers.get("User-Agent", "")
            log.add(Hit(path, agent, started, time.monotonic()))
            with suppress(BrokenPipeError, ConnectionResetError):
                self.respond(path)

        def respond(self, path: str) -> None:
            if path == "/robots.txt":
                return self.answer(200, b"User-agent: *\nDisallow:\n", "text/plain")
            if path == "/style.css":
                self.send_response(200)
                self.send_header("Content-Type", "text/css")
                self.send_header("Cache-Control", "max-age=3600")
                body = b"h1 { color: #222; }"
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                return self.wfile.write(body)
            if path == "/seal.png":
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Cache-Control", "max-age=3600")
                self.send_header("Content-Length", str(len(PNG)))
                self.end_headers()
                return self.wfile.write(PNG)
            if path == REDIRECT:
                self.send_response(301)
                self.send_header("Location", REDIRECT_TARGET)
                self.send_header("Content-Length", "0")
                return self.end_headers()
            if path == "/framed/":
                frame = f'<iframe src="{FRAME}" title="Opening hours"></iframe>'
                return self.answer(200, page("Framed", frame), "text/html; charset=utf-8")
            if path == FRAME:
                body = b'<!doctype html><html lang="en"><title>Hours</title><p>9 to 5</p></html>'
                return self.answer(200, body, "text/html; charset=utf-8")
            if path in PAGES or path == REDIRECT_TARGET:
                # A form without a label and a button without a name: findings to compare.
                body = '<form><input type="text" name="q"><button></button></form>'
                return self.answer(200, page(path.strip("/") or "Home", body), "text/html")
            return self.answer(404, page("Not found"), "text/html")

    return PoliteSiteHandler


@contextmanager
def serve_polite_site() -> Iterator[tuple[str, RequestLog]]:
    """(`http://127.0.0.1:PORT`, its request log), for the with-block."""
    log = RequestLog()
    with serve_handler(handler(log), AcceptTimingServer) as base:
        yield base, log


def sites_toml(base: str, *, delay: float = 0.2, concurrency: int = 1) -> str:
    netloc = base.removeprefix("http://")
    return (
        '[[agency]]\nid = "test"\nname = "Test Agency"\n\n'
        '[[site]]\nid = "polite"\nagency = "test"\nname = "Polite site"\n'
        f'start_urls = ["{base}/"]\nallowed_hosts = ["{netloc}"]\n'
        f"download_delay = {delay}\nconcurrency_per_host = {concurrency}\nuse_sitemaps = false\n"
    )
