"""Opening a store: the engine, the schema (created or migrated by store.migrate), retries with
back-off for failures that may pass, one-line StoreError messages and fault injection for tests."""

from __future__ import annotations

import functools
import os
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    IntegrityError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session, sessionmaker

from massaudit.store.migrate import SchemaChange, SchemaProblem, prepare

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

    def __init__(
        self, url: str, retry_delays: tuple[float, ...] = RETRY_DELAYS, create: bool = True
    ) -> None:
        """Open the store at `url`, upgrading its schema if it is older (`schema_change` says
        from which); without `create`, a database that is not yet a store is refused."""
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
            _check_sqlite_file(url, parsed.database, create)
        try:
            self.engine: Engine = create_engine(self.url, future=True, pool_pre_ping=True)
        except Exception as exc:  # a missing driver or a malformed URL
            raise StoreError(f"--db {url!r}: cannot use this database ({one_line(exc)})") from None
        if self.backend == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._kill_after_page_commits = _fault_count("kill-after-page-commit")
        self._page_commits = 0
        self.schema_change: SchemaChange | None = self._attempt(
            lambda: self._prepare_schema(create), "open"
        )

    def _prepare_schema(self, create: bool) -> SchemaChange | None:
        try:
            return self._migrate(create)
        except IntegrityError:  # another SQLite process wrote the version row first: read it
            return self._migrate(create)

    def _migrate(self, create: bool) -> SchemaChange | None:
        """Create, adopt or upgrade the schema in one transaction that holds an advisory lock on
        PostgreSQL: two processes opening the same database cannot both change it."""
        with self.engine.connect() as conn:
            if self.backend == "sqlite":
                # A migration that rebuilds a table (batch mode) drops the old one: with foreign
                # keys on, SQLite would first delete every row that references it (CASCADE).
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                conn.commit()
            try:
                with conn.begin():
                    if self.backend == "postgresql":
                        conn.execute(
                            text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY}
                        )
                    return prepare(conn, create)
            except SchemaProblem as exc:
                raise StoreError(f"--db {redact(self.engine)}: {exc}") from None
            finally:
                if self.backend == "sqlite":
                    conn.invalidate()  # the next connection turns foreign keys on again

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


def _check_sqlite_file(url: str, database: str | None, create: bool) -> None:
    """An SQLite store's file: a file (not memory, not a folder) that exists unless `create`,
    in a folder that is made when `create`."""
    if database in (None, "", ":memory:") or "mode=memory" in url:
        raise StoreError(
            f"--db {url!r} is an in-memory database: nothing would be kept once "
            "massaudit exits; use a file, e.g. --db out/massaudit.sqlite"
        )
    path = Path(database)
    if path.is_dir():
        raise StoreError(f"--db {url!r} is a folder; name a database file inside it")
    if not create:
        if not path.is_file():
            raise StoreError(f"no database at {database} (check --db; `massaudit run` creates one)")
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"--db {url!r}: cannot create its folder ({exc.strerror})") from None


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
