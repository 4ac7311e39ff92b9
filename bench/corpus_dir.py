"""Any folder of saved pages as a benchmark corpus: served on 127.0.0.1 with a sitemap of its
pages, and a sites file whose one site audits exactly those pages.

Pages are the folder's `*.html` and `*.htm` files (hidden folders left out), in path order; the
rest of the folder (stylesheets, scripts, images, fonts) is served as it is. The server adds
`/robots.txt` (allowing everything, naming the sitemap) and `/__bench_sitemap.xml`; the site
follows no links (`max_depth = 0`), so a saved page's links to pages that were not saved cost
nothing. Requests a page makes to other hosts fail as they would without a network.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote
from xml.sax.saxutils import escape

from massaudit.pipeline.static_server import StaticRequestHandler, _QuietServer

SITEMAP = "/__bench_sitemap.xml"


def saved_pages(folder: Path) -> list[str]:
    """URL paths of the folder's pages."""
    pages = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.is_file() and path.suffix.lower() in (".html", ".htm"):
            pages.append("/" + quote(relative.as_posix()))
    return pages


def sites_toml(base: str, pages: list[str]) -> str:
    netloc = base.split("//", 1)[1]
    return (
        '[[agency]]\nid = "bench"\nname = "Benchmark agency"\n\n'
        '[[site]]\nid = "saved"\nagency = "bench"\nname = "Saved pages"\n'
        f'start_urls = ["{base}{pages[0]}"]\nallowed_hosts = ["{netloc}"]\n'
        f"max_pages = {len(pages)}\nmax_depth = 0\nmax_per_pattern = {len(pages)}\n"
        "download_delay = 0\nconcurrency_per_host = 8\nuse_sitemaps = true\n"
        f'sitemaps = ["{base}{SITEMAP}"]\n'
    )


@contextmanager
def serve_saved_pages(folder: Path) -> Iterator[tuple[str, list[str], str]]:
    """Serve `folder`; yield the base URL, the pages' URLs and the sites file of its pages."""
    folder = Path(folder)
    pages = saved_pages(folder)
    if not pages:
        raise SystemExit(f"--corpus {folder}: no .html or .htm file in it; give a folder of pages")

    class Handler(StaticRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            base = f"http://{self.headers.get('Host', '127.0.0.1')}"
            if path == "/robots.txt":
                self._send(f"User-agent: *\nAllow: /\nSitemap: {base}{SITEMAP}\n", "text/plain")
            elif path == SITEMAP:
                urls = "".join(f"<url><loc>{escape(base + p)}</loc></url>" for p in pages)
                body = (
                    '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns='
                    f'"http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>\n'
                )
                self._send(body, "application/xml")
            else:
                super().do_GET()

        def _send(self, text: str, content_type: str) -> None:
            body = text.encode()
            self.send_response(200)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = _QuietServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        host, port = server.server_address[:2]
        base = f"http://{host}:{port}"
        yield base, [base + page for page in pages], sites_toml(base, pages)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def bench_pages(tmp: Path, pages: int, folder: Path | None) -> Iterator[tuple[str, list[str], str]]:
    """The pages of a bench run, served: the folder of saved pages when one is given, else the
    generated corpus of `pages` pages (bench/corpus.py) written into `tmp`; yields as
    `serve_saved_pages` does."""
    if folder is not None:
        with serve_saved_pages(folder) as served:
            yield served
        return
    from corpus import sites_toml as corpus_sites_toml
    from corpus import write_corpus

    from massaudit.pipeline.static_server import serve_directory

    paths = write_corpus(tmp / "corpus", pages)
    with serve_directory(tmp / "corpus") as base:
        yield base, [base + p for p in paths], corpus_sites_toml(base, pages)
