"""Reading and writing runs, pages and findings."""

from __future__ import annotations

import functools
import gzip
import json
import os
import signal
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import create_engine, delete, event, func, insert, literal, select, text, update
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    IntegrityError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session, aliased, defer, sessionmaker

from massaudit.rules.catalogue import Catalogue
from massaudit.rules.judge import PageJudgement
from massaudit.rules.model import Finding, PageArtifacts
from massaudit.rules.scoring import page_scores
from massaudit.store.schema import (
    SCHEMA_VERSION,
    Base,
    DocumentRow,
    FindingRow,
    LinkRow,
    MetaRow,
    PageRow,
    RunRow,
    UrlStateRow,
)

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


@dataclass(frozen=True)
class RunVersions:
    tool: str
    axe: str
    catalogue: str
    scoring: str


def database_url(value: str) -> str:
    """An SQLAlchemy URL; a bare file path means an SQLite file."""
    if "://" not in value:
        return f"sqlite:///{value}"
    return value


def compress_artifacts(artifacts: PageArtifacts) -> bytes:
    raw = json.dumps(artifacts.to_dict(), separators=(",", ":"), ensure_ascii=False)
    return gzip.compress(raw.encode("utf-8"), compresslevel=6)


def decompress_artifacts(blob: bytes) -> PageArtifacts:
    return PageArtifacts.from_dict(json.loads(gzip.decompress(blob)))


def now() -> datetime:
    return datetime.now(UTC)


def one_line(text: str, limit: int = 300) -> str:
    """The first line of an error text, at most `limit` characters: what runs.error keeps."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    first = lines[0] if lines else ""
    return first if len(first) <= limit else first[: limit - 1] + "…"


def _retried(method: Callable[P, T]) -> Callable[P, T]:
    """Run a store method again, after a wait, when it failed for a reason that may pass."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        store: Store = args[0]  # type: ignore[assignment]
        what = method.__name__.replace("_", " ")
        return store._attempt(lambda: method(*args, **kwargs), what)

    return wrapper


