"""What a run's crawl works with: run_audit (pipeline/nightly.py) builds one and hands it to its
own crawl, which audits each page in this process, or to a distributed run's coordinator
(pipeline/distributed/coordinator.py), which publishes each page to the workers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from massaudit.audits.collector import AuditSettings
from massaudit.crawler.items import ResumeState
from massaudit.crawler.sites import SitesConfig
from massaudit.pipeline.run_log import RunLog
from massaudit.pipeline.summary import ProgressCallback, RunSummary
from massaudit.rules.catalogue import Catalogue
from massaudit.store.db import Store


@dataclass(frozen=True)
class CrawlJob:
    sites: SitesConfig
    store: Store
    catalogue: Catalogue
    audit_settings: AuditSettings
    summary: RunSummary  # filled in as the crawl goes
    progress: ProgressCallback | None
    resume: ResumeState | None  # what a resumed run had decided already
    previous: dict[tuple[str, str], tuple]  # (site, url) -> the last complete run's page
    log: RunLog
    tool_version: str


CrawlFunction = Callable[[CrawlJob], Awaitable[None]]
