"""What a finished run tells the people of `sites.toml`'s [notify] tables, decided from its
scorecard without any I/O: the run failed or ended incomplete, a site was not audited, a score
fell by more than the regression threshold, new critical issues appeared. Then one message per
target (docs/notifications.md), which says nothing the scorecard does not show.

Every string of a message that massaudit did not write itself (agency, site and rule names, a
site's reason for not being audited, which may quote a crawled URL) is put on one line and cut
short; the webhook's text is escaped as Slack asks (`&`, `<`, `>`), so no name can mention a
channel or hide a link."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from massaudit.crawler.notify_config import NotifyConfig, NotifyTarget
from massaudit.reports.site import SCORE_TITLES

if TYPE_CHECKING:
    from massaudit.reports.views import GroupView, Scorecard

CRITICAL_LISTED = 5  # new critical issues named in a message; the rest are counted
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


@dataclass(frozen=True)
class Alert:
    event: str  # one of crawler.notify_config.EVENTS: "run", "regression", "critical"
    agency_id: str | None  # None: the whole run
    text: str  # one line
    link: str  # the scorecard page that shows it, relative to the scorecard's folder


@dataclass(frozen=True)
class Message:
    """One notification: to a target's webhook and e-mail addresses, or both."""

    audience: str  # "all agencies" or the agency's name, for the log
    target: NotifyTarget
    subject: str
    text: str  # plain text: the e-mail's body

    @property
    def webhook_text(self) -> str:
        return slack_escape(self.text)


def run_alerts(scorecard: Scorecard) -> list[Alert]:
    """The alerts of a stored run's scorecard, run-wide first, then by agency as listed."""
    run = scorecard.run
    alerts = []
    if run.status == "failed":
        alerts.append(
            Alert("run", None, f"Run {run.id} failed: no page was audited.", "index.html")
        )
    elif run.status != "complete":
        alerts.append(
            Alert(
                "run",
                None,
                f"Run {run.id} is {one_line(run.status)}: scores cover only the pages audited "
                "before it stopped.",
                "index.html",
            )
        )
    for site in scorecard.sites:
        if site.trend.not_audited is not None:
            text = f"{one_line(site.name)} was not audited: {one_line(site.trend.not_audited)}"
            alerts.append(Alert("run", site.agency_id, text, f"site/{site.id}.html"))
    threshold = scorecard.regression_threshold
    for agency in scorecard.agencies:
        for group in (agency, *agency.sites):
            alerts.extend(_regressions(group, agency.id, threshold))
        critical = _new_critical(agency)
        if critical is not None:
            alerts.append(critical)
    return alerts


def store_lost_alert(run_id: int) -> Alert:
    """The one alert of a run whose database went away: nothing else of it can be read."""
    text = (
        f"Run {run_id} stopped: its database could not be reached. What was stored is kept; "
        "`massaudit run --resume` continues it once the database is back."
    )
    return Alert("run", None, text, "")


def _regressions(group: GroupView, agency_id: str, threshold: float) -> list[Alert]:
    kind = "agency" if group.kind == "agency" else "site"
    return [
        Alert(
            "regression",
            agency_id,
            f"{one_line(group.name)} ({kind}): {SCORE_TITLES.get(key, key)} fell from "
            f"{before:.1f} to {now:.1f} ({now - before:+.1f} points; alert threshold "
            f"{threshold:g}).",
            f"{kind}/{group.id}.html#trends",
        )
        for key, before, now in group.trend.regressions
    ]


def _new_critical(agency: GroupView) -> Alert | None:
    issues = [issue for issue in agency.trend.new if issue.impact == "critical"]
    if not issues:
        return None
    named = [
        f"{one_line(i.title)} ({one_line(i.rule_id)}) on {_count(len(i.pages), 'page')}"
        for i in issues[:CRITICAL_LISTED]
    ]
    more = len(issues) - len(named)
    listed = "; ".join(named) + (f"; and {more} more" if more else "")
    text = (
        f"{one_line(agency.name)}: {_count(len(issues), 'new critical issue')} since the last "
        f"audit: {listed}."
    )
    return Alert("critical", agency.id, text, f"agency/{agency.id}.html#trend-new")


def compose_messages(
    alerts: list[Alert],
    config: NotifyConfig,
    run_id: int,
    agency_names: dict[str, str],
    scorecard_dir: Path | None,
) -> list[Message]:
    """One message per target with alerts for it: the file's [notify] target hears of every
    alert, an agency's of its own and the run-wide ones. Links are under the published
    scorecard's URL (`scorecard_url`), else under the scorecard's folder."""
    targets: list[tuple[str, str | None, NotifyTarget]] = []
    if config.everything is not None:
        targets.append(("all agencies", None, config.everything))
    for agency_id, target in config.agencies.items():
        if agency_id in agency_names:  # an agency this run audited
            targets.append((one_line(agency_names[agency_id]), agency_id, target))
    messages = []
    for audience, agency_id, target in targets:
        mine = [
            alert
            for alert in alerts
            if alert.event in target.events
            and (agency_id is None or alert.agency_id in (None, agency_id))
        ]
        if not mine:
            continue
        lines = [f"massaudit run {run_id}: {_count(len(mine), 'alert')} for {audience}."]
        for alert in mine:
            lines.append(f"- {alert.text}")
            link = _link(alert.link, config.scorecard_url, scorecard_dir)
            if link:
                lines.append(f"  {link}")
        index = _link("index.html", config.scorecard_url, scorecard_dir)
        if index:
            lines.append(f"Scorecard: {index}")
        subject = f"massaudit run {run_id}: {_count(len(mine), 'alert')} for {audience}"
        messages.append(Message(audience, target, subject, "\n".join(lines) + "\n"))
    return messages


def _link(page: str, base_url: str | None, folder: Path | None) -> str | None:
    if not page:
        return None
    if base_url:
        return f"{base_url.rstrip('/')}/{page}"
    if folder is not None:  # a path, not a URL: no #fragment
        return str(folder.resolve() / page.partition("#")[0])
    return None


def one_line(text: object, limit: int = 200) -> str:
    """`text` on one line (control characters and line breaks become spaces), cut at `limit`."""
    flat = " ".join(_CONTROL.sub(" ", str(text)).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def slack_escape(text: str) -> str:
    """Slack's escaping for message text: `&`, `<` and `>` as entities (a `<` starts a mention
    or a link there)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _count(n: int, singular: str) -> str:
    return f"{n} {singular}" if n == 1 else f"{n} {singular}s"
