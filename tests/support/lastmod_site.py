"""A small site whose sitemap carries `<lastmod>`, that logs every request it answers and can ask
for credentials: served on 127.0.0.1 by `serve_lastmod_site()`.

Pages /p/0/ ... /p/{n-1}/ are in the sitemap, each linking to the next; /p/2/ also links to
/linked-only/, which no sitemap lists. `LastmodSite.change(path)` gives a page new content and
a new lastmod.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from local_server import QuietHandler, serve_handler

OLD_LASTMOD = "2024-01-02T03:04:05+00:00"


@dataclass
class LastmodSite:
    pages: int = 6
    lastmod: dict[str, str] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    # (method, path, headers) of every request answered
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    # "user:password" the site asks for with basic auth; None: open
    basic_auth: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def paths(self) -> list[str]:
        return [f"/p/{n}/" for n in range(self.pages)]

    def change(self, path: str, lastmod: str) -> None:
        self.versions[path] = self.versions.get(path, 0) + 1
        self.lastmod[path] = lastmod

    def page_requests(self) -> list[str]:
        """Paths of the page requests answered (robots.txt and sitemaps left out)."""
        return [p for _, p, _ in self.requests if p.startswith(("/p/", "/linked-only/"))]


def _page(site: LastmodSite, path: str) -> bytes | None:
    if path == "/linked-only/":
        links = []
    elif path in site.paths():
        n = int(path.split("/")[2])
        links = [f"/p/{n + 1}/"] if n + 1 < site.pages else []
        if n == 2:
            links.append("/linked-only/")
    else:
        return None
    version = site.versions.get(path, 0)
    items = "".join(f'<li><a href="{href}">{href}</a></li>' for href in links)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Page {path} v{version}</title></head><body><main><h1>Page {path}</h1>"
        f"<p>Version {version}.</p><ul>{items}</ul></main></body></html>"
    ).encode()


def _sitemap(site: LastmodSite, base: str) -> bytes:
    urls = "".join(
        f"<url><loc>{base}{p}</loc><lastmod>{site.lastmod.get(p, OLD_LASTMOD)}</lastmod></url>"
        for p in site.paths()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    ).encode()


def handler_for(site: LastmodSite) -> type[QuietHandler]:
    class Handler(QuietHandler):
        def do_GET(self) -> None:
            with site.lock:
                site.requests.append((self.command, self.path, dict(self.headers.items())))
            if site.basic_auth is not None:
                expected = "Basic " + base64.b64encode(site.basic_auth.encode()).decode()
                if self.headers.get("Authorization") != expected:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="staging"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
            base = f"http://{self.headers['Host']}"
            if self.path == "/robots.txt":
                body = f"User-agent: *\nSitemap: {base}/sitemap.xml\n".encode()
                return self.answer(200, body, "text/plain")
            if self.path == "/sitemap.xml":
                return self.answer(200, _sitemap(site, base), "application/xml")
            body = _page(site, self.path)
            if body is None:
                return self.answer(404, b"<!doctype html><title>Not found</title>", "text/html")
            return self.answer(200, body, "text/html")

    return Handler


@contextmanager
def serve_lastmod_site(site: LastmodSite) -> Iterator[str]:
    with serve_handler(handler_for(site)) as base:
        yield base


def lastmod_sites_toml(base: str, **overrides: object) -> str:
    netloc = base.split("//", 1)[1]
    settings = {"download_delay": 0, "concurrency_per_host": 4, **overrides}
    extra = "".join(f"{key} = {value}\n" for key, value in settings.items())
    return (
        '[[agency]]\nid = "test"\nname = "Test Agency"\n\n'
        '[[site]]\nid = "lastmod-site"\nagency = "test"\nname = "Lastmod test site"\n'
        f'start_urls = ["{base}/p/0/"]\nallowed_hosts = ["{netloc}"]\n' + extra
    )
