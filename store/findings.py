"""The findings table: a page's failures and reviews, replaced when a run is judged again."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from massaudit.rules.catalogue import Catalogue
from massaudit.rules.judge import PageJudgement
from massaudit.rules.model import Finding
from massaudit.rules.scoring import page_scores
from massaudit.store.connection import StoreConnection, retried
from massaudit.store.schema import FindingRow, PageRow

_CHUNK = 500  # page ids a statement: under any database's bound parameters


class FindingStore(StoreConnection):
    """Findings of a run's pages, and judging a stored page again."""

    @retried
    def replace_judgement(self, run_id: int, page_id: int, judgement: PageJudgement) -> None:
        with self.session() as s, s.begin():
            s.execute(delete(FindingRow).where(FindingRow.page_id == page_id))
            s.execute(
                update(PageRow)
                .where(PageRow.id == page_id)
                .values(rule_outcomes=judgement.rule_outcomes, scores=judgement.scores)
            )
            insert_findings(s, run_id, page_id, judgement.findings)

    @retried
    def replace_rule_results(
        self,
        run_id: int,
        rule_ids: set[str],
        results: Mapping[int, tuple[list[Finding], dict[str, str]]],
        catalogue: Catalogue,
    ) -> None:
        """For each page of `results` (page id -> findings, outcomes): replace its findings and
        outcomes of `rule_ids` (the site-level rules) only, and score it again from its new
        outcomes. One transaction for all the pages; their artifacts are not read."""
        if not results:
            return
        page_ids = sorted(results)
        with self.session() as s, s.begin():
            stored = {
                row.id: row
                for start in range(0, len(page_ids), _CHUNK)
                for row in s.execute(
                    select(PageRow.id, PageRow.rule_outcomes, PageRow.error).where(
                        PageRow.id.in_(page_ids[start : start + _CHUNK])
                    )
                )
            }
            for start in range(0, len(page_ids), _CHUNK):
                s.execute(
                    delete(FindingRow).where(
                        FindingRow.page_id.in_(page_ids[start : start + _CHUNK]),
                        FindingRow.rule_id.in_(sorted(rule_ids)),
                    )
                )
            for page_id in page_ids:
                findings, outcomes = results[page_id]
                row = stored[page_id]
                kept = {k: v for k, v in (row.rule_outcomes or {}).items() if k not in rule_ids}
                values: dict[str, Any] = {"rule_outcomes": dict(sorted((kept | outcomes).items()))}
                if not row.error:
                    values["scores"] = page_scores(values["rule_outcomes"], catalogue)
                s.execute(update(PageRow).where(PageRow.id == page_id).values(**values))
                insert_findings(s, run_id, page_id, findings)

    @retried
    def findings(self, run_id: int) -> list[FindingRow]:
        with self.session() as s:
            return list(
                s.scalars(
                    select(FindingRow)
                    .where(FindingRow.run_id == run_id)
                    .order_by(FindingRow.page_id, FindingRow.rule_id, FindingRow.selector)
                )
            )


# A finding row's own data, besides where it belongs (run, page).
FINDING_FIELDS = (
    "rule_id",
    "category",
    "outcome",
    "impact",
    "selector",
    "html",
    "wcag",
    "message",
)


def insert_findings(s: Session, run_id: int, page_id: int, findings: list[Finding]) -> None:
    """One multi-row INSERT: a page has hundreds of findings on a bad day."""
    if not findings:
        return
    rows = [
        f.to_dict() | {"run_id": run_id, "page_id": page_id, "wcag": ",".join(f.wcag)}
        for f in findings
    ]
    s.execute(insert(FindingRow), rows)
