"""Sites behind a login or a staging wall: request headers, cookies and HTTP basic auth whose
values come from environment variables named in `sites.toml`.

The file names variables, never values (`headers = { Authorization = "env:STAGING_AUTH" }`,
`cookies = { session = "env:STAGING_COOKIE" }`, `basic_auth = { user_env = "STAGING_USER",
password_env = "STAGING_PASSWORD" }`), so the run's stored config holds only the names. The
values are read when a run starts, sent only to the site's own hosts (by the crawler here, by the
browser through `AuditSettings.host_headers`), and never stored, logged or reported.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Mapping
from typing import Any

from scrapy.http import Request

from massaudit.rules.hosts import host_key

ENV_PREFIX = "env:"
CREDENTIAL_KEYS = ("headers", "cookies", "basic_auth")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an HTTP header or cookie name
# Headers massaudit sets itself, or that would break the request.
_REFUSED_HEADERS = {
    "host": "set by the URL",
    "content-length": "set by the request",
    "transfer-encoding": "set by the request",
    "connection": "set by the request",
    "user-agent": "massaudit always names itself",
    "cookie": 'give cookies in `cookies = { name = "env:VAR" }`',
}
_BAD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # control characters (a tab may stay)


class CredentialError(ValueError):
    """A credential setting that cannot be used; `key` is its path under the site."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(problem)
        self.key = key
        self.problem = problem


def check_credentials(entry: Mapping[str, Any], environ: Mapping[str, str]) -> None:
    """The credential keys of one `[[site]]` table: their shape, and every variable they name
    set in `environ` with a value that can go into a request (CredentialError otherwise)."""
    for name, ref in _table(entry, "headers").items():
        key = f"headers.{name}"
        problem = header_problem(name)
        if not problem and name.lower() == "authorization" and "basic_auth" in entry:
            problem = "give either headers.Authorization or basic_auth, not both"
        if problem:
            raise CredentialError(key, problem)
        variable = _env_name(key, ref)
        _named(key, variable, value_problem(_value(key, variable, environ)))
    for name, ref in _table(entry, "cookies").items():
        key = f"cookies.{name}"
        problem = cookie_problem(name, "")
        if problem:
            raise CredentialError(key, problem)
        variable = _env_name(key, ref)
        _named(key, variable, cookie_problem(name, _value(key, variable, environ)))
    if "basic_auth" in entry:
        auth = _table(entry, "basic_auth")
        unknown = sorted(set(auth) - {"user_env", "password_env"})
        if unknown:
            raise CredentialError(
                f"basic_auth.{unknown[0]}", "unknown key; allowed: user_env, password_env"
            )
        for key in ("user_env", "password_env"):
            variable = auth.get(key)
            if not isinstance(variable, str) or not _ENV_NAME.match(variable):
                raise CredentialError(
                    f"basic_auth.{key}", "must name an environment variable, e.g. STAGING_USER"
                )
            value = _value(f"basic_auth.{key}", variable, environ)
            problem = value_problem(value)
            if not problem and key == "user_env" and ":" in value:
                problem = "has a ':', which a user name cannot"
            _named(f"basic_auth.{key}", variable, problem)


def header_problem(name: str) -> str | None:
    """Why `name` cannot be a credential header, or None."""
    if not _TOKEN.match(name):
        return "not a header name (letters, digits, '-')"
    why = _REFUSED_HEADERS.get(name.lower())
    return f"cannot be set here ({why})" if why else None


def cookie_problem(name: str, value: str) -> str | None:
    """Why `name=value` cannot be a cookie, or None."""
    if not _TOKEN.match(name):
        return "not a cookie name (letters, digits, '-')"
    if any(c in value for c in ';," '):
        return "has a space, ';', ',' or '\"', which a cookie value cannot hold"
    return value_problem(value)


def value_problem(value: str) -> str | None:
    """Why `value` cannot go into a request header (never quoting it), or None."""
    if _BAD_VALUE.search(value):
        return "has a line break or control character"
    return None


def _named(key: str, variable: str, problem: str | None) -> None:
    if problem:
        raise CredentialError(key, f"the value of {variable} {problem}")


def _table(entry: Mapping[str, Any], key: str) -> dict[str, Any]:
    table = entry.get(key, {})
    if not isinstance(table, dict):
        raise CredentialError(key, 'must be a table, e.g. { Name = "env:VARIABLE" }')
    return table


def _env_name(key: str, ref: Any) -> str:
    if not isinstance(ref, str) or not ref.startswith(ENV_PREFIX):
        raise CredentialError(
            key,
            'must be "env:VARIABLE", the environment variable holding the value (values are '
            "never written in the sites file)",
        )
    name = ref[len(ENV_PREFIX) :]
    if not _ENV_NAME.match(name):
        raise CredentialError(key, f"{name!r} is not an environment variable name")
    return name


def _value(key: str, name: str, environ: Mapping[str, str]) -> str:
    value = environ.get(name)
    if not value:
        raise CredentialError(key, f"environment variable {name} is not set; set it before the run")
    return value


def request_headers(site: Any, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The headers a site's credentials add to every request to its hosts (values from
    `environ`, by default the process's environment); empty for a site without any.
    CredentialError (naming the site) when a variable is not set or not usable."""
    environ = os.environ if environ is None else environ
    try:
        check_credentials(_as_entry(site), environ)
    except CredentialError as exc:
        raise CredentialError(exc.key, f"site {site.id}: {exc.key}: {exc.problem}") from None
    headers = {name: environ[ref[len(ENV_PREFIX) :]] for name, ref in site.headers.items()}
    if site.cookies:
        headers["Cookie"] = "; ".join(
            f"{name}={environ[ref[len(ENV_PREFIX) :]]}" for name, ref in site.cookies.items()
        )
    if site.basic_auth:
        pair = f"{environ[site.basic_auth['user_env']]}:{environ[site.basic_auth['password_env']]}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
    return headers


def _as_entry(site: Any) -> dict[str, Any]:
    return {key: getattr(site, key) for key in CREDENTIAL_KEYS if getattr(site, key)}


def host_headers(sites: Any, environ: Mapping[str, str] | None = None) -> dict[str, dict[str, str]]:
    """host key -> the headers requests to it carry, for every host of a site with credentials
    (sites sharing a host have the same ones: sites.toml validation sees to it)."""
    by_host: dict[str, dict[str, str]] = {}
    for site in sites:
        if has_credentials(site):
            headers = request_headers(site, environ)
            for host in site.allowed_hosts:
                by_host.setdefault(host, headers)
    return by_host


def has_credentials(site: Any) -> bool:
    return bool(site.headers or site.cookies or site.basic_auth)


def same_credentials(a: Any, b: Any) -> bool:
    return (a.headers, a.cookies, a.basic_auth) == (b.headers, b.cookies, b.basic_auth)


class SiteCredentialsMiddleware:
    """Adds a site's credential headers to every request to its hosts, and to no other: a
    request that carried them and was redirected to another host loses them."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self._by_host: dict[str, dict[str, str]] | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> SiteCredentialsMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Any = None) -> None:
        if self._by_host is None:
            self._by_host = host_headers(self.crawler.spider.sites.sites)
        if not self._by_host:
            return
        added = request.meta.get("credential_headers", ())
        headers = self._by_host.get(_host(request.url), {})
        for name in added:
            if name not in headers:
                request.headers.pop(name, None)
        for name, value in headers.items():
            request.headers[name] = value
        if headers:
            request.meta["credential_headers"] = tuple(headers)


def _host(url: str) -> str | None:
    try:
        return host_key(url)
    except ValueError:
        return None
