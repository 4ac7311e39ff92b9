"""Sending a run's notifications (pipeline/notify.py) to local receivers on 127.0.0.1: a webhook
endpoint and an SMTP server with STARTTLS and a login. A score that falls past the threshold
sends one webhook and one e-mail, from stored runs and from real `massaudit run`s; a receiver that
is down or refuses is one warning line and changes nothing else."""

from __future__ import annotations

import logging
import os
import tomllib

import pytest
from history_runs import CONFIG, site_pages, store_sites_run
from integration_helpers import massaudit
from notify_receivers import (
    SMTP_PASSWORD,
    WEBHOOK_ENV,
    Received,
    free_port,
    notify_environment,
    smtp_server,
    webhook_receiver,
)

from massaudit.crawler.sites import parse_sites
from massaudit.pipeline.notify import NotifyOptions, notify_run, take_environment
from massaudit.pipeline.static_server import serve_directory
from massaudit.rules.catalogue import load_catalogue
from massaudit.store.db import Store

NOTIFY = f"""
[notify]
webhook_url_env = "{WEBHOOK_ENV}"
email_to = ["digital@example.gov", "oncall@example.gov"]
"""
PARKS_ONLY = CONFIG | {"sites": [s for s in CONFIG["sites"] if s["id"] == "parks"]}


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture()
def fallen(tmp_path, catalogue):
    """A store whose second run of the parks site fell far, and that run's id."""
    store = Store(str(tmp_path / "audit.sqlite"))
    clean = {"parks": site_pages("parks", search_bug=False)}
    store_sites_run(store, catalogue, clean, config=PARKS_ONLY)
    run_id = store_sites_run(
        store, catalogue, {"parks": site_pages("parks", image_bug=True)}, config=PARKS_ONLY
    )
    yield store, run_id
    store.close()


def notify_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "massaudit.notify"]


def sites_with(notify: str):
    site = (
        '[[agency]]\nid = "parks"\nname = "Department of Parks"\n'
        '[[site]]\nid = "parks"\nagency = "parks"\nname = "Parks"\n'
        'start_urls = ["http://parks/"]\nallowed_hosts = ["parks"]\n'
    )
    return parse_sites(tomllib.loads(notify + site), "sites.toml")


def test_a_fallen_score_sends_one_webhook_and_one_email(tmp_path, monkeypatch, fallen, catalogue):
    store, run_id = fallen
    received = Received()
    with webhook_receiver(received) as url, smtp_server(received, tmp_path) as port:
        for name, value in notify_environment(tmp_path, url, port).items():
            monkeypatch.setenv(name, value)
        options = NotifyOptions(tmp_path / "report", regression_threshold=5)
        sent = notify_run(store, run_id, sites_with(NOTIFY), catalogue, options)
    assert sent == 2
    [webhook] = received.webhooks
    assert list(webhook) == ["text"]
    assert webhook["text"].startswith(f"massaudit run {run_id}: ")
    assert (
        "Department of Parks (agency): Equity score (overall) fell from 100.0 to"
        in (webhook["text"])
    )
    assert str(tmp_path / "report" / "agency" / "parks.html") in webhook["text"]
    [email] = received.emails
    assert email["Subject"] == webhook["text"].splitlines()[0].rstrip(".")
    assert email["To"] == "digital@example.gov, oncall@example.gov"
    assert received.recipients == [["digital@example.gov", "oncall@example.gov"]]
    body = email.get_payload(decode=True).decode()
    assert "new critical issue" in body and "Equity score (overall) fell" in body
    assert SMTP_PASSWORD not in body + webhook["text"]


def test_receivers_down_or_refusing_are_one_warning_line_each(
    tmp_path, monkeypatch, caplog, fallen, catalogue
):
    store, run_id = fallen
    received = Received()
    closed = f"http://127.0.0.1:{free_port()}/hook"
    with smtp_server(received, tmp_path) as port:
        for name, value in notify_environment(tmp_path, closed, port).items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("MASSAUDIT_SMTP_PASSWORD", "wrong-password-7c2e")
        with caplog.at_level(logging.WARNING, logger="massaudit.notify"):
            sent = notify_run(store, run_id, sites_with(NOTIFY), catalogue, NotifyOptions())
    assert sent == 0 and received.emails == []
    lines = notify_lines(caplog)
    assert lines == [
        f"notification not sent (webhook ${WEBHOOK_ENV} for all agencies): no answer from the "
        "receiver (Connection refused)",
        f"notification not sent (e-mail for all agencies): 127.0.0.1:{port} refused: "
        "535 5.7.8 Authentication credentials invalid",
    ]
    assert not any("wrong-password" in line or closed in line for line in lines)


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({WEBHOOK_ENV: None}, f"${WEBHOOK_ENV} is not set; set it to the webhook's URL"),
        ({WEBHOOK_ENV: "file:///etc/passwd"}, f"${WEBHOOK_ENV} is not an http(s) URL"),
        ({"MASSAUDIT_SMTP_HOST": None}, "$MASSAUDIT_SMTP_HOST is not set"),
        ({"MASSAUDIT_SMTP_PORT": "smtp"}, "$MASSAUDIT_SMTP_PORT is not a port number"),
        ({"MASSAUDIT_SMTP_PASSWORD": None}, "set both $MASSAUDIT_SMTP_USER and"),
    ],
)
def test_settings_missing_from_the_environment(
    tmp_path, monkeypatch, caplog, fallen, catalogue, environment, expected
):
    store, run_id = fallen
    received = Received()
    with webhook_receiver(received) as url, smtp_server(received, tmp_path) as port:
        for name, value in (notify_environment(tmp_path, url, port) | environment).items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        with caplog.at_level(logging.WARNING, logger="massaudit.notify"):
            sent = notify_run(store, run_id, sites_with(NOTIFY), catalogue, NotifyOptions())
    assert sent == 1
    [line] = notify_lines(caplog)
    assert expected in line


