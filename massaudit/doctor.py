"""`massaudit doctor`: is this machine ready for a nightly run? One line per check, `ok` or
`FAIL` with what to do: Python, the browser (found, its version, launches headless), axe-core
(the vendored file against its recorded hash), the database (reachable, store schema, migrations
pending), the sites file, notifications' settings, optional services (a broker, Redis: only when
configured) and the output folder. Exit 0 when every check passes, 1 otherwise.

Nothing is changed: no database is created or upgraded, no folder made."""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from massaudit.parser import EXIT_FAILED, EXIT_OK

MIN_PYTHON = (3, 11)
BROWSER_TIMEOUT_S = 60.0
SERVICE_TIMEOUT_S = 5.0
# Optional services: (name, the variable that configures one, its default port).
SERVICES = (
    ("broker", "MASSAUDIT_BROKER_URL", 5672),
    ("redis", "MASSAUDIT_REDIS_URL", 6379),
)


@dataclass(frozen=True)
class Finding:
    name: str
    ok: bool
    said: str  # what was found, or what is wrong and what to do

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.name}: {self.said}"


class Problem(Exception):
    """A check that failed; the message is one line saying what to do."""


def add_doctor_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    doctor = commands.add_parser(
        "doctor",
        help="check this machine is ready for `massaudit run`: one line per check, exit 0 or 1",
    )
    doctor.add_argument("--sites", default="sites.toml", help="sites file (default: sites.toml)")
    doctor.add_argument(
        "--db", default="out/massaudit.sqlite", help="SQLAlchemy URL or SQLite path of the store"
    )
    doctor.add_argument("--out", default="out/report", help="folder for the scorecard site")
    return doctor


def cmd_doctor(args: argparse.Namespace) -> int:
    findings = diagnose(args.sites, args.db, args.out)
    for finding in findings:
        print(finding.line())
    return EXIT_OK if all(f.ok for f in findings) else EXIT_FAILED


def diagnose(sites: str, db: str, out: str) -> list[Finding]:
    checks: list[tuple[str, Callable[[], str]]] = [
        ("python", check_python),
        ("chromium", check_browser),
        ("axe-core", check_axe),
        ("database", lambda: check_database(db)),
        ("sites file", lambda: check_sites(sites)),
        ("notifications", lambda: check_notifications(sites)),
        *((name, _service_check(variable, port)) for name, variable, port in SERVICES),
        ("output folder", lambda: check_output(out)),
    ]
    findings = []
    for name, check in checks:
        try:
            findings.append(Finding(name, True, check()))
        except Problem as exc:
            findings.append(Finding(name, False, str(exc)))
        except Exception as exc:  # a check must not stop the others
            findings.append(Finding(name, False, f"{type(exc).__name__}: {_first_line(exc)}"))
    return findings


def check_python() -> str:
    version = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info < MIN_PYTHON:
        raise Problem(f"{version} at {sys.executable}; massaudit needs Python 3.11 or newer")
    return f"{version} at {sys.executable}"


def check_browser() -> str:
    """The Chromium a run would use, launched headless with the run's flags."""
    from massaudit.audits.browser import BrowserNotFound, find_chromium, launch_chromium

    try:
        executable = find_chromium()
    except BrowserNotFound as exc:
        raise Problem(str(exc)) from None

    async def launch() -> str:
        from playwright.async_api import async_playwright

        async with async_playwright() as playwright:
            browser = await launch_chromium(playwright)
            try:
                return browser.version
            finally:
                await browser.close()

    try:
        version = asyncio.run(asyncio.wait_for(launch(), BROWSER_TIMEOUT_S))
    except BrowserNotFound as exc:
        raise Problem(str(exc)) from None
    except TimeoutError:
        raise Problem(
            f"{executable or 'Playwright download'} did not start within "
            f"{BROWSER_TIMEOUT_S:.0f} s; try it by hand with --headless"
        ) from None
    return f"{executable or 'Playwright download'}, version {version}, launches headless"


def check_axe() -> str:
    from massaudit.audits.axe import AXE_VERSION, VENDOR_DIR, AxeIntegrityError, axe_source

    try:
        source = axe_source()
    except AxeIntegrityError as exc:
        raise Problem(str(exc)) from None
    except OSError as exc:
        raise Problem(
            f"cannot read {VENDOR_DIR / 'axe.min.js'} ({exc.strerror}); reinstall massaudit"
        ) from None
    if f"axe v{AXE_VERSION}" not in source[:200]:
        raise Problem(
            f"axe.min.js is not axe-core {AXE_VERSION} (VERSION); restore it with "
            f"scripts/update_axe.py {AXE_VERSION}"
        )
    return f"{AXE_VERSION}, axe.min.js matches its recorded SRI hash"


