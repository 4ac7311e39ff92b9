"""Sites behind a login or a staging wall: credentials named in sites.toml, read from the
environment, sent to the site's own hosts only, and found nowhere in what a run keeps."""

from __future__ import annotations

import base64
import copy
import json
import sqlite3
from pathlib import Path

import pytest
from integration_helpers import massaudit, stored_text
from lastmod_site import LastmodSite, lastmod_sites_toml, serve_lastmod_site
from scrapy.http import Request

from massaudit.crawler.credentials import SiteCredentialsMiddleware, host_headers
from massaudit.crawler.sites import SitesConfigError, parse_sites

ENV = {
    "STAGING_TOKEN": "Bearer t0ken-s3cret",
    "STAGING_COOKIE": "c00kie-s3cret",
    "STAGING_USER": "auditor",
    "STAGING_PASSWORD": "pa55word-s3cret",
}
SITE = {
    "id": "staging",
    "agency": "a",
    "name": "Staging",
    "start_urls": ["https://staging.mass.gov/"],
    "allowed_hosts": ["staging.mass.gov", "files.staging.mass.gov"],
}


def config(environ=ENV, *more_sites, **keys):
    data = {
        "agency": [{"id": "a", "name": "A"}],
        "site": [copy.deepcopy(SITE) | keys, *more_sites],
    }
    return parse_sites(data, "conf/sites.toml", environ=environ)


def test_credentials_are_named_not_written():
    sites = config(
        headers={"X-Staging-Token": "env:STAGING_TOKEN"},
        cookies={"session": "env:STAGING_COOKIE", "lang": "env:STAGING_USER"},
    )
    site = sites.sites[0]
    assert site.headers == {"X-Staging-Token": "env:STAGING_TOKEN"}
    stored = json.dumps(sites.to_dict())
    assert not any(secret in stored for secret in ENV.values())
    assert host_headers(sites.sites, ENV) == {
        host: {
            "X-Staging-Token": "Bearer t0ken-s3cret",
            "Cookie": "session=c00kie-s3cret; lang=auditor",
        }
        for host in SITE["allowed_hosts"]
    }


def test_basic_auth_becomes_an_authorization_header():
    sites = config(basic_auth={"user_env": "STAGING_USER", "password_env": "STAGING_PASSWORD"})
    expected = "Basic " + base64.b64encode(b"auditor:pa55word-s3cret").decode()
    assert host_headers(sites.sites, ENV)["staging.mass.gov"] == {"Authorization": expected}
    assert host_headers(config().sites, ENV) == {}


AUTH = {"user_env": "STAGING_USER", "password_env": "STAGING_PASSWORD"}


@pytest.mark.parametrize(
    ("keys", "environ", "key_path", "problem"),
    [
        ({"headers": {"X-Token": "env:NOPE"}}, ENV, "headers.X-Token", "NOPE is not set"),
        ({"headers": {"X-Token": "Bearer abc"}}, ENV, "headers.X-Token", 'must be "env:VARIABLE"'),
        ({"headers": {"X-Token": "env:1BAD"}}, ENV, "headers.X-Token", "not an environment"),
        ({"headers": {"Bad Name": "env:STAGING_TOKEN"}}, ENV, "headers.Bad Name", "header name"),
        ({"headers": {"User-Agent": "env:STAGING_TOKEN"}}, ENV, "headers.User-Agent", "names"),
        ({"headers": {"cookie": "env:STAGING_COOKIE"}}, ENV, "headers.cookie", "cookies ="),
        (
            {"headers": {"Authorization": "env:STAGING_TOKEN"}, "basic_auth": AUTH},
            ENV,
            "headers.Authorization",
            "not both",
        ),
        (
            {"cookies": {"session": "env:STAGING_COOKIE"}},
            ENV | {"STAGING_COOKIE": "a;b"},
            "cookies.session",
            "';'",
        ),
        (
            {"headers": {"X-Token": "env:STAGING_TOKEN"}},
            ENV | {"STAGING_TOKEN": "a\r\nX: y"},
            "headers.X-Token",
            "line break",
        ),
        ({"basic_auth": {"user_env": "STAGING_USER"}}, ENV, "basic_auth.password_env", "must name"),
        ({"cookies": {"a b": "env:STAGING_COOKIE"}}, ENV, "cookies.a b", "not a cookie name"),
        ({"basic_auth": AUTH | {"realm": "x"}}, ENV, "basic_auth.realm", "unknown key"),
        ({"basic_auth": AUTH}, ENV | {"STAGING_USER": "a:b"}, "basic_auth.user_env", "':'"),
        (
            {"basic_auth": AUTH},
            {"STAGING_USER": "u"},
            "basic_auth.password_env",
            "STAGING_PASSWORD is not set",
        ),
    ],
)
def test_broken_credentials_are_one_line_naming_file_site_and_key(keys, environ, key_path, problem):
    with pytest.raises(SitesConfigError) as excinfo:
        config(environ, **keys)
    message = str(excinfo.value)
    assert "\n" not in message and problem in message, message
    assert message.startswith(f"conf/sites.toml: site[0] (staging).{key_path}: "), message
    assert not any(secret in message for secret in ENV.values() if len(secret) > 3)


