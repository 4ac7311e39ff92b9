"""Reading and writing runs, pages and findings."""

from __future__ import annotations

import gzip
import json
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, delete, event, select, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from rules.model import Finding, PageArtifacts
from store.schema import Base, FindingRow, PageRow, RunRow


class StoreError(RuntimeError):
    """A store that cannot be opened or used; the message is one line for the operator."""


@dataclass(frozen=True)
class RunVersions:
    tool: str
    axe: str
    catalogue: str
    scoring: str


@dataclass(frozen=True)
class PageJudgement:
    """What judging and scoring decided about one page."""

    findings: list[Finding]
    rule_outcomes: dict[str, str]
    scores: dict[str, Any]


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


class Store:
    def __init__(self, url: str) -> None:
        self.url = database_url(url)
        try:
            parsed = make_url(self.url)
        except ArgumentError:
            raise StoreError(
                f"--db {url!r} is not a database URL; use e.g. sqlite:///out/massaudit.sqlite "
                "or postgresql+psycopg://user@127.0.0.1/massaudit"
            ) from None
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine: Engine = create_engine(self.url, future=True)
        except Exception as exc:  # a missing driver or a malformed URL
            raise StoreError(f"--db {url!r}: cannot use this database ({exc})") from None
        if parsed.get_backend_name() == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        try:
            Base.metadata.create_all(self.engine)
        except OperationalError as exc:
            first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise StoreError(
                f"--db {_redact(self.engine)}: cannot open the database: {first}"
            ) from None
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    def session(self) -> Session:
        return self._sessions()

    # Runs

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

    def finish_run(
        self, run_id: int, status: str, summary: dict[str, Any], error: str | None = None
    ) -> None:
        with self.session() as s, s.begin():
            s.execute(
                update(RunRow)
                .where(RunRow.id == run_id)
                .values(status=status, finished_at=now(), summary=summary, error=error)
            )

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

    def get_run(self, run_id: int) -> RunRow | None:
        with self.session() as s:
            return s.get(RunRow, run_id)

    def latest_run(self) -> RunRow | None:
        """The newest complete run, else the newest run of any status."""
        with self.session() as s:
            run = s.scalars(
                select(RunRow).where(RunRow.status == "complete").order_by(RunRow.id.desc())
            ).first()
            return run or s.scalars(select(RunRow).order_by(RunRow.id.desc())).first()

    def runs(self) -> list[RunRow]:
        with self.session() as s:
            return list(s.scalars(select(RunRow).order_by(RunRow.id)))

    def replace_config(self, run_id: int, config: dict[str, Any]) -> None:
        with self.session() as s, s.begin():
            s.execute(update(RunRow).where(RunRow.id == run_id).values(config=config))

    def mark_rejudged(self, run_id: int, catalogue: str, scoring: str) -> None:
        with self.session() as s, s.begin():
            s.execute(
                update(RunRow)
                .where(RunRow.id == run_id)
                .values(catalogue_version=catalogue, scoring_version=scoring, judged_at=now())
            )

    # Pages and findings

    def save_page(
        self,
        run_id: int,
        *,
        site_id: str,
        agency_id: str,
        depth: int,
        artifacts: PageArtifacts,
        judgement: PageJudgement,
    ) -> int:
        with self.session() as s, s.begin():
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
            )
            s.add(page)
            s.flush()
            s.add_all(_finding_rows(run_id, page.id, judgement.findings))
            return page.id

    def replace_judgement(self, run_id: int, page_id: int, judgement: PageJudgement) -> None:
        with self.session() as s, s.begin():
            s.execute(delete(FindingRow).where(FindingRow.page_id == page_id))
            s.execute(
                update(PageRow)
                .where(PageRow.id == page_id)
                .values(rule_outcomes=judgement.rule_outcomes, scores=judgement.scores)
            )
            s.add_all(_finding_rows(run_id, page_id, judgement.findings))

    def pages(self, run_id: int) -> list[PageRow]:
        """The run's pages without their artifacts blob loaded into memory all at once."""
        with self.session() as s:
            return list(
                s.scalars(select(PageRow).where(PageRow.run_id == run_id).order_by(PageRow.id))
            )

    def iter_artifacts(self, run_id: int) -> Iterator[tuple[int, PageArtifacts]]:
        with self.session() as s:
            rows = s.execute(
                select(PageRow.id, PageRow.artifacts)
                .where(PageRow.run_id == run_id)
                .order_by(PageRow.id)
                .execution_options(yield_per=200)
            )
            for page_id, blob in rows:
                yield page_id, decompress_artifacts(blob)

    def findings(self, run_id: int) -> list[FindingRow]:
        with self.session() as s:
            return list(
                s.scalars(
                    select(FindingRow)
                    .where(FindingRow.run_id == run_id)
                    .order_by(FindingRow.page_id, FindingRow.rule_id, FindingRow.selector)
                )
            )


def _finding_rows(run_id: int, page_id: int, findings: list[Finding]) -> list[FindingRow]:
    return [
        FindingRow(
            run_id=run_id,
            page_id=page_id,
            rule_id=f.rule_id,
            category=f.category,
            outcome=f.outcome,
            impact=f.impact,
            selector=f.selector,
            html=f.html,
            wcag=",".join(f.wcag),
            message=f.message,
        )
        for f in findings
    ]


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


def _redact(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)
