"""Settings from the environment and from a configuration file, beneath the command line.

Every option of a configured command (`massaudit/parser.py`'s CONFIGURED_COMMANDS) can also be
given as the environment variable MASSAUDIT_<OPTION> (its long flag in capitals, `-` as `_`:
`--page-timeout` is MASSAUDIT_PAGE_TIMEOUT) or as a key of the configuration file (the long flag
with `_` for `-`: `page_timeout`). The file is `massaudit.toml` in the working folder, else the
`[tool.massaudit]` table of its `pyproject.toml`. Keys at its top are shared by every command
that has the option; a table per command (`[run]`, `[check]`, ...) overrides them. A flag beats
the environment, which beats the file, which beats the default (docs/configuration.md).

The values found become the command's argparse defaults before it parses (`configure`), so a
flag still wins, and each value is checked by the option's own type and choices; a bad one is a
ConfigError naming the variable or the file, table and key.
"""

from __future__ import annotations

import argparse
import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENV_PREFIX = "MASSAUDIT_"
FILE_NAME = "massaudit.toml"
PYPROJECT = "pyproject.toml"
# In the [check] table: suppressions, as the [[suppress]] entries of `check --config FILE`.
SUPPRESS_KEY = "suppress"
# Options whose whole value is a secret (a request header, a cookie): shown as ***.
SECRET_KEYS = frozenset({"cookie", "header"})
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")
_BOOL_ACTIONS = (argparse._StoreTrueAction, argparse._StoreFalseAction, argparse._StoreConstAction)
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][\w+.-]*://[^:/?#@\s]*):[^@/\s]*@")
_QUERY_PASSWORD = re.compile(r"(?P<head>[?&]password=)[^&\s]*", re.IGNORECASE)


class ConfigError(ValueError):
    """A bad value in the environment or the configuration file; one line naming where."""


class _BadValue(ValueError):
    """What is wrong with a value, before the place it came from is known."""


@dataclass(frozen=True)
class Origin:
    """Where a setting's value came from."""

    kind: str  # "flag", "env", "file" or "default"
    where: str = ""  # the flag, the variable, or the file and its table ("massaudit.toml [run]")
    flag: str = ""  # the option's long flag
    key: str = ""  # the option's key in the file

    def __str__(self) -> str:
        return f"{self.kind} {self.where}".strip()


@dataclass(frozen=True)
class Setting:
    value: Any
    origin: Origin


@dataclass(frozen=True)
class Option:
    """One option of a command, and its names in the environment and in the file."""

    action: argparse.Action

    @property
    def dest(self) -> str:
        return self.action.dest

    @property
    def flag(self) -> str:
        return max(self.action.option_strings, key=len)

    @property
    def key(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.key.upper()


@dataclass(frozen=True)
class ConfigFile:
    path: Path
    data: dict[str, Any]  # massaudit.toml, or pyproject.toml's [tool.massaudit]
    in_pyproject: bool = False

    def label(self, section: str = "") -> str:
        """How messages name a table of the file: `massaudit.toml [run]`."""
        if self.in_pyproject:
            return f"{PYPROJECT} [tool.massaudit{'.' + section if section else ''}]"
        return f"{FILE_NAME} [{section}]" if section else FILE_NAME

    def table(self, section: str) -> dict[str, Any]:
        """A command's table ({} if absent); ConfigError if it is not a table."""
        value = self.data.get(section, {}) if section else self.data
        if not isinstance(value, dict):
            raise ConfigError(
                f"{self.label()}: {section} must be a table ([{section}]) of the {section} "
                "command's settings"
            )
        return value


def find_config_file(folder: Path) -> ConfigFile | None:
    """massaudit.toml in `folder`, else its pyproject.toml's [tool.massaudit]; None if neither."""
    own = folder / FILE_NAME
    if own.is_file():
        return ConfigFile(own, _read_toml(own, FILE_NAME))
    pyproject = folder / PYPROJECT
    if not pyproject.is_file():
        return None
    table = _read_toml(pyproject, PYPROJECT).get("tool", {}).get("massaudit")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{PYPROJECT}: tool.massaudit must be a table ([tool.massaudit])")
    return ConfigFile(pyproject, table, in_pyproject=True)


def _read_toml(path: Path, name: str) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{name}: cannot read it ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{name}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name}: not valid TOML ({exc})") from None
    except RecursionError:
        raise ConfigError(f"{name}: nesting too deep; flatten the file") from None


