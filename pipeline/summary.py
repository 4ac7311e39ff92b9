"""What a run did, counted as it goes (`RunSummary`), and the lines that report it at the end."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from massaudit.pipeline.url_tally import UrlTally, skipped_by_reason


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
    findings: Counter[str] = field(default_factory=Counter)
    per_site: Counter[str] = field(default_factory=Counter)
    # Browsers replaced because one died or got stuck, and pages audited again after that.
    browser_restarts: int = 0
    pages_retried: int = 0
    seconds: float = 0.0
    # Pages in the browser at once over the run: [seconds since the crawl began, pages] at the
    # start and at each change (pipeline/in_flight.py).
    pages_in_flight: list[list[float]] = field(default_factory=list)
    # Requests the run sent, by kind (crawler/politeness.py, audits/document_fetch.py).
    requests: Counter[str] = field(default_factory=Counter)
    # Sites with no page audited or carried over, each {"site": id, "reason": one line}.
    sites_not_audited: list[dict[str, str]] = field(default_factory=list)
    urls: UrlTally = field(default_factory=UrlTally, repr=False)
    started: float = field(default_factory=time.monotonic, repr=False)

    @property
    def skipped(self) -> Counter[str]:
        """URLs of the run whose state is skipped, by reason (the store's count, as it goes)."""
        return self.urls.skipped()

    def to_dict(self) -> dict:
        """What is stored as the run's summary (JSON)."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in _NOT_STORED}
        for key in ("findings", "per_site", "requests"):
            data[key] = dict(data[key])
        data["skipped"] = dict(self.skipped)
        data["sites_not_audited"] = [dict(site) for site in self.sites_not_audited]
        return data

    @property
    def pages_per_minute(self) -> float:
        elapsed = time.monotonic() - self.started
        done = self.pages_audited + self.pages_reused
        return done / elapsed * 60 if elapsed > 0 else 0.0


_NOT_STORED = {"urls", "started"}  # every URL of the run; a clock reading

# Called after each page audited or reused, with the summary so far and the page's URL.
ProgressCallback = Callable[[RunSummary, str], None]


def summary_lines(summary: RunSummary, run: Any) -> list[str]:
    """The end-of-run report: totals from the stored run, then skip reasons and pages per site."""
    states = (run.summary or {}).get("states", {})
    skipped = skipped_by_reason(states)
    lines = [
        f"Run {summary.run_id} {summary.status} in {summary.seconds:.0f} s: "
        f"{states.get('audited', 0)} pages audited, {states.get('unchanged', 0)} unchanged "
        f"(reused), {sum(skipped.values())} URLs skipped; "
        f"{summary.findings.get('fail', 0)} failures and "
        f"{summary.findings.get('needs-review', 0)} items to review on the pages audited now"
    ]
    if summary.status != "complete" and run.error:
        lines.append(f"  stopped: {run.error}")
    lines.append(
        "  " + requests_line(summary.requests, summary.pages_audited + summary.pages_failed)
    )
    for reason, count in sorted(skipped.items(), key=lambda item: -item[1]):
        lines.append(f"  skipped, {reason}: {count}")
    not_audited = {entry["site"]: entry["reason"] for entry in summary.sites_not_audited}
    for site in (run.config or {}).get("sites", []):
        count = summary.per_site.get(site["id"], 0)
        if site["id"] in not_audited:
            lines.append(f"  {site['id']}: not audited: {not_audited[site['id']]}")
        else:
            lines.append(f"  {site['id']}: {count} {'page' if count == 1 else 'pages'} this time")
    return lines


def requests_line(requests: dict[str, int], pages: int) -> str:
    """What the run's requests cost per page the browser rendered: documents (the crawler's and
    the browser's besides), frames, the 404 probe, subresources, and the crawl's other requests."""
    crawler, browser = requests.get("crawler", 0), requests.get("browser", 0)
    others = (
        f"; other requests (robots.txt, sitemaps, linked documents, link checks): "
        f"{requests.get('other', 0)}"
    )
    if pages == 0:
        return (
            f"requests, no page audited: {crawler + browser} document (crawler {crawler}, "
            f"browser {browser}), frames {requests.get('frame', 0)}, probe "
            f"{requests.get('probe', 0)}, subresources {requests.get('subresource', 0)}{others}"
        )
    return (
        f"requests per audited page: {(crawler + browser) / pages:.2f} document (crawler "
        f"{crawler / pages:.2f}, browser {browser / pages:.2f}), frames "
        f"{requests.get('frame', 0) / pages:.2f}, probe {requests.get('probe', 0) / pages:.2f}, "
        f"subresources {requests.get('subresource', 0) / pages:.1f}{others}"
    )


def not_audited_lines(run: Any) -> list[str]:
    """One line per site the stored run could not audit, naming the site and its start URL."""
    start_urls = {
        site["id"]: (site.get("start_urls") or ["no start URL"])[0]
        for site in (run.config or {}).get("sites", [])
    }
    return [
        f"site {entry['site']} ({start_urls.get(entry['site'], 'not in the run')}) not audited: "
        f"{entry['reason']}"
        for entry in (run.summary or {}).get("sites_not_audited", [])
    ]
