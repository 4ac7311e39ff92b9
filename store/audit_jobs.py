"""What a distributed run writes and reads besides the tables' own readers (docs/distributed.md):
a page saved at most once whatever the number of deliveries of its job, the URL states still
waiting, the coordinator's heartbeat and its lock on the run."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from massaudit.rules.judge import PageJudgement
from massaudit.rules.model import PageArtifacts
from massaudit.store.connection import StoreConnection, now, retried
from massaudit.store.findings import insert_findings
from massaudit.store.pages import _insert_links, page_values
from massaudit.store.schema import FindingRow, PageRow, RunRow, ScreenshotRow, UrlStateRow
from massaudit.store.url_states import upsert_url_states

# Advisory lock of a run's coordinator (two keys: this one and the run id).
COORDINATOR_LOCK_KEY = 0x6D617374  # "mast"
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class AuditJobStore(StoreConnection):
    """Writes that a job delivered twice, or run by two workers, makes only once."""

    @retried
    def save_page_once(
        self,
        run_id: int,
        *,
        site_id: str,
        agency_id: str,
        depth: int,
        artifacts: PageArtifacts,
        judgement: PageJudgement,
        url_state: dict[str, Any],
        links: tuple[str, ...] = (),
        etag: str | None = None,
        last_modified: str | None = None,
        content_hash: str = "",
        shots: list[dict[str, Any]] = (),  # type: ignore[assignment]
    ) -> int | None:
        """Store an audited page with its findings, links, screenshots and final URL state in
        one transaction, unless the run has this page already: then nothing is written and
        None is returned (INSERT ... ON CONFLICT DO NOTHING on the run's URL)."""
        with self.session() as s, s.begin():
            insert = _INSERTS[s.get_bind().dialect.name]
            statement = (
                insert(PageRow)
                .values(
                    **page_values(run_id, site_id, agency_id, depth, artifacts, judgement),
                    etag=etag,
                    last_modified=last_modified,
                    content_hash=content_hash,
                )
                .on_conflict_do_nothing(index_elements=["run_id", "url"])
                .returning(PageRow.id)
            )
            page_id = s.execute(statement).scalar_one_or_none()
            if page_id is None:
                return None
            insert_findings(s, run_id, page_id, judgement.findings)
            _insert_links(s, run_id, page_id, links)
            images = [
                {"run_id": run_id, "page_id": page_id, "size": len(shot["image"])} | shot
                for shot in shots
            ]
            if images:
                s.execute(ScreenshotRow.__table__.insert(), images)
            upsert_url_states(s, run_id, [url_state])
        self._page_committed()
        return page_id

    @retried
    def url_state(self, run_id: int, site_id: str, url: str) -> str | None:
        with self.session() as s:
            return s.scalar(
                select(UrlStateRow.state).where(
                    UrlStateRow.run_id == run_id,
                    UrlStateRow.site_id == site_id,
                    UrlStateRow.url == url,
                )
            )

    @retried
    def stale_auditing(self, run_id: int, older_than: float, limit: int = 1000) -> list[tuple]:
        """(site, url, depth) of `auditing` URLs whose state is older than `older_than` seconds."""
        cutoff = now() - timedelta(seconds=older_than)
        with self.session() as s:
            rows = s.execute(
                select(UrlStateRow.site_id, UrlStateRow.url, UrlStateRow.depth)
                .where(
                    UrlStateRow.run_id == run_id,
                    UrlStateRow.state == "auditing",
                    UrlStateRow.updated_at < cutoff,
                )
                .order_by(UrlStateRow.id)
                .limit(limit)
            )
            return [tuple(row) for row in rows]

    @retried
    def audit_tallies(self, run_id: int) -> tuple[int, int, dict[str, int]]:
        """Pages audited, pages whose audit failed (not carried over), and findings by outcome."""
        with self.session() as s:
            audited = failed = 0
            pages = (
                select(PageRow.error.is_(None), func.count())
                .where(PageRow.run_id == run_id, PageRow.reused_from.is_(None))
                .group_by(PageRow.error.is_(None))
            )
            for ok, count in s.execute(pages):
                if ok:
                    audited += count
                else:
                    failed += count
            outcomes = s.execute(
                select(FindingRow.outcome, func.count())
                .join(PageRow, PageRow.id == FindingRow.page_id)
                .where(FindingRow.run_id == run_id, PageRow.reused_from.is_(None))
                .group_by(FindingRow.outcome)
            )
            return audited, failed, {outcome: count for outcome, count in outcomes}

    @retried
    def beat(self, run_id: int) -> None:
        """The coordinator of `run_id` is alive now."""
        with self.session() as s, s.begin():
            s.execute(update(RunRow).where(RunRow.id == run_id).values(heartbeat_at=now()))

    def lock_run(self, run_id: int) -> RunLock | None:
        """The run's coordinator lock (a PostgreSQL advisory lock, released by `close()` or when
        its process dies); None when another process holds it."""
        connection = self.engine.connect()
        try:
            held = connection.execute(_TRY_LOCK, {"key": COORDINATOR_LOCK_KEY, "run": run_id})
            held = held.scalar_one()
            connection.commit()
        except BaseException:
            connection.invalidate()
            connection.close()
            raise
        if not held:
            connection.close()
            return None
        return RunLock(connection, run_id)


_TRY_LOCK = text("SELECT pg_try_advisory_lock(:key, :run)")
_UNLOCK = text("SELECT pg_advisory_unlock(:key, :run)")


class RunLock:
    """A held coordinator lock, on a connection of its own."""

    def __init__(self, connection: Connection, run_id: int) -> None:
        self.connection = connection
        self.run_id = run_id

    def close(self) -> None:
        """Release the lock; a connection that cannot say so is dropped, which releases it."""
        try:
            self.connection.execute(_UNLOCK, {"key": COORDINATOR_LOCK_KEY, "run": self.run_id})
            self.connection.commit()
        except Exception:
            self.connection.invalidate()
        finally:
            self.connection.close()
