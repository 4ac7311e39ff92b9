"""Every `massaudit` command is documented in README.md, and the README names no command that
does not exist (as sqlite-utils checks its CLI reference against its commands)."""

from __future__ import annotations

import argparse
import re

import pytest
from repo_paths import REPO

from massaudit.cli import build_parser

README = REPO / "README.md"


def commands() -> list[str]:
    parser = build_parser()
    (action,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(action.choices)


def readme_code() -> str:
    """README's code: inline `spans` and fenced blocks, where commands are written out."""
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```[^\n]*\n(.*?)```", text, flags=re.S)
    spans = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S))
    return "\n".join(blocks + spans)


@pytest.mark.parametrize("command", commands())
def test_every_command_is_in_the_readme(command):
    assert re.search(rf"\bmassaudit {re.escape(command)}(\s|$)", readme_code(), flags=re.M), (
        f"`massaudit {command}` is not in README.md; add it to the commands table"
    )


def test_the_readme_commands_table_names_real_commands():
    text = README.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `massaudit ([a-z-]+)", text, flags=re.M))
    assert documented, "README.md has no commands table"
    assert documented <= set(commands())