class Store:
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
                        f"--db {_redact(self.engine)}: {what} failed{after}: {_reason(exc)}"
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

    # Runs

    @_retried
    def begin_run(
        self, config: dict[str, Any], options: dict[str, Any], versions: RunVersions
    ) -> int:
        with self.session() as s, s.begin():
            run = RunRow(
                status="running",
                started_at=now(),
                tool_version=versions.tool,
                axe_version=versions.axe,
                catalogue_version=versions.catalogue,
                scoring_version=versions.scoring,
                config=config,
                options=options,
                summary={},
                host=socket.gethostname(),
                pid=os.getpid(),
            )
            s.add(run)
            s.flush()
            return run.id

    @_retried
    def finish_run(
        self, run_id: int, status: str, summary: dict[str, Any], error: str | None = None
    ) -> None:
        with self.session() as s, s.begin():
            s.execute(
                update(RunRow)
                .where(RunRow.id == run_id)
                .values(
                    status=status,
                    finished_at=now(),
                    summary=summary,
                    error=one_line(error, 500) if error else error,
                )
            )

    @_retried
    def mark_abandoned_runs(self) -> list[int]:
        """Runs left 'running' by a process of this host that no longer exists become incomplete."""
        host = socket.gethostname()
        abandoned = []
        with self.session() as s, s.begin():
            for run in s.scalars(select(RunRow).where(RunRow.status == "running")):
                if run.host == host and not _pid_alive(run.pid):
                    run.status = "incomplete"
                    run.error = "the audit process stopped before the run finished"
                    abandoned.append(run.id)
        return abandoned

    @_retried
    def get_run(self, run_id: int) -> RunRow | None:
        with self.session() as s:
            return s.get(RunRow, run_id)

    @_retried
    def latest_run(self) -> RunRow | None:
        """The newest complete run, else the newest run of any status."""
        with self.session() as s:
            run = s.scalars(
                select(RunRow).where(RunRow.status == "complete").order_by(RunRow.id.desc())
            ).first()
            return run or s.scalars(select(RunRow).order_by(RunRow.id.desc())).first()

    @_retried
    def latest_incomplete_run_id(self) -> int | None:
        with self.session() as s:
            return s.scalars(
                select(RunRow.id).where(RunRow.status == "incomplete").order_by(RunRow.id.desc())
            ).first()

    @_retried
    def runs(self) -> list[RunRow]:
        with self.session() as s:
            return list(s.scalars(select(RunRow).order_by(RunRow.id)))

    @_retried
    def replace_config(self, run_id: int, config: dict[str, Any]) -> None:
        with self.session() as s, s.begin():
            s.execute(update(RunRow).where(RunRow.id == run_id).values(config=config))

    @_retried
    def mark_rejudged(self, run_id: int, catalogue: str, scoring: str) -> None:
        with self.session() as s, s.begin():
            s.execute(
                update(RunRow)
                .where(RunRow.id == run_id)
                .values(catalogue_version=catalogue, scoring_version=scoring, judged_at=now())
            )

    # Pages and findings

    @_retried
    def save_page(
        self,
        run_id: int,
        *,
        site_id: str,
        agency_id: str,
        depth: int,
        artifacts: PageArtifacts,
        judgement: PageJudgement,
        links: tuple[str, ...] = (),
        etag: str | None = None,
        last_modified: str | None = None,
        content_hash: str = "",
        url_state: dict[str, Any] | None = None,
        discovered: list[dict[str, Any]] = (),  # type: ignore[assignment]
    ) -> int:
        """Store an audited page, its findings, links, URL state and the states of the URLs
        first seen on it (`discovered`) in one transaction: a crash leaves all or none."""
        with self.session() as s, s.begin():
            _delete_page(s, run_id, artifacts.url)  # a write tried again after a lost commit
            page = PageRow(
                run_id=run_id,
                site_id=site_id,
                agency_id=agency_id,
                url=artifacts.url,
                final_url=artifacts.final_url,
                status_code=artifacts.status,
                title=artifacts.title,
                depth=depth,
                audited_at=now(),
                error=artifacts.error,
                artifacts=compress_artifacts(artifacts),
                rule_outcomes=judgement.rule_outcomes,
                scores=judgement.scores,
                etag=etag,
                last_modified=last_modified,
                content_hash=content_hash,
            )
            s.add(page)
            s.flush()
            _insert_findings(s, run_id, page.id, judgement.findings)
            _insert_links(s, run_id, page.id, links)
            states = [*discovered, url_state] if url_state is not None else list(discovered)
            _upsert_url_states(s, run_id, states)
            page_id = page.id
        self._page_committed()
        return page_id

    def _page_committed(self) -> None:
        self._page_commits += 1
        if self._page_commits == self._kill_after_page_commits:
            os.kill(os.getpid(), signal.SIGKILL)

    @_retried
    def reuse_page(
        self,
        run_id: int,
        previous_page_id: int,
        *,
        depth: int,
        url_state: dict[str, Any],
        discover: Callable[[list[str]], list[dict[str, Any]]] | None = None,
    ) -> list[str]:
        """Carry an unchanged page over from an earlier run; returns its stored links.

        `discover` turns those links into the states of the URLs first seen on the page, which
        are written in the same transaction as the page.
        """
        with self.session() as s, s.begin():
            old = s.get(PageRow, previous_page_id)
            _delete_page(s, run_id, old.url)
            page = PageRow(
                run_id=run_id,
                site_id=url_state["site_id"],
                agency_id=old.agency_id,
                url=old.url,
                final_url=old.final_url,
                status_code=old.status_code,
                title=old.title,
                depth=depth,
                audited_at=old.audited_at,
                error=old.error,
                artifacts=None,
                reused_from=old.reused_from or old.id,
                rule_outcomes=old.rule_outcomes,
                scores=old.scores,
                etag=old.etag,
                last_modified=old.last_modified,
                content_hash=old.content_hash,
            )
            s.add(page)
            s.flush()
            # Copied inside the database: most pages of a nightly run are unchanged.
            for table, columns in ((FindingRow, _FINDING_FIELDS), (LinkRow, ("target",))):
                s.execute(
                    insert(table).from_select(
                        ["run_id", "page_id", *columns],
                        select(
                            literal(run_id),
                            literal(page.id),
                            *(getattr(table, c) for c in columns),
                        ).where(table.page_id == old.id),
                    )
                )
            links = list(s.scalars(select(LinkRow.target).where(LinkRow.page_id == old.id)))
            discovered = discover(links) if discover is not None else []
            _upsert_url_states(s, run_id, [*discovered, url_state])
        self._page_committed()
        return links

    @_retried
    def record_url_states(self, run_id: int, states: list[dict[str, Any]]) -> None:
        with self.session() as s, s.begin():
            _upsert_url_states(s, run_id, states)

    @_retried
    def url_states(self, run_id: int) -> list[UrlStateRow]:
        with self.session() as s:
            return list(
                s.scalars(
                    select(UrlStateRow)
                    .where(UrlStateRow.run_id == run_id)
                    .order_by(UrlStateRow.site_id, UrlStateRow.url)
                )
            )

    @_retried
    def state_counts(self, run_id: int) -> dict[str, int]:
        """URL counts of a run by state, skipped ones by reason ("skipped:http_error")."""
        with self.session() as s:
            rows = s.execute(
                select(UrlStateRow.state, UrlStateRow.reason, func.count())
                .where(UrlStateRow.run_id == run_id)
                .group_by(UrlStateRow.state, UrlStateRow.reason)
            )
            return {
                (f"{state}:{reason}" if state == "skipped" else state): count
                for state, reason, count in rows
            }

    @_retried
    def links(self, run_id: int) -> list[tuple[int, str]]:
        with self.session() as s:
            return list(
                s.execute(
                    select(LinkRow.page_id, LinkRow.target)
                    .where(LinkRow.run_id == run_id)
                    .order_by(LinkRow.page_id, LinkRow.id)
                )
            )

    @_retried
    def previous_pages(self, before_run: int, site_ids: list[str]) -> dict[tuple[str, str], Any]:
        """(site, url) -> page row facts of the newest complete run before `before_run`."""
        with self.session() as s:
            previous = s.scalars(
                select(RunRow.id)
                .where(RunRow.status == "complete", RunRow.id < before_run)
                .order_by(RunRow.id.desc())
            ).first()
            if previous is None:
                return {}
            rows = s.execute(
                select(
                    PageRow.id,
                    PageRow.site_id,
                    PageRow.url,
                    PageRow.etag,
                    PageRow.last_modified,
                    PageRow.content_hash,
                ).where(
                    PageRow.run_id == previous,
                    PageRow.site_id.in_(site_ids),
                    PageRow.error.is_(None),
                )
            )
            return {(site, url): (pid, etag, lm, h) for pid, site, url, etag, lm, h in rows}

    @_retried
    def resume_state(self, run_id: int) -> tuple[dict[str, dict[str, str]], list[tuple]]:
        """URLs already seen per site (url -> state, "skipped:<reason>" for skipped ones) and
        those still queued, of a stored run: (site, url, depth, referrer, document kind or
        None), documents included (queued until checked)."""
        seen: dict[str, dict[str, str]] = {}
        queued: list[tuple] = []
        with self.session() as s:
            rows = s.execute(
                select(
                    UrlStateRow.site_id,
                    UrlStateRow.url,
                    UrlStateRow.state,
                    UrlStateRow.reason,
                    UrlStateRow.depth,
                    UrlStateRow.referrer,
                    UrlStateRow.document,
                ).where(UrlStateRow.run_id == run_id)
            )
            for site_id, url, state, reason, depth, referrer, document in rows:
                seen.setdefault(site_id, {})[url] = f"skipped:{reason}" if reason else state
                if state == "queued":
                    queued.append((site_id, url, depth, referrer, document))
        return seen, queued

    @_retried
    def reopen_run(self, run_id: int) -> None:
        with self.session() as s, s.begin():
            s.execute(
                update(RunRow)
                .where(RunRow.id == run_id)
                .values(status="running", host=socket.gethostname(), pid=os.getpid(), error=None)
            )

    @_retried
    def replace_judgement(self, run_id: int, page_id: int, judgement: PageJudgement) -> None:
        with self.session() as s, s.begin():
            s.execute(delete(FindingRow).where(FindingRow.page_id == page_id))
            s.execute(
                update(PageRow)
                .where(PageRow.id == page_id)
                .values(rule_outcomes=judgement.rule_outcomes, scores=judgement.scores)
            )
            _insert_findings(s, run_id, page_id, judgement.findings)

    @_retried
    def pages(self, run_id: int) -> list[PageRow]:
        """The run's pages without their artifacts blob loaded into memory all at once."""
        with self.session() as s:
            return list(
                s.scalars(
                    select(PageRow)
                    .options(defer(PageRow.artifacts))
                    .where(PageRow.run_id == run_id)
                    .order_by(PageRow.id)
                )
            )

    def iter_artifacts(self, run_id: int) -> Iterator[tuple[int, PageArtifacts]]:
        with self.session() as s:
            original = aliased(PageRow)
            rows = s.execute(
                select(PageRow.id, func.coalesce(PageRow.artifacts, original.artifacts))
                .outerjoin(original, original.id == PageRow.reused_from)
                .where(PageRow.run_id == run_id)
                .order_by(PageRow.id)
                .execution_options(yield_per=200)
            )
            try:
                for page_id, blob in rows:
                    yield page_id, decompress_artifacts(blob)
            except SQLAlchemyError as exc:
                raise StoreError(f"--db {_redact(self.engine)}: {_reason(exc)}") from None

    @_retried
    def page_summaries(self, run_id: int) -> list[Any]:
        """Every page of a run without its artifacts: id, site, URLs, status, title, error."""
        with self.session() as s:
            return list(
                s.execute(
                    select(
                        PageRow.id,
                        PageRow.site_id,
                        PageRow.url,
                        PageRow.final_url,
                        PageRow.status_code,
                        PageRow.title,
                        PageRow.error,
                    )
                    .where(PageRow.run_id == run_id)
                    .order_by(PageRow.id)
                )
            )

    @_retried
    def artifacts_of(self, page_id: int) -> PageArtifacts:
        """One page's artifacts (those of the audited page it was reused from, if reused)."""
        with self.session() as s:
            page = s.get(PageRow, page_id)
            blob = page.artifacts
            if blob is None and page.reused_from is not None:
                blob = s.get(PageRow, page.reused_from).artifacts
            return decompress_artifacts(blob)

    @_retried
    def page_sites(self, run_id: int) -> dict[int, str]:
        """page id -> site id for every page of a run."""
        with self.session() as s:
            rows = s.execute(select(PageRow.id, PageRow.site_id).where(PageRow.run_id == run_id))
            return dict(rows.all())

    @_retried
    def page_groups(self, run_id: int) -> list[tuple[int, str, str]]:
        """(page id, site id, agency id) of every page of a run."""
        with self.session() as s:
            rows = s.execute(
                select(PageRow.id, PageRow.site_id, PageRow.agency_id).where(
                    PageRow.run_id == run_id
                )
            )
            return [tuple(row) for row in rows.all()]

    @_retried
    def page_score_rows(self, run_id: int) -> list[tuple[str, str, str | None, dict[str, Any]]]:
        """(site id, agency id, error, stored scores) of every page of a run, for score history."""
        with self.session() as s:
            rows = s.execute(
                select(PageRow.site_id, PageRow.agency_id, PageRow.error, PageRow.scores)
                .where(PageRow.run_id == run_id)
                .order_by(PageRow.id)
            )
            return [tuple(row) for row in rows.all()]

    @_retried
    def replace_rule_results(
        self,
        run_id: int,
        page_id: int,
        rule_ids: set[str],
        findings: list[Finding],
        outcomes: dict[str, str],
        catalogue: Catalogue,
    ) -> None:
        """Replace one page's findings and outcomes of `rule_ids` (the site-level rules) only,
        and score the page again from its new outcomes."""
        with self.session() as s, s.begin():
            s.execute(
                delete(FindingRow).where(
                    FindingRow.page_id == page_id, FindingRow.rule_id.in_(sorted(rule_ids))
                )
            )
            page = s.get(PageRow, page_id)
            kept = {k: v for k, v in (page.rule_outcomes or {}).items() if k not in rule_ids}
            page.rule_outcomes = dict(sorted((kept | outcomes).items()))
            if not page.error:
                page.scores = page_scores(page.rule_outcomes, catalogue)
            _insert_findings(s, run_id, page_id, findings)

    @_retried
    def findings(self, run_id: int) -> list[FindingRow]:
        with self.session() as s:
            return list(
                s.scalars(
                    select(FindingRow)
                    .where(FindingRow.run_id == run_id)
                    .order_by(FindingRow.page_id, FindingRow.rule_id, FindingRow.selector)
                )
            )

    # Documents (issue 7)

    @_retried
    def save_document(
        self, run_id: int, url_state: dict[str, Any] | None = None, **fields: Any
    ) -> int:
        """Store (or replace, on a resumed run) one checked document of a run, with its final
        URL state in the same transaction (the URL stays queued until then)."""
        findings = [finding_dict(f) for f in fields.pop("findings", [])]
        with self.session() as s, s.begin():
            s.execute(
                delete(DocumentRow).where(
                    DocumentRow.run_id == run_id,
                    DocumentRow.site_id == fields["site_id"],
                    DocumentRow.url == fields["url"],
                )
            )
            row = DocumentRow(run_id=run_id, analysed_at=now(), findings=findings, **fields)
            s.add(row)
            s.flush()
            if url_state is not None:
                _upsert_url_states(s, run_id, [url_state])
            return row.id

    @_retried
    def previous_document(
        self, before_run: int, site_id: str, url: str, sha256: str
    ) -> DocumentRow | None:
        """The same file (same sha256) checked in the newest complete run before `before_run`."""
        with self.session() as s:
            return s.scalars(
                select(DocumentRow)
                .join(RunRow, RunRow.id == DocumentRow.run_id)
                .where(
                    RunRow.status == "complete",
                    DocumentRow.run_id < before_run,
                    DocumentRow.site_id == site_id,
                    DocumentRow.url == url,
                    DocumentRow.sha256 == sha256,
                )
                .order_by(DocumentRow.run_id.desc())
                .limit(1)
            ).first()

    @_retried
    def documents(self, run_id: int) -> list[DocumentRow]:
        with self.session() as s:
            return list(
                s.scalars(
                    select(DocumentRow)
                    .where(DocumentRow.run_id == run_id)
                    .order_by(DocumentRow.site_id, DocumentRow.url)
                )
            )

    @_retried
    def update_documents(self, run_id: int, values: dict[int, dict[str, Any]]) -> None:
        """Set columns (triage, guidance, linked_from, findings, rule_outcomes) per document id."""
        with self.session() as s, s.begin():
            for document_id, columns in values.items():
                if "findings" in columns:
                    columns = columns | {"findings": [finding_dict(f) for f in columns["findings"]]}
                s.execute(
                    update(DocumentRow)
                    .where(DocumentRow.run_id == run_id, DocumentRow.id == document_id)
                    .values(**columns)
                )