def test_credential_keys_are_tables():
    with pytest.raises(SitesConfigError, match=r"site\[0\]\.headers: must be a table, got list"):
        config(headers=["X-Token"])


def test_sites_sharing_a_host_share_their_credentials():
    other = SITE | {"id": "staging-forms", "start_urls": ["https://staging.mass.gov/forms"]}
    with pytest.raises(
        SitesConfigError, match=r"site\[1\] \(staging-forms\)\.headers: shares host"
    ):
        config(ENV, other, headers={"X-Token": "env:STAGING_TOKEN"})
    same = other | {"headers": {"X-Token": "env:STAGING_TOKEN"}}
    assert len(config(ENV, same, headers={"X-Token": "env:STAGING_TOKEN"}).sites) == 2


def test_the_crawler_sends_them_to_the_site_hosts_only(monkeypatch):
    monkeypatch.setattr("os.environ", ENV)
    sites = config(headers={"X-Token": "env:STAGING_TOKEN"}, cookies={"s": "env:STAGING_COOKIE"})
    spider = type("Spider", (), {"sites": sites})()
    middleware = SiteCredentialsMiddleware(type("Crawler", (), {"spider": spider})())
    own = Request("https://files.staging.mass.gov/a.pdf")
    middleware.process_request(own)
    assert own.headers[b"X-Token"] == b"Bearer t0ken-s3cret"
    assert own.headers[b"Cookie"] == b"s=c00kie-s3cret"
    other = Request("https://www.mass.gov/", headers={"Cookie": "theirs=1"})
    middleware.process_request(other)
    assert b"X-Token" not in other.headers and other.headers[b"Cookie"] == b"theirs=1"
    # A request that carried them, redirected to another host, loses them.
    redirected = own.replace(url="https://www.mass.gov/elsewhere")
    middleware.process_request(redirected)
    assert b"X-Token" not in redirected.headers and b"Cookie" not in redirected.headers


# The whole run against a site behind basic auth on 127.0.0.1.

USER, PASSWORD = "auditor", "Pa55-w0rd-only-in-env"


@pytest.mark.browser
def test_a_site_behind_basic_auth_is_audited_and_its_password_kept_nowhere(tmp_path):
    site = LastmodSite(pages=4, basic_auth=f"{USER}:{PASSWORD}")
    env = {"STAGING_USER": USER, "STAGING_PASSWORD": PASSWORD}
    auth = '{ user_env = "STAGING_USER", password_env = "STAGING_PASSWORD" }'
    out, db = tmp_path / "out", tmp_path / "db.sqlite"
    with serve_lastmod_site(site) as base:
        (tmp_path / "sites.toml").write_text(lastmod_sites_toml(base, basic_auth=auth))
        result = massaudit(
            "run",
            *("--sites", str(tmp_path / "sites.toml"), "--db", str(db), "--out", str(out)),
            *("--quiet", "--concurrency", "2", "--log", str(out / "run.jsonl")),
            env=env,
        )
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(db) as conn:
        states = dict(conn.execute("SELECT url, state FROM url_states").fetchall())
        assert sorted(states.values()) == ["audited"] * 5, states  # 4 pages and /linked-only/
        assert all(status == 200 for (status,) in conn.execute("SELECT status_code FROM pages"))
    expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    assert {h.get("Authorization") for _, _, h in site.requests} == {expected}
    secrets = (PASSWORD, expected.split()[1], f"{USER}:{PASSWORD}")
    for text in (stored_text(db), result.stdout, result.stderr, *folder_text(out)):
        assert not any(secret in text for secret in secrets)


def folder_text(folder: Path) -> list[str]:
    return [
        path.read_bytes().decode("utf-8", "replace") for path in folder.rglob("*") if path.is_file()
    ]
