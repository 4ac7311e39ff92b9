"""Opening a store: the engine, the schema (created, checked or upgraded), retries with back-off
for failures that may pass, one-line StoreError messages and fault injection for tests."""

from __future__ import annotations

import functools
import os
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import create_engine, event, insert, select, text, update
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    IntegrityError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session, sessionmaker

from massaudit.store.schema import SCHEMA_VERSION, Base, MetaRow

# Waits between the five tries of a store operation that failed for a reason that may pass (a
# database restarting, a dropped connection, an SQLite lock held past the busy timeout).
RETRY_DELAYS = (2.0, 4.0, 8.0, 16.0)
# For tests only: "kill-after-page-commit:N" kills this process (SIGKILL) right after the Nth page
# of this process is committed, to prove that a run resumed from there loses nothing.
FAULT_ENV = "MASSAUDIT_FAULT"
# pg_advisory_xact_lock key held while a PostgreSQL database's schema is created or upgraded.
SCHEMA_LOCK_KEY = 0x6D617373  # "mass"
# PostgreSQL error classes that no retry mends: authentication, unknown database.
_PERMANENT_SQLSTATES = ("28", "3D")
# ALTERs from store schema 3 to 4 (PostgreSQL only: SQLite does not enforce lengths or sizes).
_UPGRADE_3_TO_4 = (
    "ALTER TABLE url_states ALTER COLUMN size TYPE BIGINT",
    "ALTER TABLE documents ALTER COLUMN size TYPE BIGINT",
    "ALTER TABLE pages ALTER COLUMN last_modified TYPE TEXT",
    "ALTER TABLE documents ALTER COLUMN last_modified TYPE TEXT",
)

P = ParamSpec("P")
T = TypeVar("T")


class StoreError(RuntimeError):
    """A store that cannot be opened or used; the message is one line for the operator."""


def database_url(value: str) -> str:
    """An SQLAlchemy URL; a bare file path means an SQLite file."""
    if "://" not in value:
        return f"sqlite:///{value}"
    return value


def now() -> datetime:
    return datetime.now(UTC)


def one_line(text: str, limit: int = 300) -> str:
    """The first line of an error text, at most `limit` characters: what runs.error keeps."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    first = lines[0] if lines else ""
    return first if len(first) <= limit else first[: limit - 1] + "…"


def retried(method: Callable[P, T]) -> Callable[P, T]:
    """Run a store method again, after a wait, when it failed for a reason that may pass."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        store: StoreConnection = args[0]  # type: ignore[assignment]
        what = method.__name__.replace("_", " ")
        return store._attempt(lambda: method(*args, **kwargs), what)

    return wrapper


class StoreConnection:
    """The database behind a store; the tables' readers and writers build on it."""

    def __init__(self, url: str, retry_delays: tuple[float, ...] = RETRY_DELAYS) -> None:
        self.url = database_url(url)
        self.retry_delays = retry_delays
        try:
            parsed = make_url(self.url)
        except ArgumentError:
            raise StoreError(
                f"--db {url!r} is not a database URL; use e.g. sqlite:///out/massaudit.sqlite "
                "or postgresql+psycopg://user@127.0.0.1/massaudit"
            ) from None
        self.backend = parsed.get_backend_name()
        if self.backend == "sqlite":
            if parsed.database in (None, "", ":memory:") or "mode=memory" in self.url:
                raise StoreError(
                    f"--db {url!r} is an in-memory database: nothing would be kept once "
                    "massaudit exits; use a file, e.g. --db out/massaudit.sqlite"
                )
            database = Path(parsed.database)
            if database.is_dir():
                raise StoreError(f"--db {url!r} is a folder; name a database file inside it")
            try:
                database.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"--db {url!r}: cannot create its folder ({exc.strerror})"
                ) from None
        try:
            self.engine: Engine = create_engine(self.url, future=True, pool_pre_ping=True)
        except Exception as exc:  # a missing driver or a malformed URL
            raise StoreError(f"--db {url!r}: cannot use this database ({one_line(exc)})") from None
        if self.backend == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._kill_after_page_commits = _fault_count("kill-after-page-commit")
        self._page_commits = 0
        self._attempt(lambda: self._prepare_schema(url), "open")

    def _prepare_schema(self, url: str) -> None:
        try:
            self._create_schema(url)
        except IntegrityError:  # another SQLite process wrote the version row first: read it
            self._create_schema(url)

    def _create_schema(self, url: str) -> None:
        """Create the tables and check (or upgrade) the schema version, in one transaction that
        holds an advisory lock on PostgreSQL: two first runs at once cannot both create them."""
        with self.engine.begin() as conn:
            if self.backend == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
            Base.metadata.create_all(conn)
            self._check_schema_version(conn, url)

    def _check_schema_version(self, conn: Connection, url: str) -> None:
        version = conn.scalar(select(MetaRow.value).where(MetaRow.key == "schema_version"))
        if version is None:
            conn.execute(insert(MetaRow).values(key="schema_version", value=str(SCHEMA_VERSION)))
        elif version == "3":
            if self.backend == "postgresql":
                for statement in _UPGRADE_3_TO_4:
                    conn.execute(text(statement))
            conn.execute(
                update(MetaRow)
                .where(MetaRow.key == "schema_version")
                .values(value=str(SCHEMA_VERSION))
            )
        elif version != str(SCHEMA_VERSION):
            raise StoreError(
                f"--db {url}: the database has store schema {version}, this massaudit "
                f"needs {SCHEMA_VERSION}; use a new database file or URL"
            )

    def _attempt(self, operation: Callable[[], T], what: str) -> T:
        """`operation`, tried again after each of `retry_delays` while its failure may pass;
        any database failure that remains is a one-line StoreError."""
        delays = iter(self.retry_delays)
        tries = 0
        while True:
            tries += 1
            try:
                return operation()
            except StoreError:
                raise
            except SQLAlchemyError as exc:
                delay = next(delays, None) if self._transient(exc) else None
                if delay is None:
                    after = f" after {tries} tries" if tries > 1 else ""
                    raise StoreError(
                        f"--db {redact(self.engine)}: {what} failed{after}: {reason(exc)}"
                    ) from None
                time.sleep(delay)

    def _transient(self, exc: SQLAlchemyError) -> bool:
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            return True
        if not isinstance(exc, OperationalError):
            return False
        if self.backend == "sqlite":
            message = str(exc.orig).lower()
            return any(
                word in message
                for word in ("locked", "busy", "disk is full", "disk i/o", "already exists")
            )
        sqlstate = getattr(exc.orig, "sqlstate", None) or ""
        return not sqlstate.startswith(_PERMANENT_SQLSTATES)

    def close(self) -> None:
        self.engine.dispose()

    def session(self) -> Session:
        return self._sessions()

    def _page_committed(self) -> None:
        self._page_commits += 1
        if self._page_commits == self._kill_after_page_commits:
            os.kill(os.getpid(), signal.SIGKILL)


def reason(exc: SQLAlchemyError) -> str:
    return one_line(str(exc.orig) if getattr(exc, "orig", None) is not None else str(exc))


def redact(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _fault_count(name: str) -> int | None:
    """N of `FAULT_ENV=name:N` (fault injection for tests), else None."""
    kind, _, count = os.environ.get(FAULT_ENV, "").partition(":")
    return int(count) if kind == name and count.isdigit() else None
