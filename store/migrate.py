"""The store's schema over time: Alembic migrations shipped in store/migrations/, run on the
connection that opens a store, inside its transaction (no alembic.ini; docs/store.md tells how to
add one). A revision's id is the store schema number it makes ("0004" is schema 4), which
massaudit_meta also records for massaudit releases that predate migrations."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import insert, inspect, select, text, update
from sqlalchemy.engine import Connection

from massaudit.store.schema import SCHEMA_VERSION, Base, MetaRow
from massaudit.store.views import create_views, drop_views

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).with_name("migrations")


class SchemaProblem(Exception):
    """A database this massaudit cannot use as a store; the message is one line."""


@dataclass(frozen=True)
class SchemaChange:
    before: int
    after: int

    def __str__(self) -> str:
        return f"upgraded the store from schema {self.before} to {self.after}"


# Alembic is imported only when a store needs more than opening (creating, stamping, upgrading,
# doctor): its import costs more than a whole unchanged night's work on a small site.
def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@functools.cache
def scripts() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def revision_id(schema: int) -> str:
    return f"{schema:04d}"


def prepare(conn: Connection, create: bool) -> SchemaChange | None:
    """Create a new store's tables and views (when `create`), or bring an existing store to
    the head revision, its views dropped before and created again after (store/views.py). A
    store made before migrations (massaudit_meta, no alembic_version table) is stamped at its
    schema's revision first. Returns the schema change, if any, to report."""
    stored = _stored_schema(conn)
    newest = _newest_revision()
    if stored == str(SCHEMA_VERSION) and newest and _at_revision(conn, newest):
        return None  # the usual case: at the newest revision, nothing to do
    if stored is None:
        if not create:
            raise SchemaProblem("no massaudit store here (check --db; `massaudit run` creates one)")
        Base.metadata.create_all(conn)
        create_views(conn)
        conn.execute(insert(MetaRow).values(key="schema_version", value=str(SCHEMA_VERSION)))
        _context(conn).stamp(scripts(), "head")
        return None
    context = _context(conn)
    current = context.get_current_revision()
    known = {script.revision for script in scripts().walk_revisions()}
    if current is None and stored.isdigit() and revision_id(int(stored)) in known:
        current = revision_id(int(stored))
        context.stamp(scripts(), current)
    if current not in known:
        raise SchemaProblem(_unknown_schema(stored))
    head = scripts().get_current_head()
    if current == head:
        return None
    from alembic import command

    drop_views(conn)  # no revision has to mind them (store/views.py)
    command.upgrade(alembic_config(conn), "head")
    create_views(conn)
    conn.execute(
        update(MetaRow).where(MetaRow.key == "schema_version").values(value=str(int(head)))
    )
    return SchemaChange(int(current), int(head))


@dataclass(frozen=True)
class SchemaState:
    """What a database holds, read without changing it (`massaudit doctor`)."""

    stored: str | None  # the store schema massaudit_meta records; None: not a massaudit store
    pending: tuple[str, ...]  # revisions an upgrade would apply, oldest first
    known: bool  # False: a schema this massaudit cannot upgrade (newer, or too old)


def schema_state(conn: Connection) -> SchemaState:
    stored = _stored_schema(conn)
    if stored is None:
        return SchemaState(None, (), True)
    current = _context(conn).get_current_revision()
    if current is None and stored.isdigit():
        current = revision_id(int(stored))  # a store made before migrations: stamped on opening
    known = {script.revision for script in scripts().walk_revisions()}
    if current not in known:
        return SchemaState(stored, (), False)
    pending = [script.revision for script in scripts().iterate_revisions("head", current)]
    return SchemaState(stored, tuple(reversed(pending)), True)


def _stored_schema(conn: Connection) -> str | None:
    if not inspect(conn).has_table(MetaRow.__tablename__):
        return None
    return conn.scalar(select(MetaRow.value).where(MetaRow.key == "schema_version"))


def _newest_revision() -> str | None:
    """The newest revision by its file's name (revision ids are the schema number, 0007_...),
    read without Alembic; None when there are no revision files."""
    names = [p.name[:4] for p in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py")]
    return max(names, default=None)


def _at_revision(conn: Connection, revision: str) -> bool:
    """Whether Alembic's version table records exactly `revision` (read without Alembic)."""
    if not inspect(conn).has_table("alembic_version"):
        return False
    return list(conn.scalars(text("SELECT version_num FROM alembic_version"))) == [revision]


def _context(conn: Connection) -> MigrationContext:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn)


def _unknown_schema(stored: str) -> str:
    if stored.isdigit() and int(stored) > SCHEMA_VERSION:
        return (
            f"the database has store schema {stored}, newer than this massaudit's "
            f"{SCHEMA_VERSION}; use the massaudit that wrote it, or a newer one"
        )
    return (
        f"the database has store schema {stored}, which this massaudit cannot upgrade (it "
        f"upgrades schema {int(scripts().get_base())} and later); use a new database file or URL"
    )
