"""What a run did, counted as it goes (`RunSummary`), and the lines that report it at the end."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class RunSummary:
    run_id: int
    status: str = "running"
    discovered: int = 0
    pages_audited: int = 0
    pages_reused: int = 0
    pages_failed: int = 0
    documents_checked: int = 0
    documents_reused: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    findings: Counter[str] = field(default_factory=Counter)
    per_site: Counter[str] = field(default_factory=Counter)
    # Browsers replaced because one died or got stuck, and pages audited again after that.
    browser_restarts: int = 0
    pages_retried: int = 0
    seconds: float = 0.0
    started: float = field(default_factory=time.monotonic, repr=False)

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("started")
        for key in ("skipped", "findings", "per_site"):
            data[key] = dict(getattr(self, key))
        return data

    @property
    def pages_per_minute(self) -> float:
        elapsed = time.monotonic() - self.started
        done = self.pages_audited + self.pages_reused
        return done / elapsed * 60 if elapsed > 0 else 0.0


# Called after each page audited or reused, with the summary so far and the page's URL.
ProgressCallback = Callable[[RunSummary, str], None]


def summary_lines(summary: RunSummary, run: Any) -> list[str]:
    """The end-of-run report: totals from the stored run, then skip reasons and pages per site."""
    states = (run.summary or {}).get("states", {})
    skipped = {k.split(":", 1)[1]: v for k, v in states.items() if k.startswith("skipped:")}
    lines = [
        f"Run {summary.run_id} {summary.status} in {summary.seconds:.0f} s: "
        f"{states.get('audited', 0)} pages audited, {states.get('unchanged', 0)} unchanged "
        f"(reused), {sum(skipped.values())} URLs skipped; "
        f"{summary.findings.get('fail', 0)} failures and "
        f"{summary.findings.get('needs-review', 0)} items to review on the pages audited now"
    ]
    if summary.status != "complete" and run.error:
        lines.append(f"  stopped: {run.error}")
    for reason, count in sorted(skipped.items(), key=lambda item: -item[1]):
        lines.append(f"  skipped, {reason}: {count}")
    for site in (run.config or {}).get("sites", []):
        count = summary.per_site.get(site["id"], 0)
        lines.append(f"  {site['id']}: {count} {'page' if count == 1 else 'pages'} this time")
    return lines
