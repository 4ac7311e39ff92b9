"""Command-line input checked before any work starts: number ranges (argparse types) and the
places a command reads from or writes to. Each problem is one line naming the flag."""

from __future__ import annotations

import argparse
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

PAGE_TIMEOUT_RANGE = (1.0, 300.0)
CONCURRENCY_RANGE = (1, 32)


class PathProblem(ValueError):
    """A path argument that cannot work; the message is one line naming the flag."""


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}, got {value}")
        return value

    return parse


def bounded_float(low: float, high: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not (math.isfinite(value) and low <= value <= high):
            raise argparse.ArgumentTypeError(
                f"must be a finite number from {low:g} to {high:g}, got {text}"
            )
        return value

    return parse


page_timeout = bounded_float(*PAGE_TIMEOUT_RANGE)
concurrency = bounded_int(*CONCURRENCY_RANGE)
port_number = bounded_int(0, 65535)


def output_dir(flag: str, value: str | Path) -> Path:
    """A folder the command will write into: created now, and shown to be writable."""
    path = Path(value)
    if path.exists() and not path.is_dir():
        raise PathProblem(f"{flag} {value}: is a file, not a folder; give a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PathProblem(f"{flag} {value}: cannot create the folder ({_reason(exc)})") from None
    _probe(flag, value, path)
    return path


def output_file(flag: str, value: str | Path) -> Path:
    """A file the command will write: its folder is created and shown to be writable; the file
    itself is not created yet."""
    path = Path(value)
    if path.is_dir():
        raise PathProblem(f"{flag} {value}: is a folder; give a file name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PathProblem(f"{flag} {value}: cannot create its folder ({_reason(exc)})") from None
    _probe(flag, value, path.parent)
    if path.exists() and not os.access(path, os.W_OK):
        raise PathProblem(f"{flag} {value}: the file is not writable; choose another file")
    return path


def input_file(flag: str, value: str | Path) -> Path:
    path = Path(value)
    if not path.exists():
        raise PathProblem(f"{flag} {value}: no such file")
    if not path.is_file():
        raise PathProblem(f"{flag} {value}: not a file")
    if not os.access(path, os.R_OK):
        raise PathProblem(f"{flag} {value}: the file is not readable")
    return path


def database(flag: str, value: str, must_exist: bool = False) -> None:
    """An SQLite database's file: its folder writable (a new database is created there), or,
    with `must_exist`, the file present. Other databases are checked when they are opened."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from massaudit.store.db import database_url

    try:
        url = make_url(database_url(value))
    except ArgumentError:
        return  # the store says what is wrong with the URL
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return
    path = Path(url.database)
    if path.is_dir():
        raise PathProblem(f"{flag} {value}: is a folder; give a database file")
    if must_exist and not path.exists():
        raise PathProblem(
            f"{flag} {value}: no such database file; give the --db of an earlier `massaudit run`"
        )
    if not path.exists():
        output_file(flag, path)


def _probe(flag: str, value: str | Path, folder: Path) -> None:
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".massaudit-probe-"):
            pass
    except OSError as exc:
        raise PathProblem(
            f"{flag} {value}: cannot write there ({_reason(exc)}); choose a writable place"
        ) from None


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__
