"""`--resume` continues a run with the options it was started with (runs.options): the command
line's own defaults never undo them, and a flag asking for something else is refused."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from massaudit.audits.collector import AuditSettings
from massaudit.pipeline.run_options import RunError, resumed_options, stored_options


def stored(audit: AuditSettings, full: bool) -> dict:
    """The options as the store gives them back: through JSON (tuples come back as lists)."""
    return json.loads(json.dumps(stored_options(audit, full)))


def test_a_resumed_run_keeps_full_checks_timeout_and_analytics():
    started = AuditSettings(
        concurrency=2, navigation_timeout_s=60.0, collect_facts=False, blocked_hosts=()
    )
    audit, full = resumed_options(7, stored(started, True), AuditSettings(concurrency=4), False)
    assert full is True
    assert (audit.navigation_timeout_s, audit.collect_facts, audit.blocked_hosts) == (
        60.0,
        False,
        (),
    )
    assert audit.viewport == (1280, 900)
    assert audit.concurrency == 4  # how many pages at once is the resuming machine's choice


@pytest.mark.parametrize(
    ("asked", "full", "message"),
    [
        (AuditSettings(), True, "run 7 was started without --full, this command asks with --full"),
        (AuditSettings(collect_facts=False), False, "started with --checks all"),
        (AuditSettings(navigation_timeout_s=10.0), False, "asks with --page-timeout 10"),
        (AuditSettings(blocked_hosts=()), False, "without --keep-analytics"),
    ],
)
def test_a_flag_that_asks_for_other_options_is_refused_in_one_line(asked, full, message):
    with pytest.raises(RunError) as refused:
        resumed_options(7, stored(AuditSettings(), False), asked, full)
    text = str(refused.value)
    assert message in text and "start a new run" in text and "\n" not in text


def test_a_flag_repeating_the_run_options_is_accepted():
    started = replace(AuditSettings(), collect_facts=False)
    audit, full = resumed_options(3, stored(started, True), started, True)
    assert (audit.collect_facts, full) == (False, True)


def test_runs_stored_without_options_resume_with_the_command_line():
    audit, full = resumed_options(3, {}, AuditSettings(navigation_timeout_s=12.0), False)
    assert (audit.navigation_timeout_s, full) == (12.0, False)


def test_nested_settings_come_back_as_their_own_type():
    from massaudit.audits.keyboard import KeyboardBudget

    started = AuditSettings(keyboard=KeyboardBudget(stops=5, seconds=0.5))
    audit, _full = resumed_options(7, stored(started, False), AuditSettings(), False)
    assert audit.keyboard == KeyboardBudget(stops=5, seconds=0.5)
    assert audit.keyboard.hard_limit_s() == 3 * 0.5 + 10
