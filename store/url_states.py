"""The url_states table: what became of every URL a run found (queued, audited, unchanged,
skipped and why), which is also what a resumed run starts from."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, not_, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from massaudit.store.connection import StoreConnection, now, retried
from massaudit.store.schema import UrlStateRow


class UrlStateStore(StoreConnection):
    """URL states of a run, and the crawl state a resumed run starts from."""

    @retried
    def record_url_states(self, run_id: int, states: list[dict[str, Any]]) -> None:
        with self.session() as s, s.begin():
            upsert_url_states(s, run_id, states)

    @retried
    def url_states(self, run_id: int) -> list[UrlStateRow]:
        with self.session() as s:
            return list(
                s.scalars(
                    select(UrlStateRow)
                    .where(UrlStateRow.run_id == run_id)
                    .order_by(UrlStateRow.site_id, UrlStateRow.url)
                )
            )

    @retried
    def state_counts(self, run_id: int) -> dict[str, int]:
        """URL counts of a run by state, skipped ones by reason ("skipped:http_error"); the
        reasons of other states (unchanged: sitemap_lastmod) are summed into their state."""
        with self.session() as s:
            rows = s.execute(
                select(UrlStateRow.state, UrlStateRow.reason, func.count())
                .where(UrlStateRow.run_id == run_id)
                .group_by(UrlStateRow.state, UrlStateRow.reason)
            )
            counts: dict[str, int] = {}
            for state, reason, count in rows:
                key = f"{state}:{reason}" if state == "skipped" else state
                counts[key] = counts.get(key, 0) + count
            return counts

    @retried
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
                seen.setdefault(site_id, {})[url] = (
                    f"skipped:{reason}" if state == "skipped" else state
                )
                if state == "queued":
                    queued.append((site_id, url, depth, referrer, document))
        return seen, queued


FINAL_STATES = {"audited", "unchanged", "skipped"}
# Not final: waiting to be fetched, or published to a distributed run's workers (later).
PENDING_STATES = ("queued", "auditing")
_STATE_FIELDS = {
    "state": None,
    "reason": None,
    "detail": "",
    "status": None,
    "depth": 0,
    "referrer": None,
    "document": None,
    "content_type": "",
    "size": None,
}
_CHUNK = 200  # rows a statement: well under any database's bound parameters


def upsert_url_states(s: Session, run_id: int, states: list[dict[str, Any]]) -> None:
    """Insert or update URL states with INSERT ... ON CONFLICT, so writers in several processes
    never clash: a final state is never turned back into a pending one, nor `auditing` into
    `queued`."""
    by_key = {(st["site_id"], st["url"]): st for st in states}
    if not by_key:
        return
    dialect = s.get_bind().dialect.name
    if dialect not in _INSERTS:
        _upsert_url_states_orm(s, run_id, by_key)
        return
    stamp = now()
    rows = [
        {**_STATE_FIELDS, **st, "run_id": run_id, "updated_at": stamp} for st in by_key.values()
    ]
    statement = _upsert_statement(dialect)
    for start in range(0, len(rows), _CHUNK):
        s.execute(statement, rows[start : start + _CHUNK])


def _upsert_statement(dialect: str):
    """The dialect's INSERT ... ON CONFLICT of one URL state, built once: executed with a list
    of rows, it is compiled once and cached (a nightly run writes a state for every URL)."""
    if dialect not in _UPSERTS:
        statement = _INSERTS[dialect](UrlStateRow)
        new, old = statement.excluded, UrlStateRow
        # Comparisons, not IN: an IN's expanding parameters cannot be executed with many rows.
        backwards = or_(
            and_(_any_of(new.state, PENDING_STATES), _any_of(old.state, FINAL_STATES)),
            and_(new.state == "queued", old.state == "auditing"),
        )
        _UPSERTS[dialect] = statement.on_conflict_do_update(
            index_elements=["run_id", "site_id", "url"],
            set_={name: new[name] for name in (*_STATE_FIELDS, "updated_at")},
            where=not_(backwards),
        )
    return _UPSERTS[dialect]


def _any_of(column: Any, values: tuple[str, ...]) -> Any:
    return or_(*(column == value for value in values))


_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
_UPSERTS: dict[str, Any] = {}


def _upsert_url_states_orm(s: Session, run_id: int, by_key: dict[tuple, dict[str, Any]]) -> None:
    """The same for a database without ON CONFLICT in SQLAlchemy: read, then insert or update
    (one writer at a time)."""
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
    stamp = now()
    for key, state in by_key.items():
        row = existing.get(key)
        if row is None:
            s.add(UrlStateRow(run_id=run_id, updated_at=stamp, **state))
        elif not (
            (state["state"] in PENDING_STATES and row.state in FINAL_STATES)
            or (state["state"] == "queued" and row.state == "auditing")
        ):
            for field_name, value in state.items():
                setattr(row, field_name, value)
            row.updated_at = stamp
