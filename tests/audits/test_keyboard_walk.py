"""The keyboard walk with the real Chromium: every planted problem of
tests/fixtures/keyboard/planted.html is recorded and judged a failure on its element, nothing
fails on clean.html, the page is never left, and the walk keeps to its budget."""

from __future__ import annotations

import asyncio

import pytest
from keyboard_fixtures import KEYBOARD

from massaudit.audits.collector import Auditor, AuditSettings
from massaudit.audits.keyboard import KeyboardBudget
from massaudit.pipeline.static_server import serve_directory
from massaudit.rules.checks import keyboard as keyboard_checks
from massaudit.rules.checks import registry
from massaudit.rules.checks.settings import CheckSettings

pytestmark = pytest.mark.browser


def _audit(paths: list[str], budget: KeyboardBudget | None = None):
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


def test_the_walk_keeps_to_its_stops_and_can_be_switched_off():
    short, off = _audit(["clean.html"], KeyboardBudget(stops=3)) + _audit(
        ["clean.html"], KeyboardBudget(stops=0)
    )
    walk = short.facts["keyboard"]
    assert len(walk["stops"]) == 3 and walk["ended"] == "budget"
    assert "keyboard" not in off.facts and "keyboard_ms" not in off.timings
