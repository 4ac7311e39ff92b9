"""Pages too large to fetch (crawler max_page_bytes): a 20 MB page, a page streamed without a
length and a gzip response that inflates to 1 GiB are each skipped as too large, and the crawler
never decompresses past the limit. The real command against a site served on 127.0.0.1.
"""

from __future__ import annotations

import gzip
import io
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler

import pytest
from crawl_site import sites_toml
from integration_helpers import REPO
from local_server import serve_handler

from massaudit.store.db import Store

MIB = 1024 * 1024
HUGE_PAGE_BYTES = 20 * 1000 * 1000
BOMB_INFLATED = 1024 * MIB


def _gzip_bomb() -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as stream:
        chunk = b" " * (4 * MIB)
        for _ in range(BOMB_INFLATED // len(chunk)):
            stream.write(chunk)
    return out.getvalue()


class BombSiteHandler(BaseHTTPRequestHandler):
    gzip_bomb = b""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/":
            links = "".join(
                f'<li><a href="{p}">{p}</a></li>' for p in ("/huge/", "/streamed/", "/bomb/")
            )
            html = (
                '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Home</title>'
                f"</head><body><main><h1>Home</h1><ul>{links}</ul></main></body></html>"
            ).encode()
            return self.reply(html, "text/html")
        if self.path == "/huge/":
            filler = b"<p>" + b"x" * 996 + b"</p>"
            body = b"<!doctype html><title>Huge</title>" + filler * (HUGE_PAGE_BYTES // 1000)
            return self.reply(body, "text/html")
        if self.path == "/streamed/":  # no Content-Length: grows until the client gives up
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for _ in range(HUGE_PAGE_BYTES // MIB):
                    self.wfile.write(b"<p>" + b"y" * (MIB - 7) + b"</p>")
            except OSError:
                pass
            return
        if self.path in ("/bomb/", "/robots.txt", "/sitemap.xml"):
            kind = "text/html" if self.path == "/bomb/" else "text/plain"
            return self.reply(self.gzip_bomb, kind, encoding="gzip")
        self.send_error(404)

    def reply(self, body: bytes, content_type: str, encoding: str | None = None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.end_headers()
        with suppress(OSError):
            self.wfile.write(body)


@contextmanager
def serve_bomb_site() -> Iterator[str]:
    BombSiteHandler.gzip_bomb = _gzip_bomb()
    with serve_handler(BombSiteHandler) as base:
        yield base


def peak_rss_mib(pid: int) -> int:
    """The process's high-water resident set (VmHWM), 0 once it has gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


@pytest.mark.browser
def test_large_pages_and_gzip_bombs_are_skipped_too_large(tmp_path):
    with serve_bomb_site() as base:
        (tmp_path / "sites.toml").write_text(
            sites_toml(base, max_page_bytes=MIB, fetch_timeout=30, use_sitemaps="true")
        )
        command = [
            sys.executable,
            "-m",
            "massaudit.cli",
            "run",
            "--sites",
            str(tmp_path / "sites.toml"),
            "--db",
            str(tmp_path / "db.sqlite"),
            "--out",
            str(tmp_path / "out"),
            "--quiet",
        ]
        process = subprocess.Popen(
            command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        peak = 0
        while process.poll() is None:
            peak = max(peak, peak_rss_mib(process.pid))
            time.sleep(0.1)
        stdout, stderr = process.communicate()
    assert process.returncode == 0, stderr
    store = Store(str(tmp_path / "db.sqlite"))
    states = {row.url.removeprefix(base): row for row in store.url_states(1)}
    assert states["/"].state == "audited"
    for path in ("/huge/", "/streamed/", "/bomb/"):
        assert (states[path].state, states[path].reason) == ("skipped", "too_large"), path
        assert states[path].detail == f"larger than max_page_bytes ({MIB} bytes)"
    # The crawler never held the 1 GiB the bomb inflates to (it stops at max_page_bytes).
    print(f"peak RSS of the massaudit process: {peak} MiB")
    assert 0 < peak < 600
