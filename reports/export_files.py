"""`massaudit export`: a run, or with `history` every complete run, as JSON (the run document of
reports/export.py, one per run), or as the tidy tables of reports/export_tables.py in a folder of
CSV or Parquet files (docs/export.md).

Runs are read one at a time and their rows written before the next is read, so a long history
needs the memory of one run. Files are written under a temporary name and renamed when complete:
an export that fails leaves the files of the previous export as they were."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from massaudit.reports.export import export_json
from massaudit.reports.export_tables import TABLES, Column, NameRows, Row, run_rows
from massaudit.reports.safe_output import SafeCsvWriter, dumps_json
from massaudit.reports.views import build_scorecard
from massaudit.rules.catalogue import Catalogue
from massaudit.store.db import Store
from massaudit.store.schema import RunRow

FORMATS = ("json", "csv", "parquet")
HISTORY_SCHEMA = "massaudit-export-history/1"
PARQUET_MISSING = (
    "--format parquet needs the pyarrow package: pip install 'massaudit[parquet]' "
    "(or use --format csv)"
)


class ExportError(ValueError):
    """An export that cannot be written as asked; the message is one line."""


def export_runs(store: Store, run: RunRow, history: bool, run_given: bool) -> list[RunRow]:
    """The runs to export: `run`, or with `history` every complete run, oldest first."""
    if not history:
        return [run]
    if run_given:
        raise ExportError("--run and --history: give one (--history exports every complete run)")
    runs = [r for r in store.runs() if r.status == "complete"]
    if not runs:
        raise ExportError("--history: no complete run in this database yet")
    return runs


def check_format(fmt: str, output: str | None) -> None:
    """Refuse an export that cannot be written, before any run is read."""
    if fmt not in FORMATS:
        raise ExportError(f"--format {fmt}: not a format; use one of {', '.join(FORMATS)}")
    if fmt != "json" and not output:
        raise ExportError(f"--format {fmt} writes one file per table: give --output FOLDER")
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ExportError(PARQUET_MISSING) from None


def write_json(
    store: Store, runs: list[RunRow], catalogue: Catalogue, history: bool, out: IO[str]
) -> None:
    """The run document of `runs[0]`; with `history`, {"schema", "runs": [documents]}."""
    documents = (export_json(build_scorecard(store, r, catalogue), catalogue) for r in runs)
    if not history:
        out.write(dumps_json(next(documents)) + "\n")
        return
    out.write(f'{{\n  "schema": "{HISTORY_SCHEMA}",\n  "runs": [')
    for n, document in enumerate(documents):
        text = "\n".join("    " + line for line in dumps_json(document).splitlines())
        out.write(("," if n else "") + "\n" + text)
    out.write("\n  ]\n}\n")


def write_json_file(
    store: Store, runs: list[RunRow], catalogue: Catalogue, history: bool, path: Path
) -> None:
    with replacing(path) as partial, partial.open("w", encoding="utf-8") as out:
        write_json(store, runs, catalogue, history, out)


def write_tables(
    store: Store, runs: list[RunRow], catalogue: Catalogue, fmt: str, folder: Path
) -> list[Path]:
    """Every table of `runs` as `<folder>/<table>.csv` (or `.parquet`); the paths written."""
    check_format(fmt, str(folder))
    folder.mkdir(parents=True, exist_ok=True)
    paths = {name: folder / f"{name}.{fmt}" for name in TABLES}
    with contextlib.ExitStack() as stack:
        sinks = {
            name: stack.enter_context(_sink(fmt, stack.enter_context(replacing(path)), name))
            for name, path in paths.items()
        }
        names = NameRows()
        for run in runs:
            scorecard = build_scorecard(store, run, catalogue)
            names.add(scorecard)
            for name, rows in run_rows(store, scorecard, catalogue).items():
                sinks[name].write(rows)
        for name, rows in names.rows().items():
            sinks[name].write(rows)
    return list(paths.values())


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` that becomes `path` when the block ends without error."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _sink(fmt: str, path: Path, table: str) -> Any:
    return (
        _ParquetTable(path, TABLES[table]) if fmt == "parquet" else _CsvTable(path, TABLES[table])
    )


class _CsvTable:
    """A table as UTF-8 CSV with a header row; crawled text cannot act as a formula
    (reports/safe_output.py); times in ISO 8601, booleans `true`/`false`, no value empty."""

    def __init__(self, path: Path, columns: tuple[Column, ...]) -> None:
        self._file = path.open("w", encoding="utf-8", newline="")
        self._writer = SafeCsvWriter(self._file)
        self._writer.writerow(c.name for c in columns)

    def write(self, rows: list[Row]) -> None:
        for row in rows:
            self._writer.writerow(_csv_value(value) for value in row)

    def __enter__(self) -> _CsvTable:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()


def _csv_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


class _ParquetTable:
    """A table as Parquet with the declared column types, a row group per `write`."""

    def __init__(self, path: Path, columns: tuple[Column, ...]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        types = {
            "int": pa.int64(),
            "float": pa.float64(),
            "bool": pa.bool_(),
            "text": pa.string(),
            "date": pa.date32(),
            "timestamp": pa.timestamp("us", tz="UTC"),
        }
        self._pa = pa
        self._schema = pa.schema([(c.name, types[c.type]) for c in columns])
        self._writer = pq.ParquetWriter(path, self._schema)

    def write(self, rows: list[Row]) -> None:
        if rows:
            columns = list(zip(*rows, strict=True))
            self._writer.write_table(self._pa.table(columns, schema=self._schema))

    def __enter__(self) -> _ParquetTable:
        return self

    def __exit__(self, *exc: object) -> None:
        self._writer.close()
