"""A small web site that exercises the crawler: sitemaps, robots.txt, redirects, errors, traps.

Written for these tests; served on 127.0.0.1 by `serve_crawl_site()`.
"""

from __future__ import annotations

import gzip
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

from local_server import serve_handler

SLOW_SECONDS = 4


def page(title: str, *links: str) -> bytes:
    items = "".join(f'<li><a href="{href}">{href}</a></li>' for href in links)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><main><h1>{title}</h1><ul>{items}</ul></main></body></html>"
    ).encode()


def sitemap(base: str, *paths: str) -> bytes:
    urls = "".join(f"<url><loc>{base}{p}</loc></url>" for p in paths)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    ).encode()


HOME_LINKS = (
    "/about/",
    "/about/?utm_source=newsletter&utm_medium=email",
    "/about/#team",
    "/redirect-in/",
    "/redirect-out/",
    "/redirect-loop/",
    "/missing/",
    "/broken/",
    "/slow/",
    "/report.pdf",
    "/forms/application.docx",
    "/images/seal.png",
    "/data/",
    "/excluded/page/",
    "/private/x/",
    "/calendar/2026/1/",
    "/deep/1/",
    "/list/?page=1",
    "mailto:help@example.org",
    "tel:+16175551234",
)


class CrawlSiteHandler(BaseHTTPRequestHandler):
    server_version = "CrawlTestSite/1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_HEAD(self) -> None:
        self.do_GET(head=True)

    def do_GET(self, head: bool = False) -> None:
        base = f"http://{self.headers['Host']}"
        path = self.path
        if path == "/robots.txt":
            body = f"User-agent: *\nDisallow: /private/\nSitemap: {base}/sitemap_index.xml\n"
            return self.send(200, body.encode(), "text/plain", head)
        if path == "/sitemap_index.xml":
            body = (
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<sitemap><loc>{base}/sitemap-pages.xml</loc></sitemap>"
                f"<sitemap><loc>{base}/sitemap-more.xml.gz</loc></sitemap></sitemapindex>"
            ).encode()
            return self.send(200, body, "application/xml", head)
        if path == "/sitemap-pages.xml":
            body = sitemap(base, "/", "/about/", "/orphan-from-sitemap/")
            return self.send(200, body, "application/xml", head)
        if path == "/sitemap-more.xml.gz":
            body = gzip.compress(sitemap(base, "/orphan-gz/", "/private/secret/"))
            return self.send(200, body, "application/x-gzip", head)
        if path == "/":
            # "Other host" links stay on this machine: localhost is not in allowed_hosts.
            port = self.server.server_address[1]
            outside = (f"http://localhost:{port}/outside-ok/", f"http://localhost:{port}/gone/")
            return self.send(200, page("Home", *HOME_LINKS, *outside), "text/html", head)
        if path == "/outside-ok/":
            return self.send(200, page("Outside"), "text/html", head)
        if path in ("/about/", "/orphan-from-sitemap/", "/orphan-gz/", "/target/"):
            return self.send(200, page(path.strip("/") or "home"), "text/html", head)
        if path == "/redirect-in/":
            return self.redirect("/target/")
        if path == "/redirect-out/":
            port = self.server.server_address[1]
            return self.redirect(f"http://localhost:{port}/elsewhere/")
        if path == "/redirect-loop/":
            return self.redirect("/redirect-loop-b/")
        if path == "/redirect-loop-b/":
            return self.redirect("/redirect-loop/")
        if path == "/broken/":
            return self.send(500, page("Server error"), "text/html", head)
        if path == "/slow/":
            time.sleep(SLOW_SECONDS)
            return self.send(200, page("Slow"), "text/html", head)
        if path == "/report.pdf":
            return self.send(200, b"%PDF-1.4\n" + b"0" * 2000, "application/pdf", head)
        if path == "/forms/application.docx":
            kind = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            return self.send(200, b"PK" + b"0" * 500, kind, head)
        if path == "/data/":
            return self.send(200, b'{"ok": true}', "application/json", head)
        match = re.fullmatch(r"/calendar/(\d+)/(\d+)/", path)
        if match:
            year, month = int(match[1]), int(match[2])
            months = [
                ((year * 12 + month - 1 + i) // 12, (month - 1 + i) % 12 + 1) for i in range(1, 13)
            ]
            links = [f"/calendar/{y}/{m}/" for y, m in months]
            return self.send(200, page(f"Events {year}-{month}", *links), "text/html", head)
        match = re.fullmatch(r"/deep/(\d+)/", path)
        if match:
            n = int(match[1])
            return self.send(200, page(f"Deep {n}", f"/deep/{n + 1}/"), "text/html", head)
        match = re.fullmatch(r"/list/\?page=(\d+)", path)
        if match:
            n = int(match[1])
            links = [f"/list/?page={n + i}" for i in (1, 2, 3)]
            return self.send(200, page(f"List page {n}", *links), "text/html", head)
        return self.send(404, page("Not found"), "text/html", head)

    def redirect(self, location: str) -> None:
        self.send_response(301)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def send(self, status: int, body: bytes, content_type: str, head: bool) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the crawler gave up on a slow page


@contextmanager
def serve_crawl_site() -> Iterator[str]:
    with serve_handler(CrawlSiteHandler) as base:
        yield base


def sites_toml(base: str, **overrides: object) -> str:
    netloc = base.split("//", 1)[1]
    settings = {
        "max_depth": 3,
        "max_per_pattern": 5,
        "max_query_variants": 3,
        "fetch_timeout": 1,
        "download_delay": 0,
        "concurrency_per_host": 4,
        **overrides,
    }
    extra = "".join(f"{key} = {value}\n" for key, value in settings.items())
    return (
        '[[agency]]\nid = "test"\nname = "Test Agency"\n\n'
        '[[site]]\nid = "crawl-site"\nagency = "test"\nname = "Crawl test site"\n'
        f'start_urls = ["{base}/"]\nallowed_hosts = ["{netloc}"]\n'
        'exclude = ["^/excluded/"]\n' + extra
    )
