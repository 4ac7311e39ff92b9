"""The options a run starts with, stored with it (runs.options), and given back to `--resume`,
so a resumed run audits as it began: a `--full` run stays full, `--checks axe` stays axe-only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, fields, is_dataclass, replace
from typing import Any

from massaudit.audits.collector import AuditSettings

# How many pages are rendered at once is the machine's business, not the run's; the
# User-Agent is the version now running; credentials are read from the environment again.
_NOT_RESUMED = {"concurrency", "max_concurrency", "user_agent", "host_headers"}
# Never written into the store: the values of sites' credentials.
_NOT_STORED = {"host_headers"}


def _with_or_without(flag: str, given_when: bool) -> Callable[[Any], str]:
    return lambda value: f"with {flag}" if bool(value) == given_when else f"without {flag}"


# Options a command line sets: the flag, and how a value of it reads ("with --checks axe").
_FLAGS: dict[str, tuple[str, Callable[[Any], str]]] = {
    "full": ("--full", _with_or_without("--full", True)),
    "navigation_timeout_s": ("--page-timeout", lambda value: f"with --page-timeout {value:g}"),
    "collect_facts": ("--checks", lambda value: f"with --checks {'all' if value else 'axe'}"),
    "blocked_hosts": ("--keep-analytics", _with_or_without("--keep-analytics", False)),
}


class RunError(RuntimeError):
    """A run that cannot start (e.g. nothing to resume); one line for the operator."""


def stored_options(audit: AuditSettings, full: bool) -> dict[str, Any]:
    audit_options = {k: v for k, v in asdict(audit).items() if k not in _NOT_STORED}
    return {"audit": audit_options, "full": full}


def resumed_options(
    run_id: int, stored: dict[str, Any] | None, audit: AuditSettings, full: bool
) -> tuple[AuditSettings, bool]:
    """The settings and `full` run `run_id` started with (`stored`, its runs.options), for
    `--resume`. An option the command line sets away from its default to another value than
    the run's is a RunError naming the flag; `--concurrency` is the command line's."""
    stored = stored or {}
    saved = stored.get("audit") or {}
    defaults = AuditSettings()
    restored: dict[str, Any] = {}
    for option in fields(AuditSettings):
        name = option.name
        if name in _NOT_RESUMED or name not in saved:
            continue
        value = _from_json(getattr(defaults, name), saved[name])
        _check(run_id, name, asked=getattr(audit, name), default=getattr(defaults, name), run=value)
        restored[name] = value
    was_full = bool(stored.get("full", full))
    _check(run_id, "full", asked=full, default=False, run=was_full)
    return replace(audit, **restored), was_full


def _from_json(default: Any, value: Any) -> Any:
    """A stored option as the type of its default: JSON gives tuples back as lists and nested
    settings (the keyboard budget) as dicts."""
    if isinstance(default, tuple) and isinstance(value, list):
        return tuple(value)
    if is_dataclass(default) and isinstance(value, dict):
        known = {f.name for f in fields(default)}
        return replace(default, **{k: v for k, v in value.items() if k in known})
    return value


def _check(run_id: int, name: str, *, asked: Any, default: Any, run: Any) -> None:
    if name not in _FLAGS or asked in (default, run):
        return
    flag, reads = _FLAGS[name]
    raise RunError(
        f"--resume: run {run_id} was started {reads(run)}, this command asks {reads(asked)}; "
        f"leave {flag} out (a resumed run keeps its own options) or start a new run"
    )
