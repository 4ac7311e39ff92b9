"""The nightly audit: crawl the sites, render and audit each page, judge, score and store it."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from scrapy.crawler import AsyncCrawlerRunner

from audits.axe import AXE_VERSION
from audits.collector import Auditor, AuditSettings
from crawler.items import FetchedPage
from crawler.settings import crawl_settings, run_on_reactor
from crawler.sites import SitesConfig
from crawler.spider import SiteSpider
from massaudit import __version__
from reports.scoring import SCORING_VERSION, page_scores
from rules.catalogue import Catalogue, load_catalogue
from rules.judge import judge_page
from rules.model import PageArtifacts
from rules.outcomes import rule_outcomes
from store.db import PageJudgement, RunVersions, Store


@dataclass
class RunSummary:
    run_id: int
    status: str = "running"
    pages_audited: int = 0
    pages_failed: int = 0
    findings: Counter[str] = field(default_factory=Counter)
    per_site: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        data = asdict(self)
        data["findings"] = dict(self.findings)
        data["per_site"] = dict(self.per_site)
        return data


ProgressCallback = Callable[[RunSummary, str], None]


def judge(artifacts: PageArtifacts, catalogue: Catalogue) -> PageJudgement:
    """Judging and scoring of one page: pure, so a stored run can be judged again."""
    outcomes = rule_outcomes(artifacts)
    return PageJudgement(
        findings=judge_page(artifacts, catalogue),
        rule_outcomes=outcomes,
        scores=page_scores(outcomes, catalogue),
    )


def run_audit(
    sites: SitesConfig,
    store: Store,
    *,
    audit_settings: AuditSettings | None = None,
    progress: ProgressCallback | None = None,
) -> RunSummary:
    """Run one audit of `sites` into `store`. A run that dies keeps its pages and is incomplete."""
    catalogue = load_catalogue()
    audit_settings = audit_settings or AuditSettings()
    store.mark_abandoned_runs()
    run_id = store.begin_run(
        config=sites.to_dict(),
        options={"audit": asdict(audit_settings)},
        versions=RunVersions(__version__, AXE_VERSION, catalogue.version, SCORING_VERSION),
    )
    summary = RunSummary(run_id)
    started = time.monotonic()
    error: str | None = None
    try:
        run_on_reactor(
            lambda: _crawl_and_audit(sites, store, catalogue, audit_settings, summary, progress)
        )
        summary.status = "complete"
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM from a scheduler's time limit
        summary.status = "incomplete"
        error = "interrupted"
    except BaseException as exc:
        summary.status = "failed" if summary.pages_audited == 0 else "incomplete"
        error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        summary.seconds = round(time.monotonic() - started, 1)
        store.finish_run(run_id, summary.status, summary.to_dict(), error)
    return summary


async def _crawl_and_audit(
    sites: SitesConfig,
    store: Store,
    catalogue: Catalogue,
    audit_settings: AuditSettings,
    summary: RunSummary,
    progress: ProgressCallback | None,
) -> None:
    async with Auditor(audit_settings) as auditor:
        settings = crawl_settings(sites, tool_version=__version__)
        runner = AsyncCrawlerRunner(settings)
        crawler = runner.create_crawler(SiteSpider)
        fatal: list[BaseException] = []

        async def audit_page(page: FetchedPage) -> None:
            if fatal:
                return
            artifacts = await auditor.audit(page.url)
            judgement = judge(artifacts, catalogue)
            try:
                store.save_page(
                    summary.run_id,
                    site_id=page.site_id,
                    agency_id=page.agency_id,
                    depth=page.depth,
                    artifacts=artifacts,
                    judgement=judgement,
                )
            except Exception as exc:  # the store is gone: stop rather than lose pages silently
                fatal.append(exc)
                crawler.stop()
                return
            summary.pages_audited += 1
            summary.per_site[page.site_id] += 1
            if artifacts.error:
                summary.pages_failed += 1
            for finding in judgement.findings:
                summary.findings[finding.outcome] += 1
            if progress is not None:
                progress(summary, page.url)

        logging.getLogger("scrapy").setLevel(logging.WARNING)
        await runner.crawl(crawler, sites=sites, page_sink=audit_page)
        if fatal:
            raise fatal[0]
