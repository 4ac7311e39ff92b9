"""The progress display of a run on standard error."""

from __future__ import annotations

import sys
import time

from massaudit.pipeline.summary import RunSummary


class Progress:
    """One status line on a terminal; a line every 25 pages otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.started = time.monotonic()

    def __call__(self, summary: RunSummary, url: str) -> None:
        line = (
            f"[{summary.discovered} found, {summary.pages_audited} audited, "
            f"{summary.pages_reused} reused, {sum(summary.skipped.values())} skipped, "
            f"{summary.pages_failed} errors, {summary.pages_per_minute:.0f}/min] {url}"
        )
        if self.tty:
            sys.stderr.write("\r\x1b[2K" + line[:150])
            sys.stderr.flush()
        elif (summary.pages_audited + summary.pages_reused) % 25 == 0:
            print(line, file=sys.stderr)

    def finish(self) -> None:
        if self.tty:
            sys.stderr.write("\n")
