"""Tables of the audit store. SQLite by default; any SQLAlchemy URL (PostgreSQL at scale)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# A change of the tables is a new migration with this number (docs/store.md).
SCHEMA_VERSION = 7
TRUNCATED = "…[truncated]"


def clean_text(value: str, length: int | None = None) -> str:
    """Text as every database keeps it: no NUL (PostgreSQL refuses it in text and JSON), and
    cut to `length` characters with a visible marker."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    if length is not None and len(value) > length:
        value = (value[: max(length - len(TRUNCATED), 0)] + TRUNCATED)[:length]
    return value


def clean_json(value: Any) -> Any:
    """A JSON value with `clean_text` applied to every string in it, keys included."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_json(k): clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_json(v) for v in value]
    return value


# Every text and JSON column of the store is one of these three types, so whatever a crawled site
# sends (titles, URLs, headers, error texts, selectors, document facts) is cleaned on its way
# into any database in one place: every INSERT, UPDATE and WHERE binds through them.


class CleanString(TypeDecorator[str]):
    impl = String
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return clean_text(value, self.impl.length) if isinstance(value, str) else value


class CleanText(TypeDecorator[str]):
    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return clean_text(value) if isinstance(value, str) else value


class CleanJSON(TypeDecorator[Any]):
    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return clean_json(value)


class Base(DeclarativeBase):
    pass


class MetaRow(Base):
    __tablename__ = "massaudit_meta"

    key: Mapped[str] = mapped_column(CleanString(50), primary_key=True)
    value: Mapped[str] = mapped_column(CleanString(200))


class RunRow(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(CleanString(16))  # running, complete, incomplete, failed
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    tool_version: Mapped[str] = mapped_column(CleanString(32))
    axe_version: Mapped[str] = mapped_column(CleanString(32))
    catalogue_version: Mapped[str] = mapped_column(CleanString(80))
    scoring_version: Mapped[str] = mapped_column(CleanString(32))
    config: Mapped[dict[str, Any]] = mapped_column(CleanJSON)
    options: Mapped[dict[str, Any]] = mapped_column(CleanJSON)
    summary: Mapped[dict[str, Any]] = mapped_column(CleanJSON, default=dict)
    host: Mapped[str] = mapped_column(CleanString(255))
    pid: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(CleanText())
    judged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A distributed run's coordinator writes it every few seconds (docs/distributed.md).
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PageRow(Base):
    __tablename__ = "pages"
    __table_args__ = (
        UniqueConstraint("run_id", "url", name="uq_pages_run_url"),
        Index("ix_pages_run_site", "run_id", "site_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    site_id: Mapped[str] = mapped_column(CleanString(100))
    agency_id: Mapped[str] = mapped_column(CleanString(100))
    url: Mapped[str] = mapped_column(CleanText())
    final_url: Mapped[str] = mapped_column(CleanText())
    status_code: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(CleanText())
    depth: Mapped[int] = mapped_column(Integer)
    audited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(CleanText())
    # gzip-compressed JSON of PageArtifacts: the input of judging, kept so a run can be re-judged.
    # None on a page reused from an earlier run: its artifacts are those of `reused_from`.
    artifacts: Mapped[bytes | None] = mapped_column(LargeBinary)
    reused_from: Mapped[int | None] = mapped_column(Integer)
    etag: Mapped[str | None] = mapped_column(CleanText())
    last_modified: Mapped[str | None] = mapped_column(CleanText())
    content_hash: Mapped[str] = mapped_column(CleanString(64), default="")
    rule_outcomes: Mapped[dict[str, str]] = mapped_column(CleanJSON, default=dict)
    scores: Mapped[dict[str, Any]] = mapped_column(CleanJSON, default=dict)


class FindingRow(Base):
    __tablename__ = "findings"
    __table_args__ = (
        Index("ix_findings_run_rule", "run_id", "rule_id"),
        Index("ix_findings_page", "page_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    rule_id: Mapped[str] = mapped_column(CleanString(100))
    category: Mapped[str] = mapped_column(CleanString(40))
    outcome: Mapped[str] = mapped_column(CleanString(16))
    impact: Mapped[str | None] = mapped_column(CleanString(16))
    selector: Mapped[str] = mapped_column(CleanText())
    html: Mapped[str] = mapped_column(CleanText())
    wcag: Mapped[str] = mapped_column(CleanString(200))  # comma-separated SC numbers
    message: Mapped[str] = mapped_column(CleanText())


class UrlStateRow(Base):
    """Every URL a run saw for a site, in exactly one state (crawler.frontier lists them)."""

    __tablename__ = "url_states"
    __table_args__ = (
        UniqueConstraint("run_id", "site_id", "url", name="uq_url_states_run_site_url"),
        Index("ix_url_states_run_state", "run_id", "state", "reason"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    site_id: Mapped[str] = mapped_column(CleanString(100))
    url: Mapped[str] = mapped_column(CleanText())
    state: Mapped[str] = mapped_column(CleanString(16))
    reason: Mapped[str | None] = mapped_column(CleanString(40))
    detail: Mapped[str] = mapped_column(CleanText(), default="")
    status: Mapped[int | None] = mapped_column(Integer)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    referrer: Mapped[str | None] = mapped_column(CleanText())
    document: Mapped[str | None] = mapped_column(CleanString(20))
    content_type: Mapped[str] = mapped_column(CleanString(200), default="")
    size: Mapped[int | None] = mapped_column(BigInteger)
    # When the state was last written: a distributed run republishes `auditing` ones gone stale.
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LinkRow(Base):
    """An outgoing link of an audited page (normalised URL)."""

    __tablename__ = "links"
    __table_args__ = (Index("ix_links_page", "page_id"), Index("ix_links_run_target", "run_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(CleanText())


class DocumentRow(Base):
    """A linked document (PDF, Word) downloaded and checked in a run.

    `facts` are audits/document_facts.py's facts (the input of judging, kept for re-judging);
    `findings` is a JSON list of findings in the shape of a page's findings rows (rule_id,
    category, outcome, impact, selector such as "document" or "page 3", html "", wcag list,
    message). `reused_from` names the document row whose facts were reused because the file's
    sha256 had not changed since the last complete run. `triage` (ADA Title II: "must fix",
    "exemption candidate", "unknown"), `guidance` and `linked_from` are set when the crawl ends.
    """

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("run_id", "site_id", "url", name="uq_documents_run_site_url"),
        Index("ix_documents_site_url_hash", "site_id", "url", "sha256"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    site_id: Mapped[str] = mapped_column(CleanString(100))
    agency_id: Mapped[str] = mapped_column(CleanString(100))
    url: Mapped[str] = mapped_column(CleanText())
    kind: Mapped[str] = mapped_column(CleanString(20))
    content_type: Mapped[str] = mapped_column(CleanString(200), default="")
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(CleanString(64))
    last_modified: Mapped[str | None] = mapped_column(CleanText())
    analysed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reused_from: Mapped[int | None] = mapped_column(Integer)
    facts: Mapped[dict[str, Any]] = mapped_column(CleanJSON, default=dict)
    rule_outcomes: Mapped[dict[str, str]] = mapped_column(CleanJSON, default=dict)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(CleanJSON, default=list)
    triage: Mapped[str] = mapped_column(CleanString(30), default="unknown")
    guidance: Mapped[str] = mapped_column(CleanText(), default="")
    linked_from: Mapped[list[str]] = mapped_column(CleanJSON, default=list)


class ScreenshotRow(Base):
    """An image of an audited page: an element that failed a rule, highlighted in its context
    (`kind` "element", named by the finding's `fingerprint` and `selector`), or the whole page
    small (`kind` "thumbnail"). Kept with the run for the scorecard, apart from the artifacts
    that re-judging reads; `alt` says what is highlighted, in plain text."""

    __tablename__ = "screenshots"
    __table_args__ = (Index("ix_screenshots_run_page", "run_id", "page_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(CleanString(16))
    rule_id: Mapped[str] = mapped_column(CleanString(100), default="")
    fingerprint: Mapped[str] = mapped_column(CleanString(64), default="")
    selector: Mapped[str] = mapped_column(CleanText(), default="")
    alt: Mapped[str] = mapped_column(CleanText(), default="")
    mime: Mapped[str] = mapped_column(CleanString(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    image: Mapped[bytes] = mapped_column(LargeBinary)
