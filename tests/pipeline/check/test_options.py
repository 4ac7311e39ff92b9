"""`massaudit check --header/--cookie` for staging URLs: parsed and checked, sent to the hosts of
the URLs checked only, and never printed."""

from __future__ import annotations

import base64

import pytest
from integration_helpers import massaudit
from lastmod_site import LastmodSite, serve_lastmod_site

from massaudit.pipeline.check import CheckUsageError
from massaudit.pipeline.check.inputs import url_host_headers
from massaudit.pipeline.check.options import request_headers


def test_headers_and_cookies():
    headers = request_headers(
        ["Authorization: Basic abc:d=", "X-Preview:  yes "], ["session=s3cret", "lang=en"]
    )
    assert headers == {
        "Authorization": "Basic abc:d=",
        "X-Preview": "yes",
        "Cookie": "session=s3cret; lang=en",
    }
    assert request_headers([], []) == {}


@pytest.mark.parametrize(
    ("headers", "cookies", "message"),
    [
        (["Authorization Basic s3cret"], [], '--header: expected "Name: value"'),
        (["User-Agent: s3cret"], [], "--header User-Agent: cannot be set here"),
        (["Bad Name: s3cret"], [], "--header Bad Name: not a header name"),
        (["X-Token: s3cret\r\nX-Other: 1"], [], "--header X-Token: has a line break"),
        ([], ["s3cret"], "--cookie: expected name=value"),
        ([], ["session=s3 cret"], "--cookie session: has a space"),
    ],
)
def test_bad_headers_and_cookies_name_the_flag_not_the_value(headers, cookies, message):
    with pytest.raises(CheckUsageError) as excinfo:
        request_headers(headers, cookies)
    assert str(excinfo.value).startswith(message)
    assert "s3cret" not in str(excinfo.value)


def test_only_the_hosts_of_the_urls_given_get_them():
    headers = {"Cookie": "a=b"}
    urls = [
        "https://staging.mass.gov/a",
        "http://127.0.0.1:8080/x",
        "https://STAGING.mass.gov:443/",
    ]
    assert url_host_headers(urls, headers) == {
        "staging.mass.gov": headers,
        "127.0.0.1:8080": headers,
    }
    assert url_host_headers(urls, {}) == {}


@pytest.mark.browser
def test_a_staging_url_behind_basic_auth_is_checked_with_the_header(tmp_path):
    site = LastmodSite(pages=2, basic_auth="editor:Pa55-only-here")
    token = base64.b64encode(b"editor:Pa55-only-here").decode()
    with serve_lastmod_site(site) as base:
        without = massaudit("check", f"{base}/p/0/")
        site.requests.clear()
        report = tmp_path / "report.json"
        result = massaudit(
            "check",
            f"{base}/p/0/",
            *("--header", f"Authorization: Basic {token}", "--cookie", "preview=on"),
            *("--report", "text", "--report", f"json:{report}"),
        )
    assert without.returncode == 3  # 401: could not check
    assert result.returncode in (0, 1), result.stderr
    sent = [headers for _, _, headers in site.requests]
    assert sent and all(h.get("Authorization") == f"Basic {token}" for h in sent)
    assert all(h.get("Cookie") == "preview=on" for h in sent)
    for text in (result.stdout, result.stderr, report.read_text()):
        assert token not in text and "Pa55" not in text
