"""Store migrations: a store written before migrations keeps every row when it is adopted or
upgraded, on SQLite and PostgreSQL, and the migrated tables are exactly store/schema.py's (the
guard that fails when the tables change without a migration)."""

from __future__ import annotations

import shutil
import tomllib

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from at_once import at_once
from integration_helpers import massaudit
from repo_paths import REPO
from sqlalchemy import Engine, create_engine, func, inspect, select, text
from store_fixture import dump_path, load_dump

from massaudit.store import migrate
from massaudit.store.db import Store, StoreError
from massaudit.store.migrate import MIGRATIONS, SchemaChange, revision_id, scripts
from massaudit.store.schema import SCHEMA_VERSION, Base, PageRow

# What a PostgreSQL store of schema 3 had where schema 4 has BIGINT and TEXT (and sizes that
# INTEGER holds).
SCHEMA_3_COLUMNS = (
    "UPDATE url_states SET size = 1000 WHERE size IS NOT NULL",
    "UPDATE documents SET size = 1000",
    "ALTER TABLE url_states ALTER COLUMN size TYPE INTEGER",
    "ALTER TABLE documents ALTER COLUMN size TYPE INTEGER",
    "ALTER TABLE pages ALTER COLUMN last_modified TYPE VARCHAR(64)",
    "ALTER TABLE documents ALTER COLUMN last_modified TYPE VARCHAR(64)",
)


@pytest.fixture(params=["sqlite", "postgresql"])
def schema_4_store(request, tmp_path) -> str:
    """The URL of a store written by massaudit at schema 4, before migrations existed."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'audit.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_url")
    load_dump(dump_path(4, request.param).read_text(encoding="utf-8"), url)
    return url


def execute(url: str, *statements: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


def make_schema_3(url: str) -> None:
    """The schema-4 fixture as massaudit's schema 3 had it."""
    columns = SCHEMA_3_COLUMNS if url.startswith("postgresql") else ()
    execute(url, *columns, "UPDATE massaudit_meta SET value = '3'")


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table of the store's tables the database has (an older schema has fewer)."""
    present = set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        return {
            table.name: conn.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
            if table.name in present
        }


def kept(before: dict[str, int], engine: Engine) -> bool:
    """Every table counted before still has its rows; tables a migration added start empty."""
    after = row_counts(engine)
    return {name: after[name] for name in before} == before and not any(
        after[name] for name in after.keys() - before.keys()
    )


def revisions_after(schema: int) -> tuple[str, ...]:
    return tuple(revision_id(n) for n in range(schema + 1, SCHEMA_VERSION + 1))


def schema_differences(engine: Engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_the_migrations_have_one_head_and_it_is_the_schema_version():
    assert scripts().get_heads() == [revision_id(SCHEMA_VERSION)]
    ids = [script.revision for script in scripts().walk_revisions()]
    assert all(len(rev) == 4 and rev.isdigit() for rev in ids), ids


def test_every_migration_file_ships_in_the_wheel():
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]
    store = MIGRATIONS.parent
    shipped = {
        path for glob in setuptools["package-data"]["massaudit.store"] for path in store.glob(glob)
    }
    files = {
        path for path in MIGRATIONS.rglob("*") if path.is_file() and "__pycache__" not in path.parts
    }
    assert MIGRATIONS / "env.py" in files
    assert sorted(str(path.relative_to(store)) for path in files - shipped) == []


def test_a_store_made_before_migrations_is_adopted_with_every_row(schema_4_store, tmp_path):
    engine = create_engine(schema_4_store)
    before = row_counts(engine)
    assert before["runs"] == 2 and all(before.values()), before
    assert revision(engine) is None

    store = Store(schema_4_store, create=False)
    store.close()
    # stamped at schema 4, then upgraded by the revisions after it
    assert store.schema_change == SchemaChange(4, SCHEMA_VERSION)
    assert revision(engine) == revision_id(SCHEMA_VERSION)
    assert kept(before, engine)
    assert schema_differences(engine) == []
    engine.dispose()

    result = massaudit("report", "--db", schema_4_store, "--out", str(tmp_path / "report"))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert (tmp_path / "report" / "index.html").is_file()


def test_a_store_of_schema_3_is_upgraded_when_a_command_opens_it(schema_4_store, tmp_path):
    make_schema_3(schema_4_store)
    engine = create_engine(schema_4_store)
    before = row_counts(engine)

    result = massaudit("report", "--db", schema_4_store, "--out", str(tmp_path / "report"))
    assert result.returncode == 0, result.stderr
    assert result.stderr == f"massaudit: upgraded the store from schema 3 to {SCHEMA_VERSION}\n"
    assert kept(before, engine)
    assert schema_differences(engine) == []
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT value FROM massaudit_meta")) == str(SCHEMA_VERSION)
    engine.dispose()

    store = Store(schema_4_store, create=False)
    assert store.schema_change is None
    store.save_page(
        1,
        site_id="parks-site",
        agency_id="parks",
        depth=0,
        artifacts=store.artifacts_of(1),
        judgement=_no_findings(),
        last_modified="x" * 100,  # VARCHAR(64) in schema 3
    )
    assert max(len(p.last_modified or "") for p in store.pages(1)) == 100
    store.close()