def options(parser: argparse.ArgumentParser) -> list[Option]:
    """The options of a command that the environment and the file may set."""
    skipped = (argparse._HelpAction, argparse._VersionAction, argparse._SubParsersAction)
    return [
        Option(action)
        for action in parser._actions
        if action.option_strings and not isinstance(action, skipped)
    ]


def resolve(
    parser: argparse.ArgumentParser,
    section: str,
    environ: Mapping[str, str],
    file: ConfigFile | None,
) -> dict[str, Setting]:
    """dest -> value for each option of `parser` the environment or the file sets (the
    environment first); `section` is the command's table, "" for the file's top only."""
    tables: list[tuple[dict[str, Any], str]] = []
    if file is not None:
        tables = [(file.table(section), section)] if section else []
        tables.append((file.data, ""))  # the shared keys
    found = {}
    for option in options(parser):
        text = environ.get(option.env, "")
        if text:  # an empty variable is as good as unset
            found[option.dest] = Setting(
                _from_env(option, text), Origin("env", option.env, option.flag, option.key)
            )
            continue
        for table, table_section in tables:
            if option.key in table and not isinstance(table[option.key], dict):  # not [run]
                where = file.label(table_section)  # type: ignore[union-attr]
                value = _checked(option, table[option.key], f"{where} {option.key}", _from_file)
                found[option.dest] = Setting(value, Origin("file", where, option.flag, option.key))
                break
    return found


def _from_env(option: Option, text: str) -> Any:
    return _checked(option, text, f"{option.env}={mask(text)}", _env_value)


def _checked(option: Option, raw: Any, name: str, convert: Any) -> Any:
    try:
        return convert(option.action, raw)
    except _BadValue as exc:
        raise ConfigError(f"{name}: {exc}") from None


def _env_value(action: argparse.Action, text: str) -> Any:
    if isinstance(action, _BOOL_ACTIONS):
        return action.const if _truth(text) else action.default
    if isinstance(action, argparse._AppendAction):
        return [_typed(action, part.strip()) for part in text.split(",") if part.strip()]
    _supported(action)
    if action.nargs == "?" and text.lower() in _TRUE[1:]:
        return action.const
    return _typed(action, text)


def _from_file(action: argparse.Action, value: Any) -> Any:
    if isinstance(action, _BOOL_ACTIONS):
        if not isinstance(value, bool):
            raise _BadValue(f"must be true or false, not {value!r}")
        return action.const if value else action.default
    if isinstance(action, argparse._AppendAction):
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list):
            raise _BadValue(f'must be a list of strings, e.g. ["a", "b"], not {value!r}')
        return [_typed(action, _scalar(item)) for item in items]
    _supported(action)
    if action.nargs == "?" and isinstance(value, bool):
        return action.const if value else action.default
    return _typed(action, _scalar(value))


def _supported(action: argparse.Action) -> None:
    if not isinstance(action, argparse._StoreAction) or action.nargs not in (None, "?"):
        raise TypeError(f"{action.option_strings}: this kind of option cannot be configured")


def _truth(text: str) -> bool:
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise _BadValue("not true or false (1/0, true/false, yes/no, on/off)")


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise _BadValue(f"must be a string or a number, not {value!r}")


def _typed(action: argparse.Action, text: str) -> Any:
    """`text` as a flag's value would be: the option's type, then its choices."""
    try:
        value = action.type(text) if callable(action.type) else text
    except argparse.ArgumentTypeError as exc:
        raise _BadValue(str(exc)) from None
    except (TypeError, ValueError):
        name = getattr(action.type, "__name__", "")
        raise _BadValue(f"invalid {name} value: {text!r}".replace("  ", " ")) from None
    if action.choices is not None and value not in action.choices:
        choices = ", ".join(repr(choice) for choice in action.choices)
        raise _BadValue(f"invalid choice: {text!r} (choose from {choices})")
    return value


def configure(
    parser: argparse.ArgumentParser,
    section: str,
    environ: Mapping[str, str],
    folder: Path,
    commands: Mapping[str, argparse.ArgumentParser] | None = None,
) -> dict[str, Setting]:
    """Make what the environment and the file set the defaults of `parser` (an option they set
    is no longer required); with `commands` (the top parser's), first check the file's keys."""
    file = find_config_file(folder)
    if file is not None and commands is not None:
        check_file_keys(file, commands)
    found = resolve(parser, section, environ, file)
    parser.set_defaults(**{dest: setting.value for dest, setting in found.items()})
    for action in parser._actions:
        if action.dest in found:
            action.required = False
    if section == "check":
        entries, where = suppressions(file)
        parser.set_defaults(suppress_entries=entries, suppress_from=where)
    return found


