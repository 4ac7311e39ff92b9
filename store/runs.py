"""The runs table: starting, finishing, reopening and listing audit runs."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from massaudit.store.connection import StoreConnection, now, one_line, retried
from massaudit.store.schema import RunRow


@dataclass(frozen=True)
class RunVersions:
    tool: str
    axe: str
    catalogue: str
    scoring: str


class RunStore(StoreConnection):
    """Runs: one row per audit, with its configuration, versions, status and summary."""

    @retried
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

    @retried
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

    @retried
    def mark_abandoned_runs(self) -> list[int]:
        """Runs left 'running' by a process of this host that no longer exists, or by a
        distributed run's coordinator whose heartbeat stopped (any host), become incomplete."""
        host = socket.gethostname()
        abandoned = []
        with self.session() as s, s.begin():
            for run in s.scalars(select(RunRow).where(RunRow.status == "running")):
                if (run.host == host and not _pid_alive(run.pid)) or _silent(run.heartbeat_at):
                    run.status = "incomplete"
                    run.error = "the audit process stopped before the run finished"
                    abandoned.append(run.id)
        return abandoned

    @retried
    def get_run(self, run_id: int) -> RunRow | None:
        with self.session() as s:
            return s.get(RunRow, run_id)

    @retried
    def latest_run(self) -> RunRow | None:
        """The newest complete run, else the newest run of any status."""
        with self.session() as s:
            run = s.scalars(
                select(RunRow).where(RunRow.status == "complete").order_by(RunRow.id.desc())
            ).first()
            return run or s.scalars(select(RunRow).order_by(RunRow.id.desc())).first()

    @retried
    def latest_incomplete_run_id(self) -> int | None:
        with self.session() as s:
            return s.scalars(
                select(RunRow.id).where(RunRow.status == "incomplete").order_by(RunRow.id.desc())
            ).first()

    @retried
    def runs(self) -> list[RunRow]:
        with self.session() as s:
            return list(s.scalars(select(RunRow).order_by(RunRow.id)))

    @retried
    def replace_config(self, run_id: int, config: dict[str, Any]) -> None:
        with self.session() as s, s.begin():
            s.execute(update(RunRow).where(RunRow.id == run_id).values(config=config))

    @retried
    def mark_rejudged(self, run_id: int, catalogue: str, scoring: str) -> None:
        with self.session() as s, s.begin():
            s.execute(
                update(RunRow)
                .where(RunRow.id == run_id)
                .values(catalogue_version=catalogue, scoring_version=scoring, judged_at=now())
            )

    @retried
    def reopen_run(self, run_id: int) -> None:
        with self.session() as s, s.begin():
            s.execute(
                update(RunRow)
                .where(RunRow.id == run_id)
                .values(status="running", host=socket.gethostname(), pid=os.getpid(), error=None)
            )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# A coordinator writes its heartbeat every few seconds; this long without one, it is gone.
HEARTBEAT_SILENCE = timedelta(seconds=90)


def _silent(heartbeat_at: datetime | None) -> bool:
    if heartbeat_at is None:
        return False
    if heartbeat_at.tzinfo is None:  # SQLite keeps no time zone
        heartbeat_at = heartbeat_at.replace(tzinfo=UTC)
    return heartbeat_at < now() - HEARTBEAT_SILENCE
