"""What the auditing browser may spend on a page: timeouts, page and context budgets, and what
it renders (`AuditSettings`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from massaudit.audits.browser import ANALYTICS_HOSTS
from massaudit.audits.keyboard import KeyboardBudget
from massaudit.audits.not_found_probe import PROBE_TIMEOUT_S
from massaudit.audits.screenshots import SCREENSHOTS_TIMEOUT_S
from massaudit.audits.settle import SETTLE_LOAD, SETTLE_QUIET, settle_cap_s

# Starting Chromium (and a new driver should the old one be gone).
LAUNCH_TIMEOUT_S = 60


@dataclass(frozen=True)
class AuditSettings:
    # Pages in the browser at once (to begin with, when they adapt); with max_concurrency the
    # run adapts them from 1 up to it (pipeline/adaptive_concurrency.py), else they stay fixed.
    concurrency: int = 2
    max_concurrency: int | None = None
    # When a page is ready to audit (audits/settle.py): "quiet", or "load" (the load event).
    settle: str = SETTLE_QUIET
    navigation_timeout_s: float = 30.0
    axe_timeout_s: float = 60.0
    pages_per_context: int = 250
    pages_per_browser: int = 1000
    viewport: tuple[int, int] = (1280, 900)
    # False: axe-core only, without the facts our own checks judge (--checks axe).
    collect_facts: bool = True
    # The keyboard walk's budget when a page's site sets none (stops 0: no keyboard checks).
    keyboard: KeyboardBudget = KeyboardBudget()
    # A run's pictures (pipeline/screenshots.py): at most this many failing elements a page (0:
    # none, no thumbnails either), within this many bytes of images a run. `check` takes none.
    screenshots_per_page: int = 10
    screenshot_bytes: int = 50 * 1024 * 1024
    # Hosts never contacted (analytics beacons by default; empty with --keep-analytics).
    blocked_hosts: tuple[str, ...] = ANALYTICS_HOSTS
    # Closing a tab or a context; past it the context, then the whole browser, is replaced.
    close_timeout_s: float = 10.0
    # Every request of the browser carries it; None leaves Chromium's own ("HeadlessChrome").
    user_agent: str | None = None
    # False (for debugging): the browser fetches a page again instead of rendering the crawler's
    # download of it (through the run's politeness, a second document request per page).
    serve_crawled_pages: bool = True
    # Headers sent to some hosts only (sites' credentials: host key -> name -> value; see
    # audits/request_headers.py). Never stored (pipeline/run_options.py) nor shown.
    host_headers: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)

    def attempt_budget_s(self) -> float:
        """The longest one attempt at a page may take: opening a tab, loading the page and
        settling it, axe-core, the facts (two scripts and the 404 probe), each at its own
        timeout, and closing the tab and its context, or a new browser should they not close."""
        rendering = 2 * self.navigation_timeout_s + 5 + 3 * self.axe_timeout_s + PROBE_TIMEOUT_S
        rendering += settle_cap_s(self.navigation_timeout_s) if self.settle != SETTLE_LOAD else 0
        rendering += self.keyboard.hard_limit_s()
        rendering += SCREENSHOTS_TIMEOUT_S if self.screenshots_per_page else 0
        return rendering + 10 + 2 * self.close_timeout_s + LAUNCH_TIMEOUT_S

    def page_budget_s(self) -> float:
        """The backstop for a whole page: two attempts (a page is retried once when the browser
        dies under it), with a margin."""
        return 2 * self.attempt_budget_s() + 10