def check_file_keys(file: ConfigFile, commands: Mapping[str, argparse.ArgumentParser]) -> None:
    """Every key of the file names an option (of some command at its top, of the command in
    its table) or a command's table; ConfigError naming the first that does not."""
    keys = {name: {option.key for option in options(parser)} for name, parser in commands.items()}
    keys["check"] = keys.get("check", set()) | {SUPPRESS_KEY}
    shared = set().union(*keys.values()) - {SUPPRESS_KEY}
    for key in file.data:
        if key not in commands and key not in shared:
            raise ConfigError(_unknown(file.label(), key, shared | set(commands)))
    for name in commands:
        for key in file.table(name):
            if key not in keys[name]:
                raise ConfigError(_unknown(file.label(name), key, keys[name]))


def _unknown(where: str, key: str, known: set[str]) -> str:
    near = difflib.get_close_matches(key, sorted(known), n=1)
    hint = f"did you mean {near[0]!r}?" if near else "see docs/configuration.md for the keys"
    return f"{where}: unknown key {key!r}; {hint}"


def suppressions(file: ConfigFile | None) -> tuple[Any, str]:
    """The [[check.suppress]] entries of the file (checked where they are read, as those of
    `check --config FILE`) and the name their errors give."""
    if file is None:
        return [], ""
    return file.table("check").get(SUPPRESS_KEY, []), file.label("check")


def origins(
    parser: argparse.ArgumentParser,
    namespace: argparse.Namespace,
    resolved: Mapping[str, Setting],
    built_defaults: Mapping[str, Any],
) -> dict[str, Origin]:
    """dest -> where the parsed value came from. A flag that repeats its configured value is
    told apart from it by nothing, and named as the configured one (the value is the same)."""
    found = {}
    for option in options(parser):
        if not hasattr(namespace, option.dest):
            continue
        value = getattr(namespace, option.dest)
        setting = resolved.get(option.dest)
        default = built_defaults.get(option.dest)
        if setting is not None and value == setting.value:
            found[option.dest] = setting.origin
        elif default is argparse.SUPPRESS:
            continue  # an option every command shares: the top parser knows where it came from
        elif value == default:
            found[option.dest] = Origin("default", flag=option.flag, key=option.key)
        else:
            found[option.dest] = Origin("flag", option.flag, option.flag, option.key)
    return found


def relabel(message: str, found: Mapping[str, Origin]) -> str:
    """A message that starts with a flag (`--out X: is a file`), starting instead with where
    the value came from when that was not the command line (`MASSAUDIT_OUT=X: is a file`)."""
    for origin in found.values():
        if origin.kind not in ("env", "file") or not message.startswith(origin.flag):
            continue
        rest = message[len(origin.flag) :]
        if rest[:1] not in (" ", ":"):
            continue
        if origin.kind == "env":
            return origin.where + ("=" + rest[1:] if rest[0] == " " else rest)
        return f"{origin.where} {origin.key}" + (" =" + rest if rest[0] == " " else rest)
    return message


def mask(text: str) -> str:
    """`text` with the password of any URL in it (user:password@, ?password=) as ***."""
    text = _URL_PASSWORD.sub(r"\g<head>:***@", text)
    return _QUERY_PASSWORD.sub(r"\g<head>***", text)


def shown(key: str, value: Any) -> str:
    """A setting's value as `massaudit config` prints it, secrets masked."""
    if value is None or value == []:
        return "(not set)"
    if key in SECRET_KEYS:
        return "***"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(mask(str(item)) for item in value)
    return mask(str(value))


def secret_variables(found: Mapping[str, Origin], namespace: argparse.Namespace) -> list[str]:
    """Variables that gave a secret (a password in a URL, a header, a cookie): the run takes
    them out of its environment, so no process it starts inherits them."""
    names = []
    for dest, origin in found.items():
        value = getattr(namespace, dest, None)
        text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
        if origin.kind == "env" and (origin.key in SECRET_KEYS or mask(text) != text):
            names.append(origin.where)
    return names
