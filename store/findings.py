"""The findings table: a page's failures and reviews, replaced when a run is judged again."""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from massaudit.rules.catalogue import Catalogue
from massaudit.rules.judge import PageJudgement
from massaudit.rules.model import Finding
from massaudit.rules.scoring import page_scores
from massaudit.store.connection import StoreConnection, retried
from massaudit.store.schema import FindingRow, PageRow


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
