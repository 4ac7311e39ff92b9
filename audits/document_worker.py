"""Document analysis in a child process with CPU time, memory and wall-clock budgets.

A linked PDF or Word file is hostile input for C libraries (qpdf, libxml2): a few kilobytes can
ask for minutes of CPU or gigabytes of memory. `document_facts` (audits/document_facts.py)
therefore runs in a worker process (`python -m massaudit.audits.document_worker`, a fresh
interpreter: no browser or reactor threads, none of the run's memory) limited by RLIMIT_AS, by
RLIMIT_CPU per document, and killed when a document exceeds its wall-clock budget. The worker is
reused while it stays healthy; after a limit or a crash the next document gets a new one.

What exceeds a budget is a fact with `error` naming it ("limit: cpu time", "limit: memory",
"limit: time"), which the document checks treat as unreadable. The worker answers in JSON, so
nothing it sends can run code in the crawler.

Protocol on the worker's stdin/stdout: a request is a header (CPU seconds, length of the kind,
length of the body) then the kind and the body; an answer is a length then the facts as JSON.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import math
import os
import resource
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

LIMIT_CPU = "limit: cpu time"
LIMIT_MEMORY = "limit: memory"
LIMIT_TIME = "limit: time"
_REQUEST = struct.Struct("!IIQ")  # cpu seconds, kind length, body length
_ANSWER = struct.Struct("!I")
_MAX_ANSWER = 64 * 1024 * 1024


@dataclass(frozen=True)
class DocumentBudget:
    cpu_seconds: int = 30
    memory_bytes: int = 1024 * 1024 * 1024
    wall_seconds: float = 90.0  # the CPU budget plus room on a machine busy with the browser


DEFAULT_BUDGET = DocumentBudget()
# One analysis at a time: the worker may use up to its memory budget next to the browser.
_ANALYSERS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="massaudit-document")


async def analyse_document(
    kind: str, body: bytes, budget: DocumentBudget = DEFAULT_BUDGET
) -> dict[str, Any]:
    """Facts of one document from the budgeted worker; the event loop only waits."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_ANALYSERS, document_facts_limited, kind, body, budget)


def document_facts_limited(
    kind: str, body: bytes, budget: DocumentBudget = DEFAULT_BUDGET
) -> dict[str, Any]:
    """Blocking: the facts of one document from a worker process under `budget`; never raises."""
    with _lock:
        return _worker(budget).analyse(kind, body, budget)


class _Worker:
    def __init__(self, budget: DocumentBudget) -> None:
        self.memory_bytes = budget.memory_bytes
        self.process = subprocess.Popen(
            [sys.executable, "-m", "massaudit.audits.document_worker", str(budget.memory_bytes)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )

    @property
    def healthy(self) -> bool:
        return self.process.poll() is None

    def analyse(self, kind: str, body: bytes, budget: DocumentBudget) -> dict[str, Any]:
        deadline = time.monotonic() + budget.wall_seconds
        encoded = kind.encode()
        try:
            stdin = self.process.stdin
            assert stdin is not None
            stdin.write(_REQUEST.pack(budget.cpu_seconds, len(encoded), len(body)))
            stdin.write(encoded)
            stdin.write(body)
            stdin.flush()
            fd = self.process.stdout.fileno()  # type: ignore[union-attr]
            (size,) = _ANSWER.unpack(_read_exactly(fd, _ANSWER.size, deadline))
            if size > _MAX_ANSWER:
                raise EOFError
            facts = json.loads(_read_exactly(fd, size, deadline))
        except TimeoutError:
            self.stop()
            return {"kind": kind, "error": LIMIT_TIME}
        except (EOFError, OSError, ValueError):
            return {"kind": kind, "error": self._death()}
        if str(facts.get("error") or "").startswith("limit:"):
            self.stop()  # a fresh worker after a limit: no fragmented heap, no half state
        return facts

    def _death(self) -> str:
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.stop()
            code = self.process.returncode
        if code == -signal.SIGXCPU:  # the soft CPU limit's signal, whose default is to end
            return LIMIT_CPU
        if code is not None and code < 0:
            return f"analysis crashed ({signal.Signals(-code).name})"
        return f"analysis crashed (exit status {code})"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


def _read_exactly(fd: int, size: int, deadline: float) -> bytes:
    data = bytearray()
    poller = select.poll()  # not select.select: a long run may hold more than 1024 descriptors
    poller.register(fd, select.POLLIN)
    while len(data) < size:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not poller.poll(remaining * 1000):
            raise TimeoutError
        chunk = os.read(fd, min(size - len(data), 1024 * 1024))
        if not chunk:
            raise EOFError
        data += chunk
    return bytes(data)


_lock = threading.Lock()
_current: _Worker | None = None


def _stop_worker() -> None:
    with _lock:
        if _current is not None:
            _current.stop()


atexit.register(_stop_worker)


def _worker(budget: DocumentBudget) -> _Worker:
    global _current
    if _current is not None and (
        not _current.healthy or _current.memory_bytes != budget.memory_bytes
    ):
        _current.stop()
        _current = None
    if _current is None:
        _current = _Worker(budget)
    return _current


# The worker process.


def _serve(memory_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    from massaudit.audits.document_facts import document_facts

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        header = stdin.read(_REQUEST.size)
        if len(header) < _REQUEST.size:
            return  # the crawler closed the pipe: done
        cpu_seconds, kind_length, body_length = _REQUEST.unpack(header)
        kind = stdin.read(kind_length).decode()
        body = stdin.read(body_length)
        # CPU time is counted per process: allow this document `cpu_seconds` more than so far.
        usage = resource.getrusage(resource.RUSAGE_SELF)
        soft = math.ceil(usage.ru_utime + usage.ru_stime) + cpu_seconds
        hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
        try:
            facts = document_facts(kind, body)
        except MemoryError:
            facts = {"kind": kind, "error": LIMIT_MEMORY}
        del body
        answer = json.dumps(facts).encode()
        stdout.write(_ANSWER.pack(len(answer)) + answer)
        stdout.flush()


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
