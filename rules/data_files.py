"""Reading the data files in rules/data/ (catalogue, scoring dimensions, ADA Title II date).

Every problem is a `CatalogueError` whose message is one line naming the file and what is wrong.
Only the standard library is imported here; the files are read, never fetched.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent / "data"


class CatalogueError(ValueError):
    """The rule catalogue's data is inconsistent. The message is one line."""


def data_label(directory: Path, name: str) -> str:
    """How messages name a data file: `rules/data/<name>` for the shipped files."""
    if directory == DATA_DIR:
        return f"rules/data/{name}"
    return str(directory / name)


def read_data(directory: Path, name: str) -> bytes:
    try:
        return (directory / name).read_bytes()
    except OSError as exc:
        raise CatalogueError(
            f"{data_label(directory, name)}: cannot read ({exc.strerror})"
        ) from None


def parse_toml(data: bytes, label: str) -> dict[str, Any]:
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueError(f"{label}: not valid TOML ({exc})") from None


def load_toml(name: str, data_dir: Path | None = None) -> tuple[dict[str, Any], str]:
    """(content, label) of the TOML data file `name` in `data_dir` (default rules/data/)."""
    directory = Path(data_dir) if data_dir is not None else DATA_DIR
    label = data_label(directory, name)
    return parse_toml(read_data(directory, name), label), label


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
