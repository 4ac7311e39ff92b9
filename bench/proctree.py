"""Resident memory and open files of a process and all its descendants (Python, Playwright
driver, Chromium)."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

from massaudit.pipeline.process_tree import tree_pids, tree_rss_bytes

__all__ = ["RssSampler", "tree_open_files", "tree_pids", "tree_pss_bytes", "tree_rss_bytes"]


def tree_pss_bytes(root_pid: int) -> int:
    """Sum of the tree's proportional set sizes: shared pages split between their sharers."""
    total = 0
    for pid in tree_pids(root_pid):
        with contextlib.suppress(OSError, IndexError, ValueError):
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
                    break
    return total


def tree_open_files(root_pid: int) -> int:
    """Entries of /proc/PID/fd summed over the tree: files, sockets and pipes held open."""
    total = 0
    for pid in tree_pids(root_pid):
        with contextlib.suppress(OSError):
            total += len(os.listdir(f"/proc/{pid}/fd"))
    return total


class RssSampler:
    """Samples the tree's RSS in a thread; `samples` holds (seconds since start, bytes), and
    `pss_samples` the same for PSS when asked for (reading it costs the kernel more), and
    `fd_samples` the tree's open file count when asked for."""

    def __init__(
        self, pid: int, interval: float = 0.25, pss: bool = False, fds: bool = False
    ) -> None:
        self.pid, self.interval, self.pss, self.fds = pid, interval, pss, fds
        self.samples: list[tuple[float, int]] = []
        self.pss_samples: list[tuple[float, int]] = []
        self.fd_samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._started = time.monotonic()

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            at = time.monotonic() - self._started
            self.samples.append((at, tree_rss_bytes(self.pid)))
            if self.pss:
                self.pss_samples.append((at, tree_pss_bytes(self.pid)))
            if self.fds:
                self.fd_samples.append((at, tree_open_files(self.pid)))
            self._stop.wait(self.interval)

    @property
    def peak(self) -> int:
        return max((rss for _, rss in self.samples), default=0)
