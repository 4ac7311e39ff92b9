"""What the machine and the run's own processes use, read from /proc (Linux; elsewhere nothing
is known and the readers say so): the resident memory of a process and all its descendants
(Python, Playwright's driver, every Chromium process) and how busy the CPUs are."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

_PROC = Path("/proc")


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        with contextlib.suppress(IndexError, ValueError):
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    return children


def tree_pids(root_pid: int) -> list[int]:
    """`root_pid` and every process below it."""
    if not _PROC.is_dir():
        return [root_pid]
    children = _children_map()
    pids, stack = [], [root_pid]
    while stack:
        pid = stack.pop()
        pids.append(pid)
        stack.extend(children.get(pid, []))
    return pids


def tree_rss_bytes(root_pid: int) -> int | None:
    """Sum of the tree's resident set sizes (memory shared between processes counts in each);
    None where /proc cannot tell."""
    if not _PROC.is_dir():
        return None
    total, page = 0, os.sysconf("SC_PAGE_SIZE")
    for pid in tree_pids(root_pid):
        with contextlib.suppress(OSError, IndexError, ValueError):
            total += int((_PROC / str(pid) / "statm").read_text().split()[1]) * page
    return total


def memory_total_bytes() -> int | None:
    """The machine's memory (MemTotal), or None where /proc cannot tell."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in (_PROC / "meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    return None


def cpu_times() -> tuple[int, int] | None:
    """(busy, total) clock ticks of all CPUs since boot (idle and I/O wait are not busy), or
    None where /proc cannot tell."""
    try:
        first = (_PROC / "stat").read_text().splitlines()[0].split()
        ticks = [int(value) for value in first[1:9]]  # user nice system idle iowait irq ...
    except (OSError, IndexError, ValueError):
        return None
    idle = ticks[3] + ticks[4]
    return sum(ticks) - idle, sum(ticks)


class CpuMeter:
    """How busy the machine's CPUs were (0 to 1) since the last reading."""

    def __init__(self) -> None:
        self._last = cpu_times()

    def busy(self) -> float | None:
        now = cpu_times()
        last, self._last = self._last, now
        if now is None or last is None or now[1] <= last[1]:
            return None
        return (now[0] - last[0]) / (now[1] - last[1])
