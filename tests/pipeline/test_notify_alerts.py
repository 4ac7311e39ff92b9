"""What a run's notifications say (pipeline/notify_alerts.py), decided from stored runs without
sending anything: runs that failed or ended incomplete, sites not audited, scores that fell past
the threshold, new critical issues; one message per target, escaped, naming the scorecard page."""

from __future__ import annotations

from pathlib import Path

import pytest
from history_runs import CONFIG, site_pages, store_sites_run

from massaudit.crawler.notify_config import NotifyConfig, NotifyTarget
from massaudit.pipeline.notify_alerts import (
    Alert,
    compose_messages,
    one_line,
    run_alerts,
    slack_escape,
    store_lost_alert,
)
from massaudit.reports.views import build_scorecard
from massaudit.rules.catalogue import load_catalogue
from massaudit.store.db import Store

NAMES = {"parks": "Department of Parks", "transit": "Transit"}
# The parks and transit sites of history_runs, each its agency's only one.
TWO_SITES = CONFIG | {"sites": [s for s in CONFIG["sites"] if s["id"] != "camps"]}
EVERYONE = NotifyTarget("MASSAUDIT_WEBHOOK_URL", ("digital@example.gov",))


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture()
def store(tmp_path):
    store = Store(str(tmp_path / "audit.sqlite"))
    yield store
    store.close()


def clean_night(site: str) -> list:
    return site_pages(site, search_bug=False)


def night(store, catalogue, pages, **options) -> int:
    return store_sites_run(store, catalogue, pages, config=TWO_SITES, **options)


def alerts_of(store, catalogue, run_id, threshold=5.0) -> list[Alert]:
    run = store.get_run(run_id)
    return run_alerts(build_scorecard(store, run, catalogue, regression_threshold=threshold))


def test_a_score_falling_past_the_threshold_and_new_critical_issues(store, catalogue):
    night(store, catalogue, {"parks": clean_night("parks"), "transit": clean_night("transit")})
    worse = {"parks": site_pages("parks", image_bug=True), "transit": clean_night("transit")}
    run2 = night(store, catalogue, worse)
    alerts = alerts_of(store, catalogue, run2)
    assert {a.agency_id for a in alerts} == {"parks"}  # transit did not change
    regressions = [a for a in alerts if a.event == "regression"]
    assert {a.link for a in regressions} == {"agency/parks.html#trends", "site/parks.html#trends"}
    assert regressions[0].text == (
        "Department of Parks (agency): Equity score (overall) fell from 100.0 to 25.9 "
        "(-74.1 points; alert threshold 5)."
    )
    [critical] = [a for a in alerts if a.event == "critical"]
    assert critical.link == "agency/parks.html#trend-new"
    assert critical.text.startswith(
        "Department of Parks: 4 new critical issues since the last audit: Buttons must have "
        "discernible text (button-name) on 3 pages; Images must have alternative text "
        "(image-alt) on 1 page; "
    )
    assert alerts_of(store, catalogue, run2, threshold=100.0) == [critical]


def test_an_unchanged_night_and_a_first_audit_say_nothing(store, catalogue):
    pages = {"parks": site_pages("parks", image_bug=True), "transit": clean_night("transit")}
    run1 = night(store, catalogue, pages)
    assert alerts_of(store, catalogue, run1) == []  # nothing to compare with yet
    run2 = night(store, catalogue, pages)
    assert alerts_of(store, catalogue, run2) == []


def test_runs_that_stopped_and_sites_not_audited(store, catalogue):
    reason = "robots.txt forbids crawling it"
    summary = {"sites_not_audited": [{"site": "transit", "reason": reason}]}
    run_id = night(store, catalogue, {"parks": clean_night("parks")}, summary=summary)
    assert alerts_of(store, catalogue, run_id) == [
        Alert("run", "transit", f"Transit was not audited: {reason}", "site/transit.html")
    ]
    store.finish_run(run_id, "incomplete", summary)
    [stopped, _site] = alerts_of(store, catalogue, run_id)
    assert stopped == Alert(
        "run",
        None,
        f"Run {run_id} is incomplete: scores cover only the pages audited before it stopped.",
        "index.html",
    )
    store.finish_run(run_id, "failed", {})
    assert (
        alerts_of(store, catalogue, run_id)[0].text == f"Run {run_id} failed: no page was audited."
    )


