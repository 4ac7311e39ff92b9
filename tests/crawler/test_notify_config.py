"""The [notify] tables of sites.toml: a global one and one per agency, validated with one-line
errors (no secrets in the file), and kept with a run's stored config for `--resume`."""

from __future__ import annotations

import tomllib

import pytest

from massaudit.crawler.notify_config import EVENTS, NotifyTarget
from massaudit.crawler.sites import SitesConfig, SitesConfigError, parse_sites

SITES = """
[notify]
webhook_url_env = "MASSAUDIT_WEBHOOK_URL"
email_to = ["digital@example.gov"]
scorecard_url = "https://scorecards.example.gov/nightly/"
email_from = "massaudit@example.gov"

[[agency]]
id = "parks"
name = "Parks & Recreation"
[agency.notify]
email_to = "parks-web@example.gov"
events = ["regression", "critical"]

[[agency]]
id = "transit"
name = "Transit"

[[site]]
id = "parks-site"
agency = "parks"
name = "Parks"
start_urls = ["https://parks.example.gov/"]
allowed_hosts = ["parks.example.gov"]

[[site]]
id = "transit-site"
agency = "transit"
name = "Transit"
start_urls = ["https://transit.example.gov/"]
allowed_hosts = ["transit.example.gov"]
"""


def parse(text: str) -> SitesConfig:
    return parse_sites(tomllib.loads(text), "sites.toml")


def test_global_and_agency_targets_are_read():
    notify = parse(SITES).notify
    assert notify.everything == NotifyTarget("MASSAUDIT_WEBHOOK_URL", ("digital@example.gov",))
    assert notify.everything.events == EVENTS
    assert notify.agencies == {
        "parks": NotifyTarget(None, ("parks-web@example.gov",), ("regression", "critical"))
    }
    assert notify.scorecard_url == "https://scorecards.example.gov/nightly/"
    assert notify.email_from == "massaudit@example.gov"
    assert parse(SITES).agency("parks").name == "Parks & Recreation"


def test_a_file_without_notify_tables_notifies_no_one():
    text = SITES.split("[[agency]]", 1)[1]
    text = "[[agency]]" + text.replace('[agency.notify]\nemail_to = "parks-web@example.gov"\n', "")
    text = text.replace('events = ["regression", "critical"]\n', "")
    assert "notify" not in text
    assert not parse(text).notify.configured


def test_notify_settings_survive_the_run_config_and_narrowing():
    config = parse(SITES)
    stored = SitesConfig.from_dict(config.to_dict())
    assert stored.notify == config.notify
    assert config.select(["transit-site"]).notify == config.notify
    assert (
        SitesConfig.from_dict({"path": "x", "agencies": [], "sites": []}).notify.configured is False
    )


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'webhook_url_env = "MASSAUDIT_WEBHOOK_URL"',
            'webhook_url = "https://hooks.example/T000/B000/secret"',
            "sites.toml: notify.webhook_url: a webhook URL holds its token",
        ),
        (
            'webhook_url_env = "MASSAUDIT_WEBHOOK_URL"',
            'webhook_url_env = "https://hooks.example/x"',
            "sites.toml: notify.webhook_url_env: must name an environment variable",
        ),
        (
            'email_to = ["digital@example.gov"]',
            'email_to = ["digital@example.gov\\r\\nBcc: x@evil.example"]',
            "sites.toml: notify.email_to[0]: ",
        ),
        (
            'email_to = "parks-web@example.gov"',
            "email_to = 3",
            "sites.toml: agency[0] (parks).notify.email_to: must be an address or an array",
        ),
        (
            'events = ["regression", "critical"]',
            'events = ["regression", "weather"]',
            "sites.toml: agency[0] (parks).notify.events[1]: 'weather' is not one of run, ",
        ),
        (
            'events = ["regression", "critical"]',
            'scorecard_url = "https://x.example/"',
            "sites.toml: agency[0] (parks).notify.scorecard_url: unknown key; allowed: ",
        ),
        (
            'scorecard_url = "https://scorecards.example.gov/nightly/"',
            'scorecard_url = "https://user:pw@scorecards.example.gov/"',
            "sites.toml: notify.scorecard_url: a user name or password in the URL",
        ),
        (
            'scorecard_url = "https://scorecards.example.gov/nightly/"',
            'scorecard_url = "scorecards.example.gov"',
            "is not an absolute http(s) URL",
        ),
        (
            'email_from = "massaudit@example.gov"',
            'password = "hunter2"',
            "sites.toml: notify.password: put SMTP settings in the environment",
        ),
        (
            'email_to = "parks-web@example.gov"\nevents = ["regression", "critical"]',
            "",
            "sites.toml: agency[0] (parks).notify: names no one to tell",
        ),
    ],
)
def test_broken_notify_tables_are_one_line_errors(old, new, expected):
    assert old in SITES
    with pytest.raises(SitesConfigError) as caught:
        parse(SITES.replace(old, new))
    message = str(caught.value)
    assert expected in message and "\n" not in message
    assert "hunter2" not in message and "secret" not in message
