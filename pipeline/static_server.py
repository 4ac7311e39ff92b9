"""A quiet static file server on 127.0.0.1: the demo site, local files for `massaudit check`, the
benchmark corpora and test sites."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

_ERROR_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%(code)d %(message)s</title>
</head>
<body>
<main id="main-content">
<h1>%(message)s</h1>
<p>%(explain)s</p>
<p><a href="/">Go to the home page</a></p>
</main>
</body>
</html>
"""


class StaticRequestHandler(SimpleHTTPRequestHandler):
    """Serves files under `directory`; `/x/` is `/x/index.html`, `/x` redirects to `/x/`.

    Differences from the standard handler: no request logging, no directory listings (a
    directory without index.html is a 404), and error pages are small, valid HTML documents.
    """

    error_message_format = _ERROR_PAGE
    error_content_type = "text/html; charset=utf-8"
    extensions_map: ClassVar[dict[str, str]] = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".html": "text/html; charset=utf-8",
        ".css": "text/css; charset=utf-8",
        ".js": "text/javascript; charset=utf-8",
        ".svg": "image/svg+xml",
        ".txt": "text/plain; charset=utf-8",
    }

    def log_message(self, format: str, *args: object) -> None:
        pass

    def list_directory(self, path: str | Path):  # type: ignore[override]
        self.send_error(HTTPStatus.NOT_FOUND, "Page not found")
        return None

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if code == HTTPStatus.NOT_FOUND:
            message = "Page not found"
            # The base class escapes both strings before putting them in the page.
            explain = explain or f"There is no page at {self.path.split('?', 1)[0]} on this site."
        super().send_error(code, message, explain)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # type: ignore[override]
        # Clients (crawlers, browsers) hang up mid-response all the time; that is not news.
        pass


@contextmanager
def serve_directory(root: Path, port: int = 0) -> Iterator[str]:
    """Serve `root` on 127.0.0.1 (port 0 picks a free port); yield the base URL, no trailing slash.

    The server runs in a background thread and is shut down, closed and joined on exit.
    """
    root = Path(root)
    if not root.is_dir():
        raise NotADirectoryError(f"{root} is not a directory")
    handler = functools.partial(StaticRequestHandler, directory=str(root))
    server = _QuietServer(("127.0.0.1", port), handler)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name=f"massaudit-demo-server-{server.server_address[1]}",
        daemon=True,
    )
    thread.start()
    try:
        host, bound_port = server.server_address[:2]
        yield f"http://{host}:{bound_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
