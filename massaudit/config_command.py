"""`massaudit config [COMMAND [ARGS...]]`: each setting of the configured commands, its value
(passwords and other secrets as ***) and where it came from: a flag, the environment, the
configuration file or the default (massaudit/config.py)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from massaudit import config
from massaudit.parser import CONFIGURED_COMMANDS, EXIT_OK


def cmd_config(args: argparse.Namespace, build_parser: Callable[[], Any]) -> int:
    folder = Path.cwd()
    file = config.find_config_file(folder)
    if file is None:
        where = (
            f"none (no {config.FILE_NAME}, no [tool.massaudit] in {config.PYPROJECT}, in {folder})"
        )
    else:
        where = str(file.path.resolve())
    print(f"configuration file: {where}")
    for name in [args.shown_command] if args.shown_command else CONFIGURED_COMMANDS:
        parser = build_parser()
        command = parser.configured_commands()[name]
        if args.command_args:
            namespace = parser.parse_args([name, *args.command_args])
        else:
            namespace = _unparsed(parser, command)
        print(f"\n{name}")
        print("\n".join(_rows(command, namespace)))
    return EXIT_OK


def _unparsed(parser: Any, command: Any) -> argparse.Namespace:
    """What the command would get from no arguments, without parsing them (`check` needs an
    INPUT to parse): the defaults the environment and the file set, and where they came from."""
    found = [(parser, parser.configure()), (command, command.configure())]
    namespace = argparse.Namespace()
    for each, _found in found:
        for action in each._actions:
            if action.default is not argparse.SUPPRESS:
                setattr(namespace, action.dest, action.default)
        for dest, value in each._defaults.items():
            setattr(namespace, dest, value)
    namespace.origins = {}
    for each, setting in found:
        namespace.origins.update(config.origins(each, namespace, setting, each.built_defaults))
    return namespace


def _rows(command: Any, namespace: argparse.Namespace) -> list[str]:
    rows = []
    for option in config.options(command):
        value = getattr(namespace, option.dest, None)
        origin = namespace.origins.get(option.dest, config.Origin("default"))
        rows.append((option.flag, config.shown(option.key, value), str(origin)))
    entries = getattr(namespace, "suppress_entries", None)
    if entries:
        count = len(entries) if isinstance(entries, list) else 0
        value = f"{count} {'entry' if count == 1 else 'entries'}"
        if getattr(namespace, "config", None) is not None:
            value += " (not used: --config names the suppressions)"
        rows.append((config.SUPPRESS_KEY, value, f"file {namespace.suppress_from}"))
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    return [
        f"  {flag:<{widths[0]}}  {value:<{widths[1]}}  {origin}" for flag, value, origin in rows
    ]
