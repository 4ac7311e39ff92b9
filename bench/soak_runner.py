"""Running `massaudit run` under the soak bench: in a session of its own, its process tree
sampled (RSS, open files), killed with kill -9 at a page or past its time limit; and the
renderer killer the corpus server calls for a crash page."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

from proctree import RssSampler, tree_pids

REPO = Path(__file__).resolve().parent.parent


class RendererKiller:
    """Called by the corpus server when a crash page's image is requested: SIGKILLs the Chromium
    renderer process of the run being measured (`root_pid`) that is busiest over the next half
    second (the crash page spins; the newest renderer is often Chromium's idle spare)."""

    def __init__(self) -> None:
        self.root_pid: int | None = None
        self.kills = 0
        self.misses = 0
        self._lock = threading.Lock()

    def __call__(self, path: str) -> None:
        with self._lock:
            before = self._renderer_cpu()
            time.sleep(0.5)
            after = self._renderer_cpu()
            busy = [(after[pid] - cpu, pid) for pid, cpu in before.items() if pid in after]
            if not busy:
                self.misses += 1
                return
            with contextlib.suppress(ProcessLookupError):
                os.kill(max(busy)[1], signal.SIGKILL)
                self.kills += 1

    def _renderer_cpu(self) -> dict[int, int]:
        """pid -> CPU ticks used, for the renderer processes of the run's tree."""
        cpu = {}
        for pid in tree_pids(self.root_pid) if self.root_pid else []:
            with contextlib.suppress(OSError, IndexError, ValueError):
                if b"--type=renderer" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    cpu[pid] = int(fields[11]) + int(fields[12])
        return cpu


@dataclasses.dataclass
class RunResult:
    exit_code: int | None  # None: killed by the bench
    finished: bool  # exited by itself within its time limit
    timed_out: bool
    seconds: float
    started: float  # epoch seconds
    samples: list[tuple[float, int]]  # (epoch seconds, RSS bytes of the tree)
    fd_samples: list[tuple[float, int]]  # (epoch seconds, open files of the tree)
    stderr_tail: str


def kill_tree(pid: int) -> None:
    """kill -9 the run's process group and every process of its tree (Chromium may sit in a
    process group of its own)."""
    pids = tree_pids(pid)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    for child in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(child, signal.SIGKILL)


def pages_done(log: Path, offset: int, count: int) -> tuple[int, int]:
    """Count of "page audited" events in `log` read on from `offset`: (new offset, new count)."""
    with contextlib.suppress(FileNotFoundError), log.open("rb") as file:
        file.seek(offset)
        data = file.read()
        complete = data[: data.rfind(b"\n") + 1]
        offset += len(complete)
        count += complete.count(b'"event": "page audited"')
    return offset, count


def run_massaudit(
    command: list[str],
    *,
    log: Path,
    limit_s: float,
    killer: RendererKiller,
    kill_at_page: int | None = None,
) -> RunResult:
    """Run `command` in a session of its own, sampling its tree; kill it at `kill_at_page` pages
    audited (by the log) or when it runs over `limit_s`."""
    started = time.time()
    stderr_path = log.with_suffix(".stderr")
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            command,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
    killer.root_pid = process.pid
    timed_out = killed = False
    offset = count = 0
    with RssSampler(process.pid, fds=True) as sampler:
        while process.poll() is None:
            time.sleep(0.2)
            if kill_at_page is not None:
                offset, count = pages_done(log, offset, count)
                if count >= kill_at_page:
                    kill_tree(process.pid)
                    killed = True
            if time.time() - started > limit_s:
                kill_tree(process.pid)
                timed_out = killed = True
        process.wait()
    kill_tree(process.pid)  # nothing of a finished run may outlive it
    killer.root_pid = None
    seconds = time.time() - started
    return RunResult(
        exit_code=None if killed else process.returncode,
        finished=not killed,
        timed_out=timed_out,
        seconds=round(seconds, 1),
        started=started,
        samples=[(started + t, v) for t, v in sampler.samples],
        fd_samples=[(started + t, v) for t, v in sampler.fd_samples],
        stderr_tail=stderr_path.read_text(errors="replace")[-600:].strip(),
    )
