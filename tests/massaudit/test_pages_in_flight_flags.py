"""The run's pages in flight and settling rule from the command line: adaptive by default,
fixed by --concurrency, capped by --max-concurrency, both at once refused in one line."""

from __future__ import annotations

import pytest

from massaudit.cli import UsageError, _audit_settings, build_parser
from massaudit.parser import default_concurrency, default_max_concurrency


def settings(*argv: str):
    return _audit_settings(build_parser().parse_args(["run", *argv]))


def test_adaptive_by_default_from_one_per_core_up_to_four_per_core():
    chosen = settings()
    assert chosen.concurrency == default_concurrency()
    assert chosen.max_concurrency == default_max_concurrency() >= chosen.concurrency
    assert chosen.settle == "quiet"


def test_concurrency_fixes_it_and_max_concurrency_caps_it():
    assert (
        settings("--concurrency", "3").concurrency,
        settings("--concurrency", "3").max_concurrency,
    ) == (3, None)
    capped = settings("--max-concurrency", "1")
    assert (capped.concurrency, capped.max_concurrency) == (1, 1)
    assert settings("--settle", "load").settle == "load"


def test_both_at_once_is_refused_naming_both_flags():
    with pytest.raises(UsageError, match="--concurrency 2 .* --max-concurrency 4"):
        settings("--concurrency", "2", "--max-concurrency", "4")
