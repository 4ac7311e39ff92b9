"""-q, -v and --debug on every command: logging levels on standard error (standard output keeps
only results)."""

from __future__ import annotations

import argparse
import logging

import pytest
from sites_examples import SITES

from massaudit.cli import build_parser, main
from massaudit.verbosity import logging_to_stderr


def every_command_parser() -> dict[str, argparse.ArgumentParser]:
    parsers = {}
    pending = [("massaudit", build_parser())]
    while pending:
        name, parser = pending.pop()
        parsers[name] = parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                pending += [(f"{name} {sub}", p) for sub, p in action.choices.items()]
    return parsers


@pytest.mark.parametrize("name", sorted(every_command_parser()))
def test_every_command_takes_quiet_verbose_and_debug(name):
    flags = {s for a in every_command_parser()[name]._actions for s in a.option_strings}
    assert {"-q", "--quiet", "-v", "--verbose", "--debug"} <= flags


def test_quiet_and_verbose_together_are_refused(capsys):
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args(["validate", "-q", "-v"])
    assert stopped.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flags", "shown"),
    [
        ((), {"info", "warning", "error", "library warning"}),
        (("-q",), {"warning", "error", "library warning"}),
        (("-v",), {"debug", "info", "warning", "error", "library warning"}),
        (("--debug",), {"debug", "info", "warning", "error", "library info", "library warning"}),
        (("-q", "--debug"), {"debug", "info", "warning", "error", "library info", "library warning"}),
    ],
)  # fmt: skip
def test_levels(capsys, flags, shown):
    ours, library = logging.getLogger("massaudit.x"), logging.getLogger("somelibrary")
    with logging_to_stderr("-q" in flags, "-v" in flags, "--debug" in flags):
        for level in ("debug", "info", "warning", "error"):
            getattr(ours, level)(level)
        library.info("library info")
        library.warning("library warning")
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert {line.split(": ", 1)[1] for line in lines} == shown
    assert all(line.startswith(("massaudit: ", "somelibrary: ")) for line in lines)


def test_verbose_says_where_settings_came_from_on_stderr(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "agencies.toml").write_text(SITES)
    monkeypatch.setenv("MASSAUDIT_SITES", "agencies.toml")
    assert main(["validate", "-v"]) == 0
    captured = capsys.readouterr()
    assert "massaudit: --sites = agencies.toml (env MASSAUDIT_SITES)" in captured.err
    assert captured.out.startswith("agencies.toml: 1 agencies, 1 sites, valid")
    assert main(["validate"]) == 0
    assert capsys.readouterr().err == ""


def test_debug_from_the_environment_still_works_for_every_command(monkeypatch):
    monkeypatch.setenv("MASSAUDIT_DEBUG", "1")
    assert build_parser().parse_args(["serve-demo"]).debug is True
    assert build_parser().parse_args(["db", "upgrade", "--db", "x"]).debug is True
