"""The progress display of a run on standard error."""

from __future__ import annotations

import sys
import time

from massaudit.pipeline.summary import RunSummary


class Progress:
    """One status line on a terminal; a line every 25 pages otherwise. Its counts are the run
    summary's: skipped URLs are those whose stored state is skipped, as in the final report,
    and `finish` shows them once more as the run ends (documents and link checks can end after
    the last page)."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.started = time.monotonic()
        self._summary: RunSummary | None = None

    def __call__(self, summary: RunSummary, url: str) -> None:
        self._summary = summary
        if self.tty:
            self._show(summary, url)
        elif (summary.pages_audited + summary.pages_reused) % 25 == 0:
            print(line(summary, url), file=sys.stderr)

    def finish(self) -> None:
        if self._summary is not None:
            if self.tty:
                self._show(self._summary, "done")
            else:
                print(line(self._summary, "done"), file=sys.stderr)
        if self.tty:
            sys.stderr.write("\n")

    def _show(self, summary: RunSummary, url: str) -> None:
        sys.stderr.write("\r\x1b[2K" + line(summary, url)[:150])
        sys.stderr.flush()


def line(summary: RunSummary, url: str) -> str:
    return (
        f"[{summary.discovered} found, {summary.pages_audited} audited, "
        f"{summary.pages_reused} reused, {sum(summary.skipped.values())} skipped, "
        f"{summary.pages_failed} errors, {summary.pages_per_minute:.0f}/min] {url}"
    )
