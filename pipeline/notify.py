"""Sending a finished run's notifications (docs/notifications.md): a webhook (one JSON body,
`{"text": ...}`, that Slack's incoming webhooks and Microsoft Teams' take) and e-mail over SMTP
with STARTTLS. What to send is decided in pipeline/notify_alerts.py.

A notification that cannot be sent (no receiver, a refusing SMTP server, a variable not set) is
one warning line naming the target and the reason; it never fails the run or changes its exit
code. No line names a webhook's URL or a password."""

from __future__ import annotations

import json
import logging
import os
import smtplib
import socket
import ssl
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import urlsplit

from massaudit.crawler.sites import SitesConfig
from massaudit.pipeline.notify_alerts import (
    Message,
    compose_messages,
    one_line,
    run_alerts,
    store_lost_alert,
)
from massaudit.pipeline.run_log import RunLog
from massaudit.reports.views import DEFAULT_REGRESSION_THRESHOLD, build_scorecard
from massaudit.rules.catalogue import Catalogue
from massaudit.store.db import Store

SMTP_HOST_ENV = "MASSAUDIT_SMTP_HOST"
SMTP_PORT_ENV = "MASSAUDIT_SMTP_PORT"
SMTP_USER_ENV = "MASSAUDIT_SMTP_USER"
SMTP_PASSWORD_ENV = "MASSAUDIT_SMTP_PASSWORD"
SMTP_FROM_ENV = "MASSAUDIT_SMTP_FROM"
SMTP_PORT = 587  # message submission, which starts in plain text and then STARTTLS
_SMTP_VARIABLES = (SMTP_HOST_ENV, SMTP_PORT_ENV, SMTP_USER_ENV, SMTP_PASSWORD_ENV, SMTP_FROM_ENV)
SEND_TIMEOUT_S = 30.0
logger = logging.getLogger("massaudit.notify")


class NotSent(Exception):
    """A notification that could not be sent; the message is one line, without secrets."""


@dataclass(frozen=True)
class NotifyOptions:
    """What a run's notifications need from the command line."""

    scorecard_dir: Path | None = None  # the scorecard's folder, for links when none is published
    regression_threshold: float = DEFAULT_REGRESSION_THRESHOLD


def take_environment(sites: SitesConfig) -> dict[str, str]:
    """The variables the notifications of `sites` read (webhook URLs, SMTP settings), taken as
    a run starts; the secrets among them (webhook URLs, the SMTP password) are removed from the
    process's environment, so no process the run starts (Chromium, the document worker)
    inherits them."""
    config = sites.notify
    targets = [t for t in (config.everything, *config.agencies.values()) if t is not None]
    secrets = {t.webhook_url_env for t in targets if t.webhook_url_env} | {SMTP_PASSWORD_ENV}
    names = secrets | set(_SMTP_VARIABLES)
    taken = {name: os.environ[name] for name in names if name in os.environ}
    for name in secrets:
        os.environ.pop(name, None)
    return taken


