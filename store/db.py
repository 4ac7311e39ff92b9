"""Reading and writing runs, pages and findings: `Store` is the one object the rest of massaudit
opens. Each table's reads and writes live in their own module; every method is one transaction,
tried again with back-off when its failure may pass (store.connection)."""

from __future__ import annotations

from massaudit.store.audit_jobs import AuditJobStore
from massaudit.store.connection import (
    FAULT_ENV,
    RETRY_DELAYS,
    SCHEMA_LOCK_KEY,
    StoreError,
    database_url,
    now,
    one_line,
)
from massaudit.store.document_rows import DocumentStore, finding_dict
from massaudit.store.findings import FindingStore
from massaudit.store.pages import PageStore, compress_artifacts, decompress_artifacts
from massaudit.store.runs import RunStore, RunVersions
from massaudit.store.screenshots import ScreenshotStore
from massaudit.store.url_states import UrlStateStore

__all__ = [
    "FAULT_ENV",
    "RETRY_DELAYS",
    "SCHEMA_LOCK_KEY",
    "RunVersions",
    "Store",
    "StoreError",
    "compress_artifacts",
    "database_url",
    "decompress_artifacts",
    "finding_dict",
    "now",
    "one_line",
]


class Store(
    RunStore,
    PageStore,
    UrlStateStore,
    FindingStore,
    DocumentStore,
    ScreenshotStore,
    AuditJobStore,
):
    """An audit store: SQLite by default, any SQLAlchemy URL (PostgreSQL at scale)."""