def finding_dict(finding: Finding | dict[str, Any]) -> dict[str, Any]:
    """A finding as stored on a document: the keys of a page's finding row."""
    return finding if isinstance(finding, dict) else finding.to_dict()


# A finding row's own data, besides where it belongs (run, page).
_FINDING_FIELDS = (
    "rule_id",
    "category",
    "outcome",
    "impact",
    "selector",
    "html",
    "wcag",
    "message",
)


def _insert_findings(s: Session, run_id: int, page_id: int, findings: list[Finding]) -> None:
    """One multi-row INSERT: a page has hundreds of findings on a bad day."""
    if not findings:
        return
    rows = [
        f.to_dict() | {"run_id": run_id, "page_id": page_id, "wcag": ",".join(f.wcag)}
        for f in findings
    ]
    s.execute(insert(FindingRow), rows)


def _delete_page(s: Session, run_id: int, url: str) -> None:
    s.execute(delete(PageRow).where(PageRow.run_id == run_id, PageRow.url == url))


def _insert_links(s: Session, run_id: int, page_id: int, links: Any) -> None:
    rows = [{"run_id": run_id, "page_id": page_id, "target": t} for t in links]
    if rows:
        s.execute(insert(LinkRow), rows)


_FINAL_STATES = {"audited", "unchanged", "skipped"}


