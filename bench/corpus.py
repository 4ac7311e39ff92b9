"""A Mass.gov-like corpus of N pages for throughput benchmarks, written into a folder.

    .venv/bin/python bench/corpus.py OUT_DIR [--pages 200]

Pages share one stylesheet, images, a header with navigation, breadcrumbs and a footer, like a
Mayflower site; their main content varies (paragraphs, lists, tables, forms, accordions) so each
has a few hundred to a few thousand DOM nodes. Every 7th page carries a planted problem (an image
without alt text, an unlabeled input, low-contrast text or an empty link), so axe-core has
violations to report. `index.html` and `sitemap.xml` list every page.

For soak runs, `hostile_pages` picks pages spread evenly through the corpus that `serve_corpus`
serves with something hostile added (see HOSTILE_KINDS); the rest are served from the folder.
"""

from __future__ import annotations

import argparse
import functools
import random
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html import escape
from pathlib import Path

TOPICS = (
    "driver's license",
    "unemployment benefits",
    "property tax",
    "fishing license",
    "vital records",
    "small business grants",
    "child care subsidies",
    "snow emergency",
    "public health notice",
    "state park reservation",
    "voter registration",
    "tax refund",
)
WORDS = [
    "residents",
    "apply",
    "online",
    "form",
    "office",
    "hours",
    "documents",
    "required",
    "eligibility",
    "benefits",
    "payment",
    "deadline",
    "contact",
    "services",
    "program",
    "Commonwealth",
    "county",
    "application",
    "review",
    "notice",
    "renewal",
    "schedule",
    "fees",
    "support",
    "language",
    "access",
    "accessible",
    "information",
    "request",
    "status",
    "update",
]
CSS = """
body{margin:0;font-family:Arial,Helvetica,sans-serif;color:#141414;line-height:1.5}
.ma__brand-banner{background:#f2f2f2;font-size:.8rem;padding:.25rem 1rem}
.ma__header{background:#14558f;color:#fff;padding:1rem}.ma__header a{color:#fff}
.ma__nav ul{display:flex;flex-wrap:wrap;gap:1rem;list-style:none;margin:0;padding:0}
.ma__breadcrumbs ol{display:flex;gap:.5rem;list-style:none;padding:0}
main{max-width:60rem;margin:0 auto;padding:1rem}
.ma__footer{background:#535353;color:#fff;padding:1rem}.ma__footer a{color:#fff}
table{border-collapse:collapse}td,th{border:1px solid #707070;padding:.25rem}
.low{color:#c8c8c8}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem}
img{max-width:100%}
"""
SEAL = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">'
    '<circle cx="32" cy="32" r="30" fill="#14558f"/><circle cx="32" cy="32" r="20" fill="#fff"/>'
    "</svg>"
)


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def main_content(rng: random.Random, index: int, total: int) -> str:
    parts = []
    for section in range(rng.randint(3, 8)):
        parts.append(f"<h2>{escape(sentence(rng, 4)[:-1])}</h2>")
        for _ in range(rng.randint(2, 5)):
            parts.append(f"<p>{sentence(rng, rng.randint(8, 24))} {sentence(rng, 12)}</p>")
        kind = (index + section) % 4
        if kind == 0:
            items = "".join(f"<li>{sentence(rng, 6)}</li>" for _ in range(rng.randint(3, 12)))
            parts.append(f"<ul>{items}</ul>")
        elif kind == 1:
            rows = "".join(
                f'<tr><th scope="row">{rng.choice(WORDS)}</th><td>{rng.randint(1, 999)}</td>'
                f"<td>{sentence(rng, 5)}</td></tr>"
                for _ in range(rng.randint(3, 25))
            )
            parts.append(
                f'<table><caption>{sentence(rng, 4)}</caption><thead><tr><th scope="col">Item'
                f'</th><th scope="col">Fee</th><th scope="col">Notes</th></tr></thead>'
                f"<tbody>{rows}</tbody></table>"
            )
        elif kind == 2:
            field_id = f"f{index}-{section}"
            parts.append(
                f'<form><label for="{field_id}">Your {rng.choice(WORDS)}</label>'
                f'<input id="{field_id}" name="{field_id}" type="text">'
                '<button type="submit">Submit</button></form>'
            )
        else:
            parts.append(
                f"<details><summary>{sentence(rng, 5)}</summary><p>{sentence(rng, 30)}</p>"
                "</details>"
            )
    related = "".join(
        f'<li><a href="/page-{(index + k) % total:05d}/">{escape(TOPICS[(index + k) % len(TOPICS)].title())}'
        f" page {(index + k) % total}</a></li>"
        for k in range(1, 11)
    )
    parts.append(f"<h2>Related pages</h2><ul>{related}</ul>")
    if index % 7 == 3:
        parts.append(
            [
                '<img src="/assets/seal.svg">',
                '<input type="text" name="unlabeled">',
                '<p class="low">Low contrast notice for residents.</p>',
                '<a href="/page-00000/"></a>',
            ][(index // 7) % 4]
        )
    return "\n".join(parts)


def page(rng: random.Random, index: int, total: int) -> str:
    topic = TOPICS[index % len(TOPICS)]
    nav = "".join(
        f'<li><a href="/page-{k:05d}/">{escape(t.title())}</a></li>' for k, t in enumerate(TOPICS)
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(topic.title())} page {index} | Mass.gov benchmark</title>
<link rel="stylesheet" href="/assets/site.css"></head>
<body><a class="skip" href="#main-content">Skip to main content</a>
<header class="ma__header"><div class="ma__brand-banner">An official website of the Commonwealth of Massachusetts</div>
<img src="/assets/seal.svg" alt="Seal of Massachusetts" width="32" height="32">
<nav class="ma__nav" aria-label="Main"><ul>{nav}</ul></nav></header>
<nav class="ma__breadcrumbs" aria-label="Breadcrumbs"><ol><li><a href="/">Home</a></li><li>{escape(topic.title())}</li></ol></nav>
<main id="main-content"><h1>{escape(topic.title())}: page {index}</h1>
{main_content(rng, index, total)}
</main>
<footer class="ma__footer"><ul><li><a href="/page-00001/">Privacy Policy</a></li>
<li><a href="/page-00002/">Accessibility</a></li><li><a href="/page-00003/">Contact us</a></li></ul></footer>
</body></html>
"""


def write_corpus(out: Path, pages: int = 200, seed: int = 2026) -> list[str]:
    """Write the corpus into `out`; returns the URL paths of its pages."""
    rng = random.Random(seed)
    (out / "assets").mkdir(parents=True, exist_ok=True)
    (out / "assets" / "site.css").write_text(CSS)
    (out / "assets" / "seal.svg").write_text(SEAL)
    paths = []
    for index in range(pages):
        path = f"/page-{index:05d}/"
        (out / path.strip("/")).mkdir(parents=True, exist_ok=True)
        (out / path.strip("/") / "index.html").write_text(page(rng, index, pages))
        paths.append(path)
    links = "".join(f'<li><a href="{p}">Page {i}</a></li>' for i, p in enumerate(paths))
    (out / "index.html").write_text(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Benchmark corpus'
        f"</title></head><body><main><h1>Benchmark corpus</h1><ul>{links}</ul></main></body></html>"
    )
    (out / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    return paths


def sites_toml(base: str, pages: int) -> str:
    """A sites file with one site covering the corpus served at `base` (reached by links)."""
    netloc = base.split("//", 1)[1]
    return (
        '[[agency]]\nid = "bench"\nname = "Benchmark agency"\n\n'
        '[[site]]\nid = "bench"\nagency = "bench"\nname = "Benchmark corpus"\n'
        f'start_urls = ["{base}/page-00000/"]\nallowed_hosts = ["{netloc}"]\n'
        f'include = ["^/page-"]\nmax_pages = {pages}\nmax_depth = {pages}\n'
        f"max_per_pattern = {pages}\ndownload_delay = 0\nconcurrency_per_host = 8\n"
        "use_sitemaps = false\n"
    )


def massaudit_command(
    tmp: Path,
    *,
    db: Path,
    log: Path,
    checks: str = "all",
    concurrency: int | None = None,
    full: bool = True,
) -> list[str]:
    """`massaudit run` over the corpus whose sites file is tmp/sites.toml, with no progress
    display and the run log in `log`; `full` audits every page (no reuse of an earlier run)."""
    command = [
        sys.executable,
        "-m",
        "massaudit.cli",
        "run",
        "--sites",
        str(tmp / "sites.toml"),
        "--db",
        str(db),
        "--out",
        str(tmp / "out"),
        "--log",
        str(log),
        "--quiet",
        "--checks",
        checks,
    ]
    if concurrency is not None:
        command += ["--concurrency", str(concurrency)]
    return command + (["--full"] if full else [])


# What a hostile page does: reloads itself at once with no cache headers; runs an endless script
# after load; opens alert, confirm and prompt dialogs and asks before unloading; is larger than a
# site's max_page_bytes (10 MiB by default); waits 40 s for an image; gets its renderer killed
# (the server calls `on_crash` when the page's image is requested, so the page is in a renderer,
# and the page then keeps that renderer busy for 3 s).
HOSTILE_KINDS = ("reload", "endless_script", "dialogs", "huge", "slow", "crash")
HUGE_PAGE_BYTES = 12 * 1024 * 1024
SLOW_SECONDS = 40.0
_IMAGE = SEAL.encode()


def hostile_pages(pages: int, share: float) -> dict[str, str]:
    """URL path -> hostile kind for `share` of the corpus pages, spread evenly, kinds in turn
    (never the start page)."""
    count = min(pages - 1, round(pages * share))
    if count <= 0:
        return {}
    step = pages / count
    return {
        f"/page-{max(1, int(step * (n + 0.5))):05d}/": HOSTILE_KINDS[n % len(HOSTILE_KINDS)]
        for n in range(count)
    }


def hostile_html(kind: str, normal: str, path: str) -> bytes:
    """The corpus page `normal` (served at `path`) with the hostile part of `kind` added."""
    name = path.strip("/")
    head, body = "", ""
    if kind == "reload":
        head = '<meta http-equiv="refresh" content="0">'
    elif kind == "endless_script":
        head = '<script>addEventListener("load", () => setTimeout(() => { while (true) {} }, 0));</script>'
    elif kind == "dialogs":
        head = (
            '<script>addEventListener("beforeunload", (e) => { e.preventDefault(); '
            'e.returnValue = ""; }); alert("Service notice"); confirm("Continue?");'
            'addEventListener("load", () => { alert("Loaded"); prompt("Your name?"); });</script>'
        )
    elif kind == "huge":
        paragraph = f"<p>{' '.join(WORDS)} {' '.join(reversed(WORDS))} {' '.join(WORDS)}.</p>\n"
        body = paragraph * (HUGE_PAGE_BYTES // len(paragraph) + 1)
    elif kind == "slow":
        body = f'<img src="/hostile-slow/{name}.svg" alt="Slow image" width="32" height="32">'
    elif kind == "crash":
        # The page keeps its renderer busy for a while after asking for the image, so the
        # bench can tell which renderer to kill.
        body = (
            f'<img src="/hostile-crash/{name}.svg" alt="Crash image" width="32" height="32">'
            "<script>const until = Date.now() + 3000; while (Date.now() < until) {}</script>"
        )
    else:
        raise ValueError(f"unknown hostile kind {kind!r}")
    html = normal.replace("</head>", head + "</head>", 1).replace("</main>", body + "</main>", 1)
    return html.encode()


@contextmanager
def serve_corpus(
    root: Path, hostile: dict[str, str], on_crash: Callable[[str], None] = lambda path: None
) -> Iterator[str]:
    """Serve the corpus in `root` on 127.0.0.1 with the `hostile` pages (hostile_pages) made
    hostile; yield the base URL. Hostile pages are sent with no cache headers."""
    from massaudit.pipeline.static_server import StaticRequestHandler, _QuietServer

    stopping = threading.Event()

    class Handler(StaticRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path in hostile:
                normal = (root / path.strip("/") / "index.html").read_text()
                self._send(hostile_html(hostile[path], normal, path), "text/html; charset=utf-8")
            elif path.startswith("/hostile-slow/"):
                stopping.wait(SLOW_SECONDS)
                self._send(_IMAGE, "image/svg+xml")
            elif path.startswith("/hostile-crash/"):
                on_crash(path)
                self._send(_IMAGE, "image/svg+xml")
            else:
                super().do_GET()

        def _send(self, body: bytes, content_type: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = _QuietServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}"
    finally:
        stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args()
    paths = write_corpus(args.out, args.pages)
    print(f"{len(paths)} pages written to {args.out}")


if __name__ == "__main__":
    main()
