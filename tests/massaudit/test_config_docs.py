"""docs/configuration.md's table names every option the environment and the configuration file
can set, as massaudit.config derives the names, so it cannot drift from the commands."""

from __future__ import annotations

import re

from repo_paths import REPO

from massaudit import config
from massaudit.cli import build_parser
from massaudit.parser import CONFIGURED_COMMANDS

DOC = REPO / "docs" / "configuration.md"
START, END = "<!-- settings table: start -->", "<!-- settings table: end -->"


def settings_table() -> str:
    """The table as docs/configuration.md must show it."""
    commands = build_parser().configured_commands()
    rows: dict[str, list] = {}
    for name in CONFIGURED_COMMANDS:
        for option in config.options(commands[name]):
            row = rows.setdefault(option.flag, [option, [], ""])
            row[1].append(name)
            meaning = (option.action.help or "").replace(f"[{option.env}]", "").strip()
            row[2] = row[2] or meaning
    lines = [
        "| variable | key in the file | flag | commands | what it sets |",
        "|---|---|---|---|---|",
    ]
    for option, names, meaning in rows.values():
        used = "all" if len(names) == len(CONFIGURED_COMMANDS) else ", ".join(names)
        meaning = meaning.replace("|", "\\|")
        lines.append(f"| `{option.env}` | `{option.key}` | `{option.flag}` | {used} | {meaning} |")
    return "\n".join(lines)


def test_the_settings_table_is_the_commands_options():
    text = DOC.read_text(encoding="utf-8")
    found = re.search(re.escape(START) + r"\n(.*?)\n" + re.escape(END), text, flags=re.S)
    assert found, f"{DOC} has no table between {START} and {END}"
    expected = settings_table()
    assert found.group(1) == expected, (
        f"docs/configuration.md's table is out of date; put this between its markers:\n{expected}"
    )
