"""The pages table and each page's links: saving an audited page, carrying an unchanged one
over from an earlier run, and reading pages (their compressed artifacts included) back."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Integer, and_, bindparam, delete, func, insert, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, aliased, defer

from massaudit.rules.judge import PageJudgement
from massaudit.rules.model import PageArtifacts
from massaudit.store.connection import StoreConnection, StoreError, now, reason, redact, retried
from massaudit.store.findings import FINDING_FIELDS, insert_findings
from massaudit.store.schema import DocumentRow, FindingRow, LinkRow, PageRow, RunRow
from massaudit.store.url_states import upsert_url_states

# What a page carried over keeps of the page it was reused from (its artifacts stay there).
_PAGE_COPIED = (
    "agency_id",
    "url",
    "final_url",
    "status_code",
    "title",
    "audited_at",
    "error",
    "rule_outcomes",
    "scores",
    "etag",
    "last_modified",
    "content_hash",
)


def _copy_rows(table: Any, columns: tuple[str, ...]) -> Any:
    """INSERT of the rows of page `old_id` as rows of page `page_id` of run `run_id`."""
    return insert(table).from_select(
        ["run_id", "page_id", *columns],
        select(
            bindparam("run_id", type_=Integer),
            bindparam("page_id", type_=Integer),
            *(getattr(table, c) for c in columns),
        ).where(table.page_id == bindparam("old_id")),
    )


_URL_OF = select(PageRow.url).where(PageRow.id == bindparam("old_id"))
_DELETE_RUN_URL = delete(PageRow).where(
    PageRow.run_id == bindparam("run_id"), PageRow.url == bindparam("url")
)
_COPY_PAGE = (
    insert(PageRow)
    .from_select(
        ["run_id", "site_id", "depth", "reused_from", *_PAGE_COPIED],
        select(
            bindparam("run_id", type_=PageRow.run_id.type),
            bindparam("site_id", type_=PageRow.site_id.type),
            bindparam("depth", type_=PageRow.depth.type),
            func.coalesce(PageRow.reused_from, PageRow.id),
            *(getattr(PageRow, c) for c in _PAGE_COPIED),
        ).where(PageRow.id == bindparam("old_id")),
    )
    .returning(PageRow.id)
)
_COPY_FINDINGS = _copy_rows(FindingRow, FINDING_FIELDS)
_COPY_LINKS = _copy_rows(LinkRow, ("target",))
_LINKS_OF = select(LinkRow.target).where(LinkRow.page_id == bindparam("old_id"))


def compress_artifacts(artifacts: PageArtifacts) -> bytes:
    raw = json.dumps(artifacts.to_dict(), separators=(",", ":"), ensure_ascii=False)
    return gzip.compress(raw.encode("utf-8"), compresslevel=6)


def decompress_artifacts(blob: bytes) -> PageArtifacts:
    return PageArtifacts.from_dict(json.loads(gzip.decompress(blob)))


class PageStore(StoreConnection):
    """Pages of a run with their links; a page's findings and URL states are written with it."""

    @retried
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
                **page_values(run_id, site_id, agency_id, depth, artifacts, judgement)
                | {"etag": etag, "last_modified": last_modified, "content_hash": content_hash}
            )
            s.add(page)
            s.flush()
            insert_findings(s, run_id, page.id, judgement.findings)
            _insert_links(s, run_id, page.id, links)
            states = [*discovered, url_state] if url_state is not None else list(discovered)
            upsert_url_states(s, run_id, states)
            page_id = page.id
        self._page_committed()
        return page_id

    @retried
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
        params = {
            "run_id": run_id,
            "site_id": url_state["site_id"],
            "depth": depth,
            "old_id": previous_page_id,
        }
        with self.session() as s, s.begin():
            # Statements built once (no ORM objects): most pages of a nightly run are unchanged,
            # and this is all the run does for each of them. Copied inside the database.
            conn = s.connection()
            params["url"] = conn.execute(_URL_OF, params).scalar_one()
            conn.execute(_DELETE_RUN_URL, params)
            params["page_id"] = conn.execute(_COPY_PAGE, params).scalar_one()
            conn.execute(_COPY_FINDINGS, params)
            conn.execute(_COPY_LINKS, params)
            links = list(conn.execute(_LINKS_OF, params).scalars())
            discovered = discover(links) if discover is not None else []
            upsert_url_states(s, run_id, [*discovered, url_state])
        self._page_committed()
        return links

    @retried
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
                raise StoreError(f"--db {redact(self.engine)}: {reason(exc)}") from None

    @retried
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

    @retried
    def artifacts_of(self, page_id: int) -> PageArtifacts:
        """One page's artifacts (those of the audited page it was reused from, if reused)."""
        with self.session() as s:
            page = s.get(PageRow, page_id)
            blob = page.artifacts
            if blob is None and page.reused_from is not None:
                blob = s.get(PageRow, page.reused_from).artifacts
            return decompress_artifacts(blob)

    @retried
    def page_sites(self, run_id: int) -> dict[int, str]:
        """page id -> site id for every page of a run."""
        with self.session() as s:
            rows = s.execute(select(PageRow.id, PageRow.site_id).where(PageRow.run_id == run_id))
            return dict(rows.all())

    @retried
    def page_groups(self, run_id: int) -> list[tuple[int, str, str]]:
        """(page id, site id, agency id) of every page of a run."""
        with self.session() as s:
            rows = s.execute(
                select(PageRow.id, PageRow.site_id, PageRow.agency_id).where(
                    PageRow.run_id == run_id
                )
            )
            return [tuple(row) for row in rows.all()]

    @retried
    def page_score_rows(self, run_id: int) -> list[tuple[str, str, str | None, dict[str, Any]]]:
        """(site id, agency id, error, stored scores) of every page of a run, for score history."""
        with self.session() as s:
            rows = s.execute(
                select(PageRow.site_id, PageRow.agency_id, PageRow.error, PageRow.scores)
                .where(PageRow.run_id == run_id)
                .order_by(PageRow.id)
            )
            return [tuple(row) for row in rows.all()]

    @retried
    def links(self, run_id: int) -> list[tuple[int, str]]:
        with self.session() as s:
            return list(
                s.execute(
                    select(LinkRow.page_id, LinkRow.target)
                    .where(LinkRow.run_id == run_id)
                    .order_by(LinkRow.page_id, LinkRow.id)
                )
            )

    @retried
    def previous_pages(self, before_run: int, site_ids: list[str]) -> dict[tuple[str, str], Any]:
        """(site, url) -> (page id, etag, last_modified, content hash, when its artifacts were
        fetched) of each page of the sites' last complete audit before `before_run`, without
        the pages that failed."""
        with self.session() as s:
            last = _last_audits(s, before_run, site_ids)
            if not last:
                return {}
            original = aliased(PageRow)
            rows = s.execute(
                select(
                    PageRow.id,
                    PageRow.site_id,
                    PageRow.url,
                    PageRow.etag,
                    PageRow.last_modified,
                    PageRow.content_hash,
                    func.coalesce(original.audited_at, PageRow.audited_at),
                )
                .outerjoin(original, original.id == PageRow.reused_from)
                .where(
                    or_(*(_of_run(site, run) for site, run in last.items())),
                    PageRow.error.is_(None),
                )
            )
            return {(site, url): (pid, *facts) for pid, site, url, *facts in rows}

    @retried
    def last_audits(self, site_ids: list[str]) -> dict[str, tuple[int, int, int]]:
        """site -> (run id, pages audited or carried over, documents checked) of its last
        complete audit; sites never audited are left out."""
        with self.session() as s:
            last = _last_audits(s, None, site_ids)
            found = {}
            for site, run in last.items():
                pages = s.scalar(
                    select(func.count())
                    .select_from(PageRow)
                    .where(_of_run(site, run), PageRow.error.is_(None))
                )
                documents = s.scalar(
                    select(func.count())
                    .select_from(DocumentRow)
                    .where(DocumentRow.run_id == run, DocumentRow.site_id == site)
                )
                found[site] = (run, pages or 0, documents or 0)
            return found


