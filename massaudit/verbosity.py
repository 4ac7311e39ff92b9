"""Where massaudit's messages go: logging on standard error, at the level `-q`, `-v` or `--debug`
chose, so that standard output carries only results (`run --json` prints nothing else)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from massaudit.config import mask

LOGGER = "massaudit"


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        ours = record.name == LOGGER or record.name.startswith(LOGGER + ".")
        return f"{LOGGER if ours else record.name}: {mask(record.getMessage())}"


@contextmanager
def logging_to_stderr(quiet: bool, verbose: bool, debug: bool) -> Iterator[None]:
    """massaudit's messages at INFO (-q: warnings and errors only; -v: DEBUG too), other
    libraries' at WARNING; --debug: everything. The louder wins when several are given."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    root, ours = logging.getLogger(), logging.getLogger(LOGGER)
    saved = root.level, ours.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    if verbose or debug:
        ours.setLevel(logging.DEBUG)
    else:
        ours.setLevel(logging.WARNING if quiet else logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(saved[0])
        ours.setLevel(saved[1])
