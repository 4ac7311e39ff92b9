"""The documents table: linked documents (PDF, Office files) checked during a run."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update

from massaudit.rules.model import Finding
from massaudit.store.connection import StoreConnection, now, retried
from massaudit.store.schema import DocumentRow, RunRow
from massaudit.store.url_states import upsert_url_states


class DocumentStore(StoreConnection):
    """Checked documents of a run, and the same file checked by an earlier run."""

    @retried
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
                upsert_url_states(s, run_id, [url_state])
            return row.id

    @retried
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

    @retried
    def documents(self, run_id: int) -> list[DocumentRow]:
        with self.session() as s:
            return list(
                s.scalars(
                    select(DocumentRow)
                    .where(DocumentRow.run_id == run_id)
                    .order_by(DocumentRow.site_id, DocumentRow.url)
                )
            )

    @retried
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