def _last_audits(s: Session, before_run: int | None, site_ids: list[str]) -> dict[str, int]:
    """site -> the newest complete run (before `before_run`) holding pages of it: a site the
    newest run did not audit (left out with --site, or unreachable) keeps its earlier pages."""
    runs = select(RunRow.id).where(RunRow.status == "complete").order_by(RunRow.id.desc())
    if before_run is not None:
        runs = runs.where(RunRow.id < before_run)
    left, found = set(site_ids), {}
    for run_id in s.scalars(runs):
        if not left:
            break
        present = s.scalars(
            select(PageRow.site_id)
            .where(PageRow.run_id == run_id, PageRow.site_id.in_(sorted(left)))
            .group_by(PageRow.site_id)
        )
        for site in present:
            found[site] = run_id
            left.discard(site)
    return found


def _of_run(site_id: str, run_id: int) -> Any:
    return and_(PageRow.run_id == run_id, PageRow.site_id == site_id)


def page_values(
    run_id: int,
    site_id: str,
    agency_id: str,
    depth: int,
    artifacts: PageArtifacts,
    judgement: PageJudgement,
) -> dict[str, Any]:
    """The columns of an audited page's row, audited now (without its validators)."""
    return {
        "run_id": run_id,
        "site_id": site_id,
        "agency_id": agency_id,
        "url": artifacts.url,
        "final_url": artifacts.final_url,
        "status_code": artifacts.status,
        "title": artifacts.title,
        "depth": depth,
        "audited_at": now(),
        "error": artifacts.error,
        "artifacts": compress_artifacts(artifacts),
        "rule_outcomes": judgement.rule_outcomes,
        "scores": judgement.scores,
    }


def _delete_page(s: Session, run_id: int, url: str) -> None:
    s.execute(delete(PageRow).where(PageRow.run_id == run_id, PageRow.url == url))


def _insert_links(s: Session, run_id: int, page_id: int, links: Any) -> None:
    rows = [{"run_id": run_id, "page_id": page_id, "target": t} for t in links]
    if rows:
        s.execute(insert(LinkRow), rows)
