"""`massaudit db upgrade`, and a mistyped --db: only `massaudit run` makes a database; every
other command refuses a database that is not there in one line (exit 2) and makes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, text
from store_fixture import dump_path, load_dump

from massaudit.cli import main
from massaudit.store.db import Store
from massaudit.store.schema import SCHEMA_VERSION

EXIT_USAGE = 2
READERS = [
    ["report", "--out", "{tmp}/report"],
    ["export", "--output", "{tmp}/export.json"],
    ["rejudge"],
    ["run", "--resume", "--out", "{tmp}/report"],
    ["run", "--resume", "3", "--out", "{tmp}/report"],
    ["db", "upgrade"],
]


def run_main(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def command(words: list[str], tmp_path, db: str) -> list[str]:
    return [word.format(tmp=tmp_path) for word in words] + ["--db", db]


@pytest.mark.parametrize("words", READERS, ids=lambda words: " ".join(words[:3]))
def test_a_missing_sqlite_database_is_refused_and_nothing_is_made(capsys, tmp_path, words):
    missing = tmp_path / "typo" / "audit.sqlite"
    code, _, err = run_main(capsys, *command(words, tmp_path, str(missing)))
    assert code == EXIT_USAGE
    assert err.count("\n") == 1 and err.startswith(f"massaudit: --db {missing}: "), err
    assert "`massaudit run`" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.postgres
@pytest.mark.parametrize("words", READERS, ids=lambda words: " ".join(words[:3]))
def test_an_empty_postgres_database_is_refused_and_left_empty(
    capsys, tmp_path, postgres_url, words
):
    code, _, err = run_main(capsys, *command(words, tmp_path, postgres_url))
    assert code == EXIT_USAGE
    assert err.count("\n") == 1, err
    assert "no massaudit store here (check --db; `massaudit run` creates one)" in err
    engine = create_engine(postgres_url)
    assert inspect(engine).get_table_names() == []
    engine.dispose()


def test_a_store_without_runs_says_so_in_plain_words(capsys, tmp_path):
    db = str(tmp_path / "audit.sqlite")
    Store(db).close()
    code, _, err = run_main(capsys, "report", "--db", db, "--out", str(tmp_path / "report"))
    assert code == EXIT_USAGE
    assert err == f"massaudit: --db {db}: no run in this database; run `massaudit run` first\n"


def test_db_upgrade_upgrades_an_older_store_once(capsys, tmp_path):
    db = tmp_path / "audit.sqlite"
    load_dump(dump_path(4, "sqlite").read_text(encoding="utf-8"), str(db))
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE massaudit_meta SET value = '3'"))
    engine.dispose()

    code, out, err = run_main(capsys, "db", "upgrade", "--db", str(db))
    assert (code, err) == (0, "")
    assert out == f"sqlite:///{db}: upgraded the store from schema 3 to {SCHEMA_VERSION}\n"
    code, out, _ = run_main(capsys, "db", "upgrade", "--db", str(db))
    assert code == 0
    assert out == f"sqlite:///{db}: store schema {SCHEMA_VERSION}, the newest; nothing to upgrade\n"
