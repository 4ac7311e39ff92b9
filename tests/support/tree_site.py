"""A tiny site of linked pages (and one slow PDF), served on 127.0.0.1 for the durability and
overlapping-scope tests. Written for these tests."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

from crawl_site import page
from local_server import serve_handler

from massaudit.demo.sample_documents import make_pdf

PDF_DELAY_S = 8.0


@contextmanager
def serve_tree(pages: dict[str, tuple[str, ...]], slow_pdf: str | None = None) -> Iterator[str]:
    """Serve `pages` (path -> links) and, at `slow_pdf`, a PDF sent after PDF_DELAY_S seconds;
    yield the base URL (no trailing slash)."""
    pdf = make_pdf()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_HEAD(self) -> None:
            self.do_GET()

        def do_GET(self) -> None:
            if self.path == slow_pdf:
                time.sleep(PDF_DELAY_S)
                return self.send(pdf, "application/pdf")
            links = pages.get(self.path)
            if links is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send(page(self.path, *links), "text/html; charset=utf-8")

        def send(self, body: bytes, content_type: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

    with serve_handler(Handler) as base:
        yield base


def site_entry(site_id: str, base: str, start: str, include: tuple[str, ...] = ()) -> str:
    patterns = ", ".join(f'"{p}"' for p in include)
    return (
        f'[[site]]\nid = "{site_id}"\nagency = "test"\nname = "{site_id}"\n'
        f'start_urls = ["{base}{start}"]\nallowed_hosts = ["{base.split("//", 1)[1]}"]\n'
        f"include = [{patterns}]\nuse_sitemaps = false\ndownload_delay = 0\n"
        "concurrency_per_host = 4\n"
    )


def sites_toml(*entries: str) -> str:
    return '[[agency]]\nid = "test"\nname = "Test agency"\n\n' + "\n".join(entries)
