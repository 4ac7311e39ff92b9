"""A threaded static server on 127.0.0.1 that logs every request (path, status, User-Agent,
start, end) as JSON lines, and what its log tells: requests in flight at once, gaps between them.

A request's start is the kernel's receive timestamp of its first bytes (SO_TIMESTAMPNS, Linux),
so the server's own scheduling, tens of milliseconds late on a loaded machine, does not move it;
its end is when the answer was sent. The server closes each connection after its answer (HTTP/1.0).
Used by bench/politeness.py.
"""

from __future__ import annotations

import functools
import json
import socket
import struct
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from massaudit.pipeline.static_server import StaticRequestHandler, _QuietServer  # noqa: E402

SO_TIMESTAMPNS = 35  # Linux; Python's socket module does not name it


@dataclass(frozen=True)
class Hit:
    path: str
    status: int
    agent: str
    start: float  # the request's first bytes received by the kernel (time.monotonic)
    end: float  # the answer sent


def parse_log(text: str) -> list[Hit]:
    """The server's log (one JSON object a line) as hits, in order of their start."""
    hits = [Hit(**json.loads(line)) for line in text.splitlines() if line.strip()]
    return sorted(hits, key=lambda hit: hit.start)


def max_in_flight(hits: list[Hit]) -> int:
    """The largest number of hits whose [start, end] overlap; one ending as another starts is
    not an overlap."""
    events = sorted([(h.start, 1) for h in hits] + [(h.end, -1) for h in hits])
    flying = largest = 0
    for _, step in events:  # at equal times the end (-1) sorts first
        flying += step
        largest = max(largest, flying)
    return largest


def closest_pairs(hits: list[Hit], count: int = 3) -> list[dict[str, Any]]:
    """The `count` consecutive pairs of hits whose starts are closest: each hit's path, the gap,
    and how long after the first hit's end the second started (negative: overlapping)."""
    hits = sorted(hits, key=lambda h: h.start)
    pairs = sorted(zip(hits, hits[1:], strict=False), key=lambda p: p[1].start - p[0].start)
    return [
        {
            "first": a.path,
            "second": b.path,
            "gap_s": round(b.start - a.start, 4),
            "first_took_s": round(a.end - a.start, 4),
            "after_first_ended_s": round(b.start - a.end, 4),
        }
        for a, b in pairs[:count]
    ]


def smallest_gap(hits: list[Hit]) -> float | None:
    """The shortest time between the starts of two consecutive hits (None for fewer than two)."""
    starts = sorted(h.start for h in hits)
    return min((b - a for a, b in zip(starts, starts[1:], strict=False)), default=None)


def sent_at(connection: socket.socket) -> float:
    """When the kernel received the first bytes of the request on `connection` (time.monotonic),
    waiting for them; now if the kernel gave no timestamp (the client sent nothing)."""
    _, ancillary, _, _ = connection.recvmsg(1, socket.CMSG_SPACE(16), socket.MSG_PEEK)
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(data) >= 16:
            seconds, nanoseconds = struct.unpack("qq", data[:16])
            return seconds + nanoseconds / 1e9 - (time.time() - time.monotonic())
    return time.monotonic()


class LoggingServer(_QuietServer):
    """Its connections carry the kernel's receive timestamps; the handler appends each request
    to `log_path` (switched between runs)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.log_path: Path | None = None
        self.log_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def server_bind(self) -> None:
        self.socket.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)  # accepted sockets inherit it
        super().server_bind()

    def record(self, hit: Hit) -> None:
        with self.log_lock:
            if self.log_path is not None:
                with self.log_path.open("a") as log:
                    log.write(json.dumps(asdict(hit)) + "\n")


class LoggingHandler(StaticRequestHandler):
    """Serves the files under its directory and logs each request to its LoggingServer."""

    status = 0

    def answer_delay(self, path: str) -> float:
        """Seconds to wait before answering `path`."""
        return 0.0

    def cache_control(self, path: str) -> str | None:
        """The Cache-Control header of a 200 answer for `path`, if any."""
        return None

    def setup(self) -> None:
        self.started = sent_at(self.request)
        super().setup()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.status = int(code) if isinstance(code, int) else 0

    def end_headers(self) -> None:
        cache_control = self.cache_control(self.path)
        if cache_control and self.status == 200:
            self.send_header("Cache-Control", cache_control)
        super().end_headers()

    def do_GET(self) -> None:
        self._logged(super().do_GET)

    def do_HEAD(self) -> None:
        self._logged(super().do_HEAD)

    def _logged(self, answer: Any) -> None:
        time.sleep(self.answer_delay(self.path))
        try:
            answer()
        finally:
            agent = self.headers.get("User-Agent", "")
            self.server.record(Hit(self.path, self.status, agent, self.started, time.monotonic()))


@contextmanager
def serve_logged(
    root: Path, handler: type[LoggingHandler] = LoggingHandler
) -> Iterator[tuple[str, LoggingServer]]:
    """Serve `root` on 127.0.0.1 with `handler`, logging its requests; yield the base URL and the
    server (set its `log_path` to log)."""
    server = LoggingServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield "http://{}:{}".format(*server.server_address[:2]), server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
