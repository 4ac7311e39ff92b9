"""The machine's CPU and the process tree's memory, read from /proc (pipeline/process_tree.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from massaudit.pipeline.process_tree import (
    CpuMeter,
    cpu_times,
    memory_total_bytes,
    tree_pids,
    tree_rss_bytes,
)

pytestmark = pytest.mark.skipif(not Path("/proc/stat").exists(), reason="needs Linux's /proc")


def test_the_tree_holds_a_child_and_its_memory_counts():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert child.pid in tree_pids(os.getpid())
        alone = tree_rss_bytes(child.pid)
        assert alone and tree_rss_bytes(os.getpid()) > alone
    finally:
        child.kill()
        child.wait()


def test_cpu_times_and_how_busy_the_cpus_were():
    busy, total = cpu_times()
    assert 0 <= busy <= total
    meter = CpuMeter()
    sum(range(3_000_000))  # some work between the readings
    share = meter.busy()
    assert share is None or 0.0 <= share <= 1.0
    assert memory_total_bytes() > 0
