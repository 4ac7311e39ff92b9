"""The run log: one JSON object per line for each event of a run (`--log`)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO


class LogWriteError(RuntimeError):
    """The run log cannot be written (e.g. a full disk): the run stops, incomplete."""


class RunLog:
    """A structured log of one run: one JSON object per line.

    A write that fails (a full disk, a file gone read-only) never raises into the crawl, where
    Scrapy would swallow it and stop following links: the first failure is kept in `failure`
    and `on_failure` is called with a LogWriteError, which stops the run as incomplete.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.failure: str | None = None
        self.on_failure: Callable[[BaseException], None] | None = None
        self._file: TextIO | None = None
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._file = path.open("a", encoding="utf-8")
            except OSError as exc:
                self._failed(exc)

    def event(self, event: str, **fields: Any) -> None:
        if self._file is None:
            return
        record = {"time": datetime.now(UTC).isoformat(timespec="milliseconds"), "event": event}
        try:
            self._file.write(json.dumps(record | fields, default=str) + "\n")
            self._file.flush()
        except (OSError, ValueError) as exc:
            self._failed(exc)

    def _failed(self, exc: Exception) -> None:
        if self.failure is not None:
            return
        reason = getattr(exc, "strerror", None) or str(exc)
        self.failure = f"cannot write the run log {self.path}: {reason}; the run stopped"
        self.close()
        if self.on_failure is not None:
            self.on_failure(LogWriteError(self.failure))

    def close(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            with contextlib.suppress(OSError):  # a failed flush is in `failure` already
                file.close()