def _upsert_url_states(s: Session, run_id: int, states: list[dict[str, Any]]) -> None:
    """Insert or update URL states; a final state is never turned back into 'queued'."""
    by_key = {(st["site_id"], st["url"]): st for st in states}
    existing = {}
    sites = {site for site, _ in by_key}
    for chunk_start in range(0, len(by_key), 500):
        urls = [url for _, url in list(by_key)[chunk_start : chunk_start + 500]]
        for row in s.scalars(
            select(UrlStateRow).where(
                UrlStateRow.run_id == run_id,
                UrlStateRow.site_id.in_(sites),
                UrlStateRow.url.in_(urls),
            )
        ):
            existing[(row.site_id, row.url)] = row
    for key, state in by_key.items():
        row = existing.get(key)
        if row is None:
            s.add(UrlStateRow(run_id=run_id, **state))
        elif not (state["state"] == "queued" and row.state in _FINAL_STATES):
            for field_name, value in state.items():
                setattr(row, field_name, value)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _reason(exc: SQLAlchemyError) -> str:
    return one_line(str(exc.orig) if getattr(exc, "orig", None) is not None else str(exc))


def _fault_count(name: str) -> int | None:
    """N of `FAULT_ENV=name:N` (fault injection for tests), else None."""
    kind, _, count = os.environ.get(FAULT_ENV, "").partition(":")
    return int(count) if kind == name and count.isdigit() else None


def _redact(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)