def check_database(db: str) -> str:
    """The store at `db`, read without changing it."""
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from massaudit.store.connection import database_url, one_line, redact
    from massaudit.store.migrate import schema_state
    from massaudit.store.schema import SCHEMA_VERSION

    try:
        url = make_url(database_url(db))
    except ArgumentError:
        raise Problem(f"--db {db!r} is not a database URL or file path") from None
    options = {}
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        if url.database in (None, "", ":memory:"):
            raise Problem(f"--db {db!r} is an in-memory database; use a file")
        if not path.is_file():
            folder = _existing_parent(path.parent)
            _writable(folder, f"--db {db}: no store yet, and its folder")
            return f"{db}: no store yet; `massaudit run` creates it"
    elif url.get_backend_name() == "postgresql":
        options["connect_args"] = {"connect_timeout": 10}
    try:
        engine = create_engine(url, **options)
    except Exception as exc:  # a driver not installed
        raise Problem(f"--db {db!r}: cannot use this database ({_first_line(exc)})") from None
    where = redact(engine)
    try:
        with engine.connect() as conn:
            state = schema_state(conn)
            empty = state.stored is None and not inspect(conn).get_table_names()
    except SQLAlchemyError as exc:
        reason = one_line(str(getattr(exc, "orig", None) or exc), 160)
        raise Problem(f"{where}: cannot connect ({reason})") from None
    finally:
        engine.dispose()
    if empty:
        return f"{where}: empty; `massaudit run` makes it a store"
    if state.stored is None:
        raise Problem(f"{where}: not a massaudit store (other tables); give another --db")
    if not state.known:
        raise Problem(
            f"{where}: store schema {state.stored}, which this massaudit ({SCHEMA_VERSION}) "
            "cannot use; use the massaudit that wrote it, or a new database"
        )
    if state.pending:
        return (
            f"{where}: store schema {state.stored}, {len(state.pending)} migration(s) pending "
            f"(to {SCHEMA_VERSION}); the next run applies them, or `massaudit db upgrade`"
        )
    return f"{where}: store schema {state.stored}, no migration pending"


def check_sites(sites: str) -> str:
    from massaudit.crawler.sites import SitesConfigError, load_sites
    from massaudit.pipeline.site_level import check_disabled_rules
    from massaudit.rules.catalogue import load_catalogue

    try:
        config = load_sites(sites)
        check_disabled_rules(config, load_catalogue())
    except SitesConfigError as exc:
        raise Problem(str(exc)) from None
    return f"{sites}: {len(config.agencies)} agencies, {len(config.sites)} sites, valid"


def check_notifications(sites: str) -> str:
    """The environment the sites file's [notify] tables need (a broken file is the sites
    file's line)."""
    from massaudit.crawler.sites import SitesConfigError, load_sites
    from massaudit.pipeline.notify import SMTP_HOST_ENV

    try:
        notify = load_sites(sites).notify
    except SitesConfigError:
        return "not checked (the sites file is not valid)"
    if not notify.configured:
        return "not configured (no [notify] table in the sites file)"
    targets = [t for t in (notify.everything, *notify.agencies.values()) if t is not None]
    webhooks = sorted({t.webhook_url_env for t in targets if t.webhook_url_env})
    missing = [name for name in webhooks if not os.environ.get(name)]
    if any(t.email_to for t in targets) and not os.environ.get(SMTP_HOST_ENV):
        missing.append(SMTP_HOST_ENV)
    if missing:
        raise Problem(f"${', $'.join(missing)} not set; docs/notifications.md says what to set")
    mail = f", e-mail through {os.environ[SMTP_HOST_ENV]}" if SMTP_HOST_ENV in os.environ else ""
    return f"{len(targets)} target(s), {len(webhooks)} webhook variable(s) set{mail}"


def _service_check(variable: str, default_port: int) -> Callable[[], str]:
    def check() -> str:
        url = os.environ.get(variable, "").strip()
        if not url:
            return f"not configured (set {variable} to check one)"
        parts = urlsplit(url)
        try:
            host, port = parts.hostname, parts.port or default_port
        except ValueError:
            raise Problem(f"{variable} has a bad port") from None
        if not host:
            raise Problem(f"{variable} is not a URL like scheme://host:{default_port}")
        shown = f"{parts.scheme}://{host}:{port}"  # never its user name or password
        try:
            with socket.create_connection((host, port), timeout=SERVICE_TIMEOUT_S):
                pass
        except OSError as exc:
            raise Problem(
                f"{shown} ({variable}) does not answer ({exc.strerror or type(exc).__name__}); "
                "start it or unset the variable"
            ) from None
        return f"{shown} answers"

    return check


def check_output(out: str) -> str:
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise Problem(f"--out {out} is a file; give a folder")
    if path.is_dir():
        _writable(path, f"--out {out}")
        return f"{out}: writable"
    parent = _existing_parent(path)
    _writable(parent, f"--out {out}: not there yet, and {parent}")
    return f"{out}: not there yet; {parent} is writable, so the run creates it"


def _existing_parent(path: Path) -> Path:
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _writable(folder: Path, what: str) -> None:
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".massaudit-doctor-"):
            pass
    except OSError as exc:
        raise Problem(
            f"{what} cannot be written ({exc.strerror or type(exc).__name__}); "
            "choose a place this user may write"
        ) from None


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return (lines[0] if lines else "no details")[:200]