def test_one_message_per_target_with_its_own_alerts():
    alerts = [
        Alert("run", None, "Run 7 is incomplete: ...", "index.html"),
        Alert("regression", "parks", "Parks fell", "agency/parks.html#trends"),
        Alert(
            "critical", "transit", "Transit: 1 new critical issue", "agency/transit.html#trend-new"
        ),
    ]
    config = NotifyConfig(
        everything=EVERYONE,
        agencies={
            "parks": NotifyTarget(None, ("parks@example.gov",), ("regression",)),
            "transit": NotifyTarget("TRANSIT_HOOK", ()),
            "gone": NotifyTarget("GONE_HOOK", ()),  # not in this run: not told
        },
        scorecard_url="https://scorecards.example.gov/nightly/",
    )
    messages = compose_messages(alerts, config, 7, NAMES, None)
    assert [m.audience for m in messages] == ["all agencies", "Department of Parks", "Transit"]
    everyone, parks, transit = messages
    assert everyone.target == EVERYONE
    assert everyone.subject == "massaudit run 7: 3 alerts for all agencies"
    assert everyone.text.splitlines() == [
        "massaudit run 7: 3 alerts for all agencies.",
        "- Run 7 is incomplete: ...",
        "  https://scorecards.example.gov/nightly/index.html",
        "- Parks fell",
        "  https://scorecards.example.gov/nightly/agency/parks.html#trends",
        "- Transit: 1 new critical issue",
        "  https://scorecards.example.gov/nightly/agency/transit.html#trend-new",
        "Scorecard: https://scorecards.example.gov/nightly/index.html",
    ]
    assert "- Parks fell" in parks.text and "Run 7" not in parks.text.splitlines()[1]
    assert "Transit" not in parks.text  # only its own, and only the events it asked for
    assert "Run 7 is incomplete" in transit.text and "Parks fell" not in transit.text


def test_links_name_the_scorecard_folder_when_nothing_is_published(tmp_path):
    alerts = [Alert("regression", "parks", "Parks fell", "agency/parks.html#trends")]
    [message] = compose_messages(alerts, NotifyConfig(everything=EVERYONE), 3, NAMES, tmp_path)
    assert f"  {tmp_path.resolve() / 'agency' / 'parks.html'}" in message.text.splitlines()
    assert f"Scorecard: {tmp_path.resolve() / 'index.html'}" in message.text
    [lost] = compose_messages([store_lost_alert(3)], NotifyConfig(everything=EVERYONE), 3, {}, None)
    assert "Run 3 stopped: its database could not be reached" in lost.text
    assert "Scorecard" not in lost.text


def test_hostile_names_stay_on_one_line_and_cannot_mention_or_link():
    name = "Parks <!channel> & <https://evil.example|Reset password>\r\nBcc: x@evil.example"
    assert one_line(name) == (
        "Parks <!channel> & <https://evil.example|Reset password> Bcc: x@evil.example"
    )
    assert len(one_line("x" * 500)) == 200
    alerts = [Alert("regression", "parks", f"{one_line(name)} fell", "agency/parks.html")]
    config = NotifyConfig(everything=EVERYONE)
    [message] = compose_messages(alerts, config, 1, {"parks": name}, Path("/srv/report"))
    webhook = message.webhook_text
    assert "<" not in webhook and ">" not in webhook
    assert "&lt;!channel&gt; &amp; &lt;https://evil.example|Reset password&gt;" in webhook
    assert slack_escape("a & b") == "a &amp; b"
    assert "\r" not in message.subject and "\n" not in message.subject
