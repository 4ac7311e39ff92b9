"""Tables of the audit store. SQLite by default; any SQLAlchemy URL (PostgreSQL at scale)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SCHEMA_VERSION = 3


class Base(DeclarativeBase):
    pass


class MetaRow(Base):
    __tablename__ = "massaudit_meta"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class RunRow(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # running, complete, incomplete, failed
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    tool_version: Mapped[str] = mapped_column(String(32))
    axe_version: Mapped[str] = mapped_column(String(32))
    catalogue_version: Mapped[str] = mapped_column(String(80))
    scoring_version: Mapped[str] = mapped_column(String(32))
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    judged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PageRow(Base):
    __tablename__ = "pages"
    __table_args__ = (
        UniqueConstraint("run_id", "url", name="uq_pages_run_url"),
        Index("ix_pages_run_site", "run_id", "site_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    site_id: Mapped[str] = mapped_column(String(100))
    agency_id: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str] = mapped_column(Text)
    status_code: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    depth: Mapped[int] = mapped_column(Integer)
    audited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)
    # gzip-compressed JSON of PageArtifacts: the input of judging, kept so a run can be re-judged.
    # None on a page reused from an earlier run: its artifacts are those of `reused_from`.
    artifacts: Mapped[bytes | None] = mapped_column(LargeBinary)
    reused_from: Mapped[int | None] = mapped_column(Integer)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    rule_outcomes: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class FindingRow(Base):
    __tablename__ = "findings"
    __table_args__ = (
        Index("ix_findings_run_rule", "run_id", "rule_id"),
        Index("ix_findings_page", "page_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    rule_id: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(16))
    impact: Mapped[str | None] = mapped_column(String(16))
    selector: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    wcag: Mapped[str] = mapped_column(String(200))  # comma-separated SC numbers
    message: Mapped[str] = mapped_column(Text)


class UrlStateRow(Base):
    """Every URL a run saw for a site, in exactly one state (crawler.frontier lists them)."""

    __tablename__ = "url_states"
    __table_args__ = (
        UniqueConstraint("run_id", "site_id", "url", name="uq_url_states_run_site_url"),
        Index("ix_url_states_run_state", "run_id", "state", "reason"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    site_id: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[int | None] = mapped_column(Integer)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    referrer: Mapped[str | None] = mapped_column(Text)
    document: Mapped[str | None] = mapped_column(String(20))
    content_type: Mapped[str] = mapped_column(String(200), default="")
    size: Mapped[int | None] = mapped_column(Integer)


class LinkRow(Base):
    """An outgoing link of an audited page (normalised URL)."""

    __tablename__ = "links"
    __table_args__ = (Index("ix_links_page", "page_id"), Index("ix_links_run_target", "run_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(Text)


class DocumentRow(Base):
    """A linked document (PDF, Word) downloaded and checked in a run (issue 7).

    `facts` are audits/documents.py's facts (the input of judging, kept for re-judging);
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
    site_id: Mapped[str] = mapped_column(String(100))
    agency_id: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    content_type: Mapped[str] = mapped_column(String(200), default="")
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    analysed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reused_from: Mapped[int | None] = mapped_column(Integer)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    rule_outcomes: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    triage: Mapped[str] = mapped_column(String(30), default="unknown")
    guidance: Mapped[str] = mapped_column(Text, default="")
    linked_from: Mapped[list[str]] = mapped_column(JSON, default=list)
