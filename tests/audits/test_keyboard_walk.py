"""The keyboard walk with the real Chromium: every planted problem of
tests/fixtures/keyboard/planted.html is recorded and judged a failure on its element, nothing
fails on clean.html, the page is never left, and the walk keeps to its budget. The failures WCAG
documents as failure techniques (documented.html) add success criteria axe-core does not report,
and nothing is flagged once they are repaired (repaired.html).

The walks here get more seconds than the default, and no share of the page's time, so that a
loaded machine still walks each fixture to its end; the default budget is measured by
bench/throughput.py."""

from __future__ import annotations

import asyncio

import pytest
from keyboard_fixtures import KEYBOARD

from massaudit.audits.collector import Auditor, AuditSettings
from massaudit.audits.keyboard import KeyboardBudget
from massaudit.pipeline.static_server import serve_directory
from massaudit.rules.catalogue import load_catalogue
from massaudit.rules.checks import keyboard as keyboard_checks
from massaudit.rules.checks import registry
from massaudit.rules.checks.settings import CheckSettings
from massaudit.rules.judge import judge

pytestmark = pytest.mark.browser

ROOMY = KeyboardBudget(stops=80, seconds=20, share=0)


def _audit(paths: list[str], budget: KeyboardBudget = ROOMY):
    async def run(base: str):
        auditor = Auditor(AuditSettings())
        try:
            return [await auditor.audit(f"{base}/{p}", keyboard=budget) for p in paths]
        finally:
            await auditor.close()

    with serve_directory(KEYBOARD) as base:
        return asyncio.run(run(base))


def _failing(artifacts) -> dict[str, list[str]]:
    found = {}
    for rule_id, check in registry().page.items():
        if check.function.__module__ == keyboard_checks.__name__:
            result = check(artifacts, CheckSettings())
            selectors = sorted(i.selector for i in result.items if i.outcome == "fail")
            if selectors:
                found[rule_id] = selectors
    return found


def test_planted_problems_found_clean_page_clean_page_never_left():
    planted, clean = _audit(["planted.html", "clean.html"])
    assert planted.error is None and clean.error is None
    assert _failing(planted) == {
        "focus-visible": ["#content > p > a"],
        "keyboard-reachable": ["#fake"],
        "keyboard-trap": ["#t2"],
        "skip-link-works": ["body > a"],
        "change-on-focus": ["#fnav"],
        "change-on-input": ["#s"],
        "hover-only-content": ["#content > div:nth-of-type(2)"],
    }
    assert _failing(clean) == {}
    # The navigations were held back: the page audited is still the one loaded, untouched.
    assert planted.final_url.endswith("/planted.html") and planted.title == "Keyboard problems"
    walk = planted.facts["keyboard"]
    assert walk["stops"][0]["name"] == "Reached first"  # tabindex=3 comes first
    assert planted.facts["reflow_320"]["width"] == 320  # the facts after the walk still ran
    assert "keyboard_ms" in planted.timings


def _criteria(artifacts, category: str, outcomes=("fail",)) -> set[str]:
    findings = judge(artifacts, load_catalogue()).findings
    return {c for f in findings if f.category == category and f.outcome in outcomes for c in f.wcag}


def test_documented_failures_add_criteria_axe_misses_and_their_repair_adds_no_flag():
    documented, repaired = _audit(["documented.html", "repaired.html"])
    assert documented.error is None and repaired.error is None
    assert _failing(documented) == {
        "focus-visible": [
            "#main > p:nth-of-type(1) > a",  # blurred as soon as it is focused
            "body > nav > a:nth-of-type(1)",  # outline removed, nothing instead
            "body > nav > a:nth-of-type(2)",
        ],
        "keyboard-reachable": ["#main > p:nth-of-type(1) > a", "#tickets"],
        "keyboard-trap": ["#go"],
        "skip-link-works": ["body > a"],
        "change-on-focus": ["#main > p:nth-of-type(3) > a"],  # window.open on focus
        "change-on-input": ["#topic"],
        "hover-only-content": ["#main > p:nth-of-type(4) > span"],
    }
    axe = _criteria(documented, "accessibility")
    keyboard = _criteria(documented, "keyboard")
    assert keyboard == {"1.4.13", "2.1.1", "2.1.2", "2.4.1", "2.4.7", "3.2.1", "3.2.2"}
    assert not keyboard & axe  # each one is a criterion axe-core did not report on the page
    assert _criteria(repaired, "keyboard", ("fail", "needs-review")) == set()
    # The walk went on past the element that lost focus, and the window was never opened.
    stops = [stop["selector"] for stop in documented.facts["keyboard"]["stops"]]
    assert stops.index("#topic") == stops.index("#main > p:nth-of-type(1) > a") + 1


def test_the_walk_keeps_to_its_stops_and_can_be_switched_off():
    short, off = _audit(["clean.html"], KeyboardBudget(stops=3)) + _audit(
        ["clean.html"], KeyboardBudget(stops=0)
    )
    walk = short.facts["keyboard"]
    assert len(walk["stops"]) == 3 and walk["ended"] == "budget"
    assert "keyboard" not in off.facts and "keyboard_ms" not in off.timings


def test_the_deadline_is_the_smaller_of_the_seconds_and_a_share_of_the_page():
    budget = KeyboardBudget(stops=80, seconds=1.0, share=0.35)
    assert budget.deadline_s(page_s=2.0) == pytest.approx(0.7)  # a share of a slow page
    assert budget.deadline_s(page_s=10.0) == 1.0  # never more than the seconds
    assert budget.deadline_s(page_s=0.0) == 1.0  # the page's time unknown
    assert KeyboardBudget(seconds=1.0, share=0).deadline_s(page_s=0.2) == 1.0
    # By default the walk is kept to its stops and seconds, whatever the page's own time.
    assert KeyboardBudget().deadline_s(page_s=0.2) == 1.0
