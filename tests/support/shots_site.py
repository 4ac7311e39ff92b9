"""A small site whose pages fail on elements the screenshots must show: an image without a text
alternative and a button without a name, and the same failures where an element is hard to
picture (huge, off the page, inside a hidden parent, of no size). Served on 127.0.0.1."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from local_server import QuietHandler, serve_handler


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


RED_PNG = _png(4, 4, (220, 0, 0))  # what the failing image shows
LINKS = "".join(
    f'<li><a href="{path}">{name}</a></li>'
    for path, name in (
        ("/second/", "Second"),
        ("/huge/", "Huge"),
        ("/offscreen/", "Off the page"),
        ("/hidden/", "Hidden"),
        ("/empty/", "Empty"),
    )
)
FAILING = '<img src="/red.png" width="120" height="80"><button class="icon"></button>'

PAGES = {
    "/": f"<h1>Parks</h1><p>Welcome to the parks.</p>{FAILING}",
    # The same two elements: captured once a site, not again here.
    "/second/": f"<h1>More parks</h1>{FAILING}",
    "/huge/": '<h1>Huge</h1><button style="width:5000px;height:6000px"></button>',
    "/offscreen/": (
        '<h1>Off</h1><button style="position:absolute;left:-9999px;top:-9999px"></button>'
    ),
    "/hidden/": '<h1>Hidden</h1><div style="display:none"><img src="/red.png"></div>',
    "/empty/": '<h1>Empty</h1><button style="width:0;height:0;padding:0;border:0"></button>',
}


def page_html(path: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{path.strip('/') or 'home'} page</title></head>"
        f"<body><nav><ul>{LINKS}</ul></nav><main>{PAGES[path]}</main></body></html>"
    )


class _Handler(QuietHandler):
    def do_GET(self) -> None:
        if self.path == "/red.png":
            self.answer(200, RED_PNG, "image/png")
        elif self.path in PAGES:
            self.answer(200, page_html(self.path).encode(), "text/html; charset=utf-8")
        elif self.path == "/robots.txt":
            self.answer(200, b"", "text/plain")
        else:
            self.answer(404, b"not found", "text/plain")


@contextmanager
def serve_shots_site() -> Iterator[str]:
    with serve_handler(_Handler) as base:
        yield base


def sites_toml(base: str) -> str:
    netloc = base.split("//", 1)[1]
    return (
        '[[agency]]\nid = "parks"\nname = "Parks"\n\n'
        '[[site]]\nid = "parks-site"\nagency = "parks"\nname = "Parks site"\n'
        f'start_urls = ["{base}/"]\nallowed_hosts = ["{netloc}"]\ndownload_delay = 0\n'
    )
