"""The url_states table: what became of every URL a run found (queued, audited, unchanged,
skipped and why), which is also what a resumed run starts from."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from massaudit.store.connection import StoreConnection, retried
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


def upsert_url_states(s: Session, run_id: int, states: list[dict[str, Any]]) -> None:
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
        elif not (state["state"] == "queued" and row.state in FINAL_STATES):
            for field_name, value in state.items():
                setattr(row, field_name, value)
