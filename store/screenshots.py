"""The screenshots table: images of a run's pages (a failing element outlined, or the page's
thumbnail), kept for the scorecard and read back one image at a time."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import defer

from massaudit.store.connection import StoreConnection, retried
from massaudit.store.schema import ScreenshotRow

SHOT_FIELDS = ("kind", "rule_id", "fingerprint", "selector", "alt", "mime", "width", "height")
_CHUNK = 500  # page ids per query: a run's pages may be more than a database takes in one IN


class ScreenshotStore(StoreConnection):
    """Screenshots of a run's pages."""

    @retried
    def save_screenshots(self, run_id: int, page_id: int, shots: list[dict[str, Any]]) -> None:
        """Store a page's images; each dict has SHOT_FIELDS and `image` (bytes)."""
        rows = [
            {"run_id": run_id, "page_id": page_id, "size": len(shot["image"])}
            | {key: shot[key] for key in (*SHOT_FIELDS, "image")}
            for shot in shots
        ]
        if rows:
            with self.session() as s, s.begin():
                s.execute(insert(ScreenshotRow), rows)

    @retried
    def screenshots(self, page_ids: Iterable[int]) -> list[ScreenshotRow]:
        """The screenshots of these pages, without their images (`screenshot_image`)."""
        ids = sorted(set(page_ids))
        rows: list[ScreenshotRow] = []
        with self.session() as s:
            for start in range(0, len(ids), _CHUNK):
                query = (
                    select(ScreenshotRow)
                    .options(defer(ScreenshotRow.image))
                    .where(ScreenshotRow.page_id.in_(ids[start : start + _CHUNK]))
                    .order_by(ScreenshotRow.id)
                )
                rows.extend(s.scalars(query))
            s.expunge_all()
        return rows

    @retried
    def screenshot_image(self, screenshot_id: int) -> bytes | None:
        with self.session() as s:
            query = select(ScreenshotRow.image).where(ScreenshotRow.id == screenshot_id)
            return s.scalar(query)

    @retried
    def screenshot_bytes(self, run_id: int) -> int:
        """Bytes of images a run has stored (a resumed run's budget goes on from there)."""
        with self.session() as s:
            query = select(func.coalesce(func.sum(ScreenshotRow.size), 0))
            return int(s.scalar(query.where(ScreenshotRow.run_id == run_id)) or 0)
