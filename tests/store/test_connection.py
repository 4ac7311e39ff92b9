"""Opening a store: only a command that may create one (`massaudit run`) makes a database; the
others refuse a mistyped --db in one line and leave nothing behind."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect

from massaudit.store.db import Store, StoreError


def test_a_missing_sqlite_file_is_refused_and_not_created(tmp_path):
    missing = tmp_path / "typo" / "audit.sqlite"
    with pytest.raises(StoreError) as excinfo:
        Store(str(missing), create=False)
    message = str(excinfo.value)
    assert message == (f"no database at {missing} (check --db; `massaudit run` creates one)"), (
        message
    )
    assert not missing.parent.exists()


def test_a_file_that_is_not_yet_a_store_is_refused(tmp_path):
    empty = tmp_path / "empty.sqlite"
    empty.touch()
    with pytest.raises(StoreError, match="no massaudit store here"):
        Store(str(empty), create=False)
    engine = create_engine(f"sqlite:///{empty}")
    assert inspect(engine).get_table_names() == []
    engine.dispose()


def test_an_existing_store_opens_without_create(tmp_path):
    db = str(tmp_path / "audit.sqlite")
    Store(db).close()
    store = Store(db, create=False)
    assert store.latest_run() is None
    store.close()


@pytest.mark.postgres
def test_an_empty_postgres_database_is_refused_and_left_empty(postgres_url):
    with pytest.raises(StoreError) as excinfo:
        Store(postgres_url, create=False)
    assert "no massaudit store here (check --db" in str(excinfo.value)
    engine = create_engine(postgres_url)
    assert inspect(engine).get_table_names() == []
    engine.dispose()


def test_foreign_keys_are_on_again_once_the_schema_is_prepared(tmp_path):
    """Migrations run with SQLite's foreign keys off (docs/store.md); the store's own
    connections have them on, so deleting a page deletes its findings and links."""
    store = Store(str(tmp_path / "audit.sqlite"))
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    store.close()
