"""The run's screenshots: which failing elements of a page are captured, decided by judging the
page while its tab is still open, within the run's budget.

A page's elements are its failures, the most severe first, one per element fingerprint (the
same template element on many pages of a site is captured once a run), at most
`screenshots_per_page` a page. Every image counts against the run's `screenshot_bytes`;
thumbnails stop once half of it is spent, so the rest stays for elements. The judgement made
here is the one stored: the page is not judged twice.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from massaudit.audits.audit_settings import AuditSettings
from massaudit.audits.screenshots import (
    SCREENSHOTS_TIMEOUT_S,
    AfterAudit,
    Shot,
    ShotTarget,
    capture_page,
    page_label,
)
from massaudit.audits.tabs import Tab
from massaudit.rules.catalogue import Catalogue
from massaudit.rules.checks.settings import CheckSettings
from massaudit.rules.fingerprint import fingerprint
from massaudit.rules.judge import PageJudgement, judge
from massaudit.rules.model import IMPACTS, Finding, PageArtifacts
from massaudit.store.db import Store


@dataclass
class ShotBudget:
    """What the run may still capture: its bytes, and the element fingerprints each site has."""

    per_page: int
    run_bytes: int
    used: int = 0
    captured: set[tuple[str, str]] = field(default_factory=set)  # (site id, fingerprint)

    def left(self) -> int:
        return max(self.run_bytes - self.used, 0)

    def thumbnails(self) -> bool:
        return self.used < self.run_bytes // 2

    def targets(
        self, site_id: str, findings: list[Finding], catalogue: Catalogue
    ) -> list[ShotTarget]:
        """The failures to capture on a page: most severe first, a fingerprint once a site."""
        order = {impact: n for n, impact in enumerate(IMPACTS)}
        failures = sorted(
            (f for f in findings if f.outcome == "fail"),
            key=lambda f: (order.get(f.impact or "", len(order)), f.rule_id, f.selector),
        )
        targets: list[ShotTarget] = []
        chosen: set[str] = set()
        for finding in failures:
            if len(targets) >= self.per_page:
                break
            element = fingerprint(finding.rule_id, finding.selector, finding.html)
            if element in chosen or (site_id, element) in self.captured:
                continue
            chosen.add(element)
            rule = catalogue.get(finding.rule_id)
            title = rule.title if rule is not None else finding.rule_id
            targets.append(ShotTarget(finding.selector, element, finding.rule_id, title))
        return targets

    def keep(self, site_id: str, shots: list[Shot]) -> list[Shot]:
        """The shots that fit the budget (one per fingerprint: pages audited at once may have
        chosen the same element), counted as spent."""
        kept = []
        for shot in shots:
            key = (site_id, shot.fingerprint)
            if shot.size > self.left() or (shot.fingerprint and key in self.captured):
                continue
            if shot.fingerprint:
                self.captured.add(key)
            self.used += shot.size
            kept.append(shot)
        return kept


class RunScreenshots:
    """The hook a run's auditor calls in each page's open tab; what it judged and captured is
    taken back by the page's store write (`taken`)."""

    def __init__(self, budget: ShotBudget, catalogue: Catalogue, viewport: tuple[int, int]) -> None:
        self.budget = budget
        self.catalogue = catalogue
        self.viewport = viewport
        self._taken: dict[tuple[str, str], tuple[PageArtifacts, PageJudgement, list[Shot]]] = {}

    @classmethod
    def off(cls, catalogue: Catalogue) -> RunScreenshots:
        """No screenshots (until a run sets its own: `for_run`)."""
        return cls(ShotBudget(0, 0), catalogue, (0, 0))

    @classmethod
    def for_run(
        cls, store: Store, run_id: int, catalogue: Catalogue, settings: AuditSettings
    ) -> RunScreenshots:
        """A run's screenshots as its settings ask; a resumed run's budget goes on from what
        it has stored."""
        budget = ShotBudget(settings.screenshots_per_page, settings.screenshot_bytes)
        if budget.per_page > 0:
            budget.used = store.screenshot_bytes(run_id)
        return cls(budget, catalogue, settings.viewport)

    def after_audit(
        self, site_id: str, url: str, checks: CheckSettings | None
    ) -> AfterAudit | None:
        """What the auditor runs in the page's tab; None when the run takes no screenshots."""
        if self.budget.per_page <= 0:
            return None

        async def capture(tab: Tab, artifacts: PageArtifacts) -> bool:
            try:
                return await self._capture(site_id, url, checks, tab, artifacts)
            except Exception:  # pictures only: the page's audit stands, and is judged again
                self._taken.pop((site_id, url), None)
                return False  # and its tab, in an unknown state, is not used again

        return capture

    async def _capture(
        self,
        site_id: str,
        url: str,
        checks: CheckSettings | None,
        tab: Tab,
        artifacts: PageArtifacts,
    ) -> bool:
        judgement = await asyncio.to_thread(judge, artifacts, self.catalogue, checks)
        self._taken[(site_id, url)] = (artifacts, judgement, [])
        targets = self.budget.targets(site_id, judgement.findings, self.catalogue)
        thumbnail = self.budget.thumbnails()
        if not self.budget.left() or not (targets or thumbnail):
            return True
        shots, report = await capture_page(
            tab,
            targets,
            viewport=self.viewport,
            page_label=page_label(artifacts.title, artifacts.final_url),
            thumbnail=thumbnail,
            byte_limit=self.budget.left(),
            timeout=SCREENSHOTS_TIMEOUT_S,
        )
        artifacts.timings["screenshots_ms"] = report["ms"]
        self._taken[(site_id, url)] = (artifacts, judgement, self.budget.keep(site_id, shots))
        return report["answering"]

    def taken(
        self, site_id: str, url: str, artifacts: PageArtifacts
    ) -> tuple[PageJudgement | None, list[Shot]]:
        """The judgement and shots of the page whose artifacts these are (none for artifacts
        of another attempt, or of a page whose capture never ran)."""
        judged = self._taken.pop((site_id, url), None)
        if judged is None or judged[0] is not artifacts:
            return None, []
        return judged[1], judged[2]
