"""Loading and judging the pages of `massaudit check`: one warm Chromium audits them,
`--concurrency` at a time, and the nightly audit's judging (massaudit.rules.judge: `judge` per
page, `judge_site` per origin) judges them; then the chosen rules are kept, a fragment's own
findings kept, and each finding gets its fingerprint and source line."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from urllib.parse import urlsplit

from massaudit.pipeline.check.fragment import fragment_findings
from massaudit.pipeline.check.inputs import Target
from massaudit.pipeline.check.source_line import source_lines
from massaudit.reports.ci import CheckedFinding, CheckedPage
from massaudit.rules.catalogue import Catalogue
from massaudit.rules.fingerprint import fingerprint
from massaudit.rules.model import Finding, PageArtifacts

# Checks about how a page is served, not what it says: meaningless for content served from our
# temporary 127.0.0.1 server (local files and fragments).
LOCAL_DISABLED = ("https-hsts",)


async def audit_all(
    urls: list[str],
    concurrency: int,
    page_timeout: float,
    host_headers: dict[str, dict[str, str]] | None = None,
    tool_version: str = "",
) -> tuple[list[PageArtifacts], str | None]:
    """Audit every URL in one warm Chromium, `concurrency` pages at once, each within a timeout;
    `host_headers` (--header, --cookie) go to their hosts only; the browser names itself as the
    crawler does, with massaudit's `tool_version`."""
    from massaudit.audits.collector import Auditor, AuditSettings
    from massaudit.crawler.settings import user_agent

    settings = AuditSettings(
        concurrency=concurrency,
        navigation_timeout_s=page_timeout,
        axe_timeout_s=page_timeout,
        user_agent=user_agent(tool_version),
        host_headers=host_headers or {},
    )
    auditor = Auditor(settings)
    await auditor.start()  # BrowserNotFound here is exit code 3

    slots = asyncio.Semaphore(concurrency)

    async def one(url: str) -> PageArtifacts:
        # Navigation, axe and the facts each have their own timeout; this is the backstop.
        async with slots:
            try:
                return await asyncio.wait_for(auditor.audit(url), page_timeout * 4 + 10)
            except TimeoutError:
                error = f"timed out after {page_timeout * 4 + 10:.0f} s"
                return PageArtifacts(url, url, None, "", {}, error=error)

    try:
        results = await asyncio.gather(*(one(url) for url in urls))
    finally:
        await auditor.close()
    return list(results), auditor.axe_version


def load_error(artifacts: PageArtifacts) -> str | None:
    if artifacts.error:
        return artifacts.error
    if artifacts.status is None:
        return "no response"
    if artifacts.status >= 400:
        return f"HTTP {artifacts.status}"
    return None


def judge_targets(
    targets: list[Target],
    artifacts: list[PageArtifacts],
    catalogue: Catalogue,
    chosen: set[str] | None,
) -> list[CheckedPage]:
    """Judge every page exactly as the nightly audit does, then keep the chosen rules."""
    from massaudit.rules.checks.settings import CheckSettings
    from massaudit.rules.judge import judge, judge_site

    remote = CheckSettings()
    local = CheckSettings(disabled=LOCAL_DISABLED)
    pages: list[CheckedPage] = []
    judged: dict[int, tuple[list[Finding], dict[str, str]]] = {}
    by_origin: dict[tuple[str, bool], dict[int, PageArtifacts]] = {}
    for index, (target, art) in enumerate(zip(targets, artifacts, strict=True)):
        error = load_error(art)
        pages.append(
            CheckedPage(
                key=target.key,
                url=target.url,
                kind=target.kind,  # type: ignore[arg-type]
                source=_relative_source(target.path),
                error=error,
                status=art.status,
                title=art.title,
                seconds=(art.timings.get("total_ms") or 0) / 1000,
            )
        )
        if error:
            continue
        is_local = target.kind != "url"
        judgement = judge(art, catalogue, local if is_local else remote)
        judged[index] = (list(judgement.findings), dict(judgement.rule_outcomes))
        origin = urlsplit(art.final_url or art.url)
        by_origin.setdefault((f"{origin.scheme}://{origin.netloc}", is_local), {})[index] = art
    for (_origin, is_local), group in by_origin.items():
        site = judge_site(group, catalogue, local if is_local else remote)
        for index, (findings, outcomes) in site.items():
            judged[index][0].extend(findings)
            judged[index][1].update(outcomes)
    for index, (findings, outcomes) in judged.items():
        target, page = targets[index], pages[index]
        if chosen is not None:
            findings = [f for f in findings if f.rule_id in chosen]
            outcomes = {r: o for r, o in outcomes.items() if r in chosen}
        if target.kind == "fragment" and target.html is not None:
            findings = fragment_findings(findings, target.html, catalogue)
        source_text = _read_text(target.path) if target.path else None
        findings.sort(key=lambda f: (f.rule_id, f.selector, f.outcome, f.html, f.message))
        lines = source_lines(source_text, findings)
        page.rule_outcomes = dict(sorted(outcomes.items()))
        page.findings = sorted(
            (
                CheckedFinding(
                    finding=f,
                    fingerprint=fingerprint(f.rule_id, f.selector, f.html),
                    status="review" if f.outcome == "needs-review" else "new",
                    line=line,
                )
                for f, line in zip(findings, lines, strict=True)
            ),
            # In source order within a rule: of copies of one element, the baseline (counts per
            # fingerprint) covers the first ones and a copy added below them is the new one.
            key=lambda item: (item.finding.rule_id, item.line is None, item.line or 0),
        )
    return pages


def _relative_source(path: Path | None) -> str | None:
    if path is None:
        return None
    return Path(os.path.relpath(path, Path.cwd())).as_posix()


def _read_text(path: Path | None) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace") if path else None
    except OSError:
        return None
