"""The `[notify]` tables of `sites.toml`: who hears about a run that failed, a score that fell or
new critical issues (docs/notifications.md). One table for the whole file, one per agency
(`[agency.notify]` under its `[[agency]]`).

Secrets never sit in the file: a webhook's URL (it holds its token) is read from the environment
variable the file names, and the SMTP server's settings come from the environment too."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

# What a target can be told about: a run that failed, ended incomplete or could not audit a
# site; a score that fell by more than the regression threshold; new critical issues.
EVENTS = ("run", "regression", "critical")
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
# One address, no display name: enough to refuse typos and anything that could add a header.
_ADDRESS = re.compile(r"^[^@\s<>,;\"'()\\]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
_TARGET_KEYS = ("webhook_url_env", "email_to", "events")
_GLOBAL_KEYS = (*_TARGET_KEYS, "scorecard_url", "email_from")
_SMTP_IN_ENVIRONMENT = (
    "put SMTP settings in the environment (MASSAUDIT_SMTP_HOST, MASSAUDIT_SMTP_USER, "
    "MASSAUDIT_SMTP_PASSWORD; docs/notifications.md)"
)
_SECRET_KEYS = {
    "webhook_url": "a webhook URL holds its token; put it in an environment variable and name "
    "that variable in webhook_url_env",
    "password": _SMTP_IN_ENVIRONMENT,
    "smtp_password": _SMTP_IN_ENVIRONMENT,
}


@dataclass(frozen=True)
class NotifyTarget:
    """Where one group of notifications goes: a webhook, e-mail addresses, or both."""

    webhook_url_env: str | None = None
    email_to: tuple[str, ...] = ()
    events: tuple[str, ...] = EVENTS


@dataclass(frozen=True)
class NotifyConfig:
    """Everything the sites file says about notifications; empty when it says nothing."""

    everything: NotifyTarget | None = None  # the file's [notify]: told about every agency
    agencies: dict[str, NotifyTarget] = field(default_factory=dict, hash=False)
    scorecard_url: str | None = None  # where the scorecard is published (else its folder)
    email_from: str | None = None

    @property
    def configured(self) -> bool:
        return self.everything is not None or bool(self.agencies)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> NotifyConfig:
        """The config `to_dict` stored with a run (none for runs stored before notifications)."""
        if not data:
            return cls()

        def target(entry: dict[str, Any] | None) -> NotifyTarget | None:
            if entry is None:
                return None
            return NotifyTarget(
                entry.get("webhook_url_env"),
                tuple(entry.get("email_to") or ()),
                tuple(entry.get("events") or EVENTS),
            )

        agencies = {key: target(value) for key, value in (data.get("agencies") or {}).items()}
        return cls(
            target(data.get("everything")),
            {key: value for key, value in agencies.items() if value is not None},
            data.get("scorecard_url"),
            data.get("email_from"),
        )


Fail = Callable[[str, str], Exception]


def parse_notify(table: Any, agencies: list[dict[str, Any]], fail: Fail) -> NotifyConfig:
    """The file's `[notify]` table (`table`, None when absent) and the `notify` table of each
    `[[agency]]` (`agencies`, already checked to be tables with ids), validated; `fail(key_path,
    problem)` makes the one-line error."""
    everything = None
    scorecard_url = email_from = None
    if table is not None:
        everything = _target(table, "notify", fail, _GLOBAL_KEYS)
        scorecard_url = table.get("scorecard_url")
        if scorecard_url is not None:
            _check_base_url(scorecard_url, "notify.scorecard_url", fail)
        email_from = table.get("email_from")
        if email_from is not None:
            _check_address(email_from, "notify.email_from", fail)
    by_agency = {
        entry["id"]: _target(entry["notify"], f"agency[{i}] ({entry['id']}).notify", fail)
        for i, entry in enumerate(agencies)
        if "notify" in entry
    }
    return NotifyConfig(everything, by_agency, scorecard_url, email_from)


def _target(
    table: Any, where: str, fail: Fail, allowed: tuple[str, ...] = _TARGET_KEYS
) -> NotifyTarget:
    if not isinstance(table, dict):
        raise fail(where, "must be a table")
    for key in table:
        if key in _SECRET_KEYS:
            raise fail(f"{where}.{key}", _SECRET_KEYS[key])
        if key not in allowed:
            raise fail(f"{where}.{key}", f"unknown key; allowed: {', '.join(allowed)}")
    env = table.get("webhook_url_env")
    if env is not None and (not isinstance(env, str) or not _ENV_NAME.match(env)):
        raise fail(
            f"{where}.webhook_url_env",
            "must name an environment variable (upper-case letters, digits and '_'), "
            "e.g. MASSAUDIT_WEBHOOK_URL",
        )
    emails = table.get("email_to", [])
    if isinstance(emails, str):
        emails = [emails]
    if not isinstance(emails, list):
        raise fail(f"{where}.email_to", "must be an address or an array of addresses")
    for j, address in enumerate(emails):
        _check_address(address, f"{where}.email_to[{j}]", fail)
    events = table.get("events", list(EVENTS))
    if not isinstance(events, list) or not events:
        raise fail(f"{where}.events", f"must be a non-empty array of {', '.join(EVENTS)}")
    for j, event in enumerate(events):
        if event not in EVENTS:
            raise fail(f"{where}.events[{j}]", f"{event!r} is not one of {', '.join(EVENTS)}")
    if env is None and not emails:
        raise fail(where, "names no one to tell: set webhook_url_env, email_to or both")
    return NotifyTarget(env, tuple(emails), tuple(dict.fromkeys(events)))


def _check_address(value: Any, where: str, fail: Fail) -> None:
    if not isinstance(value, str) or not _ADDRESS.match(value):
        raise fail(where, f"{value!r} is not an e-mail address like team@example.gov")


def _check_base_url(value: Any, where: str, fail: Fail) -> None:
    if not isinstance(value, str):
        raise fail(where, "must be a string")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise fail(where, f"{value!r} is not an absolute http(s) URL")
    if "@" in parts.netloc:
        raise fail(where, "a user name or password in the URL would be sent in every message")
    if parts.query or parts.fragment:
        raise fail(where, "must be the scorecard's folder, without ?query or #fragment")