def notify_run(
    store: Store | None,
    run_id: int,
    sites: SitesConfig,
    catalogue: Catalogue,
    options: NotifyOptions,
    log: RunLog | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Send the notifications of the finished run `run_id` (`store` None: its database went
    away) with the webhook URLs and SMTP settings of `environ` (`take_environment`'s; default
    the process's environment); returns how many were sent. Never raises: each failure is one
    warning line."""
    environ = os.environ if environ is None else environ
    config = sites.notify
    if not config.configured:
        return 0
    try:
        if store is None:
            alerts = [store_lost_alert(run_id)]
        else:
            run = store.get_run(run_id)
            threshold = options.regression_threshold
            scorecard = build_scorecard(store, run, catalogue, regression_threshold=threshold)
            alerts = run_alerts(scorecard)
        names = {agency.id: agency.name for agency in sites.agencies}
        messages = compose_messages(alerts, config, run_id, names, options.scorecard_dir)
    except Exception as exc:  # the run is over; its notifications must not change that
        _warn(log, "all", f"the run could not be read ({type(exc).__name__}: {one_line(exc)})")
        return 0
    sent = 0
    for message in messages:
        sent += _deliver(message, config.email_from, log, environ)
    return sent


def _deliver(
    message: Message, email_from: str | None, log: RunLog | None, environ: Mapping[str, str]
) -> int:
    sent = 0
    channels = []
    if message.target.webhook_url_env:
        env = message.target.webhook_url_env
        url = environ.get(env, "")
        channels.append((f"webhook ${env}", lambda: send_webhook(env, url, message.webhook_text)))
    if message.target.email_to:

        def email() -> None:
            send_email(message, SmtpSettings.from_environment(email_from, environ))

        channels.append(("e-mail", email))
    for channel, send in channels:
        try:
            send()
        except NotSent as exc:
            _warn(log, f"{channel} for {message.audience}", str(exc))
            continue
        sent += 1
        logger.info("notification sent: %s for %s", channel, message.audience)
        if log is not None:
            log.event("notification sent", channel=channel, audience=message.audience)
    return sent


def _warn(log: RunLog | None, what: str, reason: str) -> None:
    line = f"notification not sent ({what}): {reason}"
    logger.warning("%s", line)
    if log is not None:
        log.event("notification not sent", reason=line)


def send_webhook(env: str, url: str, text: str) -> None:
    """POST `{"text": text}` to `url`, the value of the environment variable `env`."""
    url = url.strip()
    if not url:
        raise NotSent(f"${env} is not set; set it to the webhook's URL")
    if urlsplit(url).scheme not in ("http", "https"):
        raise NotSent(f"${env} is not an http(s) URL")
    body = json.dumps({"text": text}).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=SEND_TIMEOUT_S) as response:
            response.read(1024)
    except urllib.error.HTTPError as exc:
        raise NotSent(f"the receiver answered HTTP {exc.code}") from None
    except urllib.error.URLError as exc:
        raise NotSent(f"no answer from the receiver ({_reason(exc.reason)})") from None
    except (OSError, ValueError) as exc:
        raise NotSent(f"no answer from the receiver ({_reason(exc)})") from None


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str | None
    password: str | None
    sender: str

    @classmethod
    def from_environment(cls, email_from: str | None, environ: Mapping[str, str]) -> SmtpSettings:
        host = environ.get(SMTP_HOST_ENV, "").strip()
        if not host:
            raise NotSent(f"${SMTP_HOST_ENV} is not set; set it to the SMTP server's name")
        port_text = environ.get(SMTP_PORT_ENV, "").strip() or str(SMTP_PORT)
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise NotSent(f"${SMTP_PORT_ENV} is not a port number (1 to 65535)")
        user = environ.get(SMTP_USER_ENV) or None
        password = environ.get(SMTP_PASSWORD_ENV) or None
        if bool(user) != bool(password):
            raise NotSent(f"set both ${SMTP_USER_ENV} and ${SMTP_PASSWORD_ENV}, or neither")
        sender = (
            email_from
            or environ.get(SMTP_FROM_ENV)
            or (user if user and "@" in user else f"massaudit@{socket.getfqdn()}")
        )
        return cls(host, int(port_text), user, password, sender)


def send_email(message: Message, settings: SmtpSettings) -> None:
    """Send `message` to its target's addresses through the SMTP server of `settings`, always
    over STARTTLS (the certificate checked), logging in when a user is set."""
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = settings.sender
    email["To"] = ", ".join(message.target.email_to)
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain="massaudit")
    email.set_content(message.text)
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=SEND_TIMEOUT_S) as smtp:
            smtp.ehlo()
            if not smtp.has_extn("starttls"):
                raise NotSent(
                    f"{settings.host}:{settings.port} does not offer STARTTLS; massaudit sends "
                    "mail only encrypted"
                )
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
            if settings.user and settings.password:
                smtp.login(settings.user, settings.password)
            smtp.send_message(email)
    except smtplib.SMTPResponseException as exc:
        said = (
            exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else ""
        )
        refused = f"{settings.host}:{settings.port} refused: {exc.smtp_code} {one_line(said, 120)}"
        raise NotSent(refused.rstrip()) from None
    except smtplib.SMTPRecipientsRefused:
        raise NotSent(f"{settings.host}:{settings.port} refused every recipient") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise NotSent(f"{settings.host}:{settings.port}: {_reason(exc)}") from None


def _reason(exc: object) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return one_line(exc, 120) or type(exc).__name__