def test_an_smtp_server_without_starttls_gets_nothing(
    tmp_path, monkeypatch, caplog, fallen, catalogue
):
    store, run_id = fallen
    received = Received()
    with smtp_server(received, tmp_path, starttls=False) as port:
        for name, value in notify_environment(tmp_path, "http://127.0.0.1:9/", port).items():
            monkeypatch.setenv(name, value)
        notify = NOTIFY.replace(f'webhook_url_env = "{WEBHOOK_ENV}"\n', "")
        with caplog.at_level(logging.WARNING, logger="massaudit.notify"):
            sent = notify_run(store, run_id, sites_with(notify), catalogue, NotifyOptions())
    assert sent == 0 and received.emails == []
    [line] = notify_lines(caplog)
    assert line.endswith(
        f"127.0.0.1:{port} does not offer STARTTLS; massaudit sends mail only encrypted"
    )


def test_a_run_takes_the_secrets_out_of_its_environment(tmp_path, monkeypatch, fallen, catalogue):
    """Read as the run starts, so no process it starts (Chromium, the document worker)
    inherits a webhook's URL or the SMTP password; sent with what was read."""
    store, run_id = fallen
    received = Received()
    with webhook_receiver(received) as url, smtp_server(received, tmp_path) as port:
        for name, value in notify_environment(tmp_path, url, port).items():
            monkeypatch.setenv(name, value)
        sites = sites_with(NOTIFY)
        taken = take_environment(sites)
        assert WEBHOOK_ENV not in os.environ and "MASSAUDIT_SMTP_PASSWORD" not in os.environ
        assert os.environ["MASSAUDIT_SMTP_HOST"] == taken["MASSAUDIT_SMTP_HOST"] == "127.0.0.1"
        assert taken[WEBHOOK_ENV] == url and taken["MASSAUDIT_SMTP_PASSWORD"] == SMTP_PASSWORD
        assert notify_run(store, run_id, sites, catalogue, NotifyOptions(), None, taken) == 2
    assert len(received.webhooks) == len(received.emails) == 1


def test_nothing_is_read_or_sent_without_notify_tables(fallen, catalogue):
    store, run_id = fallen
    assert notify_run(None, run_id, sites_with(""), catalogue, NotifyOptions()) == 0


def write_page(root, *problems: str) -> None:
    """The site's one page, with these elements added to it."""
    root.joinpath("index.html").write_text(
        '<!doctype html><html lang="en"><head><title>Parks</title></head><body><main>'
        f"<h1>Parks</h1><p>Open every day.</p>{''.join(problems)}</main></body></html>"
    )


@pytest.mark.browser
def test_massaudit_run_whose_score_falls_notifies_once(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    write_page(site)
    received = Received()
    with serve_directory(site) as base:
        netloc = base.split("//", 1)[1]
        sites = tmp_path / "sites.toml"
        sites.write_text(
            NOTIFY + '[[agency]]\nid = "parks"\nname = "Parks & Recreation"\n'
            '[[site]]\nid = "parks"\nagency = "parks"\nname = "Parks"\n'
            f'start_urls = ["{base}/"]\nallowed_hosts = ["{netloc}"]\ndownload_delay = 0\n'
        )
        out = tmp_path / "report"
        db = str(tmp_path / "audit.sqlite")
        command = ("run", "--sites", str(sites), "--db", db, "--out", str(out), "--quiet")
        with webhook_receiver(received) as url, smtp_server(received, tmp_path) as port:
            environment = notify_environment(tmp_path, url, port)
            first = massaudit(*command, env=environment)
            assert first.returncode == 0, first.stderr
            assert received.webhooks == [] and received.emails == []  # nothing to compare with
            worse = ('<img src="/a.png">', '<img src="/b.png">', "<button></button>")
            write_page(site, *worse)
            second = massaudit(*command, env=environment)
        assert second.returncode == 0, second.stderr
        assert "notification" not in second.stderr
        [webhook], [email] = received.webhooks, received.emails
        assert (
            "Parks &amp; Recreation (agency): Equity score (overall) fell from "
            in (webhook["text"])
        )
        body = email.get_payload(decode=True).decode()
        assert "Parks & Recreation (agency): Equity score (overall) fell from " in body
        assert "Parks & Recreation: 3 new critical issues since the last audit: " in body
        assert f"Scorecard: {out.resolve() / 'index.html'}" in webhook["text"]

        # The receivers are gone: a run with a new critical issue says so, one line per
        # channel, and exits as it would have.
        write_page(site, *worse, '<img src="/c.png">')
        third = massaudit(*command, env=environment)
    assert third.returncode == 0, third.stderr
    said = [line for line in third.stderr.splitlines() if "notification" in line]
    assert len(said) == 2, third.stderr
    assert said[0].endswith(
        f"notification not sent (webhook ${WEBHOOK_ENV} for all agencies): no answer from the "
        "receiver (Connection refused)"
    )
    assert said[1].endswith(
        f"notification not sent (e-mail for all agencies): 127.0.0.1:{port}: Connection refused"
    )
    assert len(received.webhooks) == len(received.emails) == 1