def _no_findings():
    from massaudit.rules.judge import PageJudgement

    return PageJudgement([], {}, {})


def test_a_new_store_is_created_at_the_head(tmp_path):
    store = Store(str(tmp_path / "new.sqlite"))
    assert store.schema_change is None
    assert revision(store.engine) == revision_id(SCHEMA_VERSION)
    assert schema_differences(store.engine) == []
    store.close()


@pytest.mark.postgres
def test_a_new_postgres_store_is_created_at_the_head(postgres_url):
    store = Store(postgres_url)
    assert revision(store.engine) == revision_id(SCHEMA_VERSION)
    assert schema_differences(store.engine) == []
    store.close()


def test_the_guard_sees_a_column_that_has_no_migration(tmp_path):
    store = Store(str(tmp_path / "new.sqlite"))
    with store.engine.begin() as conn:
        conn.execute(text("ALTER TABLE pages DROP COLUMN content_hash"))
    differences = schema_differences(store.engine)
    store.close()
    assert [d[0] for d in differences] == ["add_column"]
    assert differences[0][3] is PageRow.__table__.c.content_hash


def test_a_newer_store_is_refused_in_one_line(tmp_path):
    url = f"sqlite:///{tmp_path / 'audit.sqlite'}"
    Store(url).close()
    execute(
        url,
        "UPDATE alembic_version SET version_num = '0099'",
        "UPDATE massaudit_meta SET value = '99'",
    )
    with pytest.raises(StoreError) as excinfo:
        Store(url)
    assert f"schema 99, newer than this massaudit's {SCHEMA_VERSION}" in str(excinfo.value)
    assert "\n" not in str(excinfo.value)


def test_a_store_older_than_the_first_migration_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'audit.sqlite'}"
    Store(url).close()
    execute(url, "DROP TABLE alembic_version", "UPDATE massaudit_meta SET value = '2'")
    with pytest.raises(StoreError, match="schema 2, which this massaudit cannot upgrade"):
        Store(url)


@pytest.mark.postgres
def test_concurrent_openers_upgrade_a_postgres_store_once(postgres_url):
    load_dump(dump_path(4, "postgresql").read_text(encoding="utf-8"), postgres_url)
    make_schema_3(postgres_url)

    def open_store() -> SchemaChange | None:
        store = Store(postgres_url, create=False)
        store.close()
        return store.schema_change

    changes, errors = at_once(4, open_store)
    assert errors == []
    assert sorted(changes, key=str) == [None, None, None, SchemaChange(3, SCHEMA_VERSION)]


@pytest.fixture
def migrations_copy(tmp_path, monkeypatch):
    """store/migrations copied to a scratch folder, which the store then migrates with."""
    migrations = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, migrations, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrate, "MIGRATIONS", migrations)
    scripts.cache_clear()
    yield migrations
    scripts.cache_clear()


def test_a_revision_made_as_docs_store_md_says_upgrades_a_store(migrations_copy, tmp_path):
    """The steps of docs/store.md: a revision from the template, after the head, rebuilding
    the runs table on SQLite (batch mode) without losing the rows that reference it."""
    next_id = revision_id(SCHEMA_VERSION + 1)
    command.revision(migrate.alembic_config(), "runs keep a label", rev_id=next_id)
    (written,) = (migrations_copy / "versions").glob(f"{next_id}_*.py")
    written.write_text(
        written.read_text(encoding="utf-8").replace(
            "    pass",
            '    with op.batch_alter_table("runs", recreate="always") as batch:\n'
            '        batch.add_column(sa.Column("label", sa.Text(), nullable=True))',
        ),
        encoding="utf-8",
    )
    assert scripts().get_heads() == [next_id]
    url = f"sqlite:///{tmp_path / 'audit.sqlite'}"
    load_dump(dump_path(4, "sqlite").read_text(encoding="utf-8"), url)
    engine = create_engine(url)
    before = row_counts(engine)

    store = Store(url, create=False)
    store.close()
    assert store.schema_change == SchemaChange(4, SCHEMA_VERSION + 1)
    assert kept(before, engine)
    assert "label" in [column["name"] for column in inspect(engine).get_columns("runs")]
    assert revision(engine) == next_id
    engine.dispose()


def test_schema_state_reads_a_store_without_changing_it(schema_4_store):
    """What `massaudit doctor` reports: the stored schema and the migrations pending."""
    engine = create_engine(schema_4_store)
    with engine.connect() as conn:
        assert migrate.schema_state(conn) == migrate.SchemaState("4", revisions_after(4), True)
    make_schema_3(schema_4_store)
    with engine.connect() as conn:
        assert migrate.schema_state(conn) == migrate.SchemaState("3", revisions_after(3), True)
    assert revision(engine) is None  # not stamped, not upgraded
    execute(schema_4_store, "UPDATE massaudit_meta SET value = '99'")
    with engine.connect() as conn:
        assert migrate.schema_state(conn) == migrate.SchemaState("99", (), False)
    execute(schema_4_store, "DROP TABLE massaudit_meta")
    with engine.connect() as conn:
        assert migrate.schema_state(conn).stored is None
    engine.dispose()
