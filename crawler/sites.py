"""Loading and validating `sites.toml`: the agencies and the sites the nightly audit covers.

Every problem is reported as one line naming the file, the key path and what is wrong, so an
operator can fix a broken entry without reading a traceback.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from massaudit.crawler.credentials import (
    CredentialError,
    check_credentials,
    same_credentials,
)
from massaudit.crawler.notify_config import NotifyConfig, parse_notify
from massaudit.crawler.sites_validation import (
    CREDENTIALS,
    check_checks,
    check_id,
    check_range,
    check_str_list,
    check_table,
    check_unique,
    check_url,
)
from massaudit.rules.checks.document_rules import DEFAULT_COMPLIANCE_DATE
from massaudit.rules.hosts import host_key

_HOST = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::\d{1,5})?$"
)


class SitesConfigError(ValueError):
    """A broken sites file; the message is one line meant for the operator."""


@dataclass(frozen=True)
class Agency:
    id: str
    name: str
    url: str | None = None


@dataclass(frozen=True)
class Site:
    id: str
    agency: str
    name: str
    start_urls: tuple[str, ...]
    allowed_hosts: tuple[str, ...]
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_pages: int = 500
    max_depth: int = 20
    download_delay: float = 1.0
    concurrency_per_host: int = 2
    sitemaps: tuple[str, ...] = ()
    use_sitemaps: bool = True
    ignore_params: tuple[str, ...] = ()
    strip_tracking: bool = True
    trailing_slash: str = "keep"
    lowercase_paths: bool = False
    max_per_pattern: int = 100
    max_query_variants: int = 10
    check_external_links: bool = False
    external_link_budget: int = 200
    fetch_timeout: float = 30.0
    # Linked documents (PDF, Word) are downloaded up to this size and analysed.
    max_document_bytes: int = 25 * 1024 * 1024
    # A page larger than this (after decompression) is not audited: skipped `too_large`.
    max_page_bytes: int = 10 * 1024 * 1024
    # ADA Title II compliance date (ISO date): documents dated before it may be exempt.
    document_compliance_date: str = DEFAULT_COMPLIANCE_DATE
    # A page reused without a request (its sitemap lastmod unchanged) is fetched and audited
    # again once its artifacts are this old, at the latest (crawler/reuse.py).
    max_reuse_age_days: float = 7.0
    # Credentials sent to the site's hosts only: header or cookie name -> "env:VARIABLE", and
    # basic_auth {user_env, password_env}; the values are read from the environment
    # (crawler/credentials.py).
    headers: dict[str, str] = field(default_factory=dict, hash=False)
    cookies: dict[str, str] = field(default_factory=dict, hash=False)
    basic_auth: dict[str, str] = field(default_factory=dict, hash=False)
    demo: bool = False
    # Options of massaudit's own checks (CHECK_OPTIONS): the file's global [checks] table with
    # this site's `checks` table over it. Empty means the defaults the checks declare.
    checks: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class SitesConfig:
    path: str
    agencies: tuple[Agency, ...]
    sites: tuple[Site, ...]
    notify: NotifyConfig = field(default_factory=NotifyConfig)

    def agency(self, agency_id: str) -> Agency:
        return next(a for a in self.agencies if a.id == agency_id)

    def select(self, site_ids: list[str] | None) -> SitesConfig:
        """The same config narrowed to `site_ids` (all sites when None or empty)."""
        if not site_ids:
            return self
        known = {s.id for s in self.sites}
        unknown = [s for s in site_ids if s not in known]
        if unknown:
            raise SitesConfigError(
                f"{self.path}: no site with id {unknown[0]!r}; known ids: {', '.join(sorted(known))}"
            )
        sites = tuple(s for s in self.sites if s.id in site_ids)
        agency_ids = {s.agency for s in sites}
        return replace(
            self, agencies=tuple(a for a in self.agencies if a.id in agency_ids), sites=sites
        )

    def demo_only(self, netloc: str) -> SitesConfig:
        """The demo sites, moved from the host:port written in the file to `netloc`."""
        demo = [s for s in self.sites if s.demo]
        if not demo:
            raise SitesConfigError(f"{self.path}: no site has demo = true")
        moved = []
        for site in demo:
            written = {host_key(url) for url in site.start_urls}
            moved.append(
                replace(
                    site,
                    start_urls=tuple(_move(url, written, netloc) for url in site.start_urls),
                    allowed_hosts=tuple(netloc if h in written else h for h in site.allowed_hosts),
                )
            )
        agency_ids = {s.agency for s in moved}
        return replace(
            self,
            agencies=tuple(a for a in self.agencies if a.id in agency_ids),
            sites=tuple(moved),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "agencies": [asdict(a) for a in self.agencies],
            "sites": [asdict(s) for s in self.sites],
            "notify": self.notify.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SitesConfig:
        sites = []
        for s in data["sites"]:
            fields = dict(s)
            for key in _LIST_KEYS:
                fields[key] = tuple(fields.get(key) or ())
            fields["checks"] = dict(fields.get("checks") or {})
            sites.append(Site(**fields))
        agencies = tuple(Agency(**a) for a in data["agencies"])
        notify = NotifyConfig.from_dict(data.get("notify"))
        return cls(data["path"], agencies, tuple(sites), notify)


# key -> (python types accepted, required); bool is excluded from int/float explicitly below.
_AGENCY_KEYS: dict[str, tuple[type | tuple[type, ...], bool]] = {
    "id": (str, True),
    "name": (str, True),
    "url": (str, False),
    "notify": (dict, False),
}
_SITE_KEYS: dict[str, tuple[type | tuple[type, ...], bool]] = {
    "id": (str, True),
    "agency": (str, True),
    "name": (str, True),
    "start_urls": (list, True),
    "allowed_hosts": (list, True),
    "include": (list, False),
    "exclude": (list, False),
    "max_pages": (int, False),
    "max_depth": (int, False),
    "download_delay": ((int, float), False),
    "concurrency_per_host": (int, False),
    "sitemaps": (list, False),
    "use_sitemaps": (bool, False),
    "ignore_params": (list, False),
    "strip_tracking": (bool, False),
    "trailing_slash": (str, False),
    "lowercase_paths": (bool, False),
    "max_per_pattern": (int, False),
    "max_query_variants": (int, False),
    "check_external_links": (bool, False),
    "external_link_budget": (int, False),
    "fetch_timeout": ((int, float), False),
    "max_document_bytes": (int, False),
    "max_page_bytes": (int, False),
    "document_compliance_date": (str, False),
    "max_reuse_age_days": ((int, float), False),
    "headers": (dict, False),
    "cookies": (dict, False),
    "basic_auth": (dict, False),
    "demo": (bool, False),
    "checks": (dict, False),
}
# Numbers a site may set: key -> (lowest, highest) allowed. Finite, so NaN and inf never reach
# the crawler (an endless delay hangs a run; a NaN timeout fetches nothing).
_SITE_RANGES: dict[str, tuple[float, float]] = {
    "max_pages": (1, 1_000_000),
    "max_depth": (0, 1_000_000),
    "download_delay": (0, 60),
    "concurrency_per_host": (1, 64),
    "max_per_pattern": (1, 1_000_000),
    "max_query_variants": (1, 100_000),
    "external_link_budget": (0, 1_000_000),
    "fetch_timeout": (1, 300),
    "max_document_bytes": (0, 1024**3),
    "max_page_bytes": (1, 1024**3),
    "max_reuse_age_days": (0, 3650),
}
_LIST_KEYS = ("start_urls", "allowed_hosts", "include", "exclude", "sitemaps", "ignore_params")
_TOP_KEYS = {"agency", "site", "checks", "notify"}


def load_sites(path: str | Path) -> SitesConfig:
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SitesConfigError(
            f"{path}: file not found; pass an existing file with --sites"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SitesConfigError(f"{path}: cannot read the file ({exc})") from None
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise SitesConfigError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise SitesConfigError(
            f"{path}: nesting too deep (arrays or tables inside each other); flatten the file"
        ) from None
    return parse_sites(data, str(path))


def parse_sites(
    data: dict[str, Any], source: str = "sites.toml", environ: Mapping[str, str] | None = None
) -> SitesConfig:
    """The sites file's tables, validated; the environment variables its credentials name must
    be set in `environ` (the process's environment by default)."""

    def fail(key_path: str, problem: str) -> SitesConfigError:
        return SitesConfigError(f"{source}: {key_path}: {problem}")

    for key in data:
        if key not in _TOP_KEYS:
            raise fail(key, "unknown key; the file holds [[agency]], [[site]], [checks], [notify]")
    agencies_raw = data.get("agency", [])
    sites_raw = data.get("site", [])
    if not isinstance(agencies_raw, list) or not agencies_raw:
        raise fail("agency", "at least one [[agency]] table is required")
    if not isinstance(sites_raw, list) or not sites_raw:
        raise fail("site", "at least one [[site]] table is required")
    global_checks = check_checks(data.get("checks", {}), "checks", fail)

    agencies: list[Agency] = []
    for i, entry in enumerate(agencies_raw):
        where = f"agency[{i}]"
        check_table(entry, _AGENCY_KEYS, where, fail)
        check_id(entry["id"], f"{where}.id", fail)
        if entry.get("url") is not None:
            check_url(entry["url"], f"{where}.url", fail)
        agencies.append(Agency(**{k: v for k, v in entry.items() if k != "notify"}))
    check_unique([a.id for a in agencies], "agency", fail)
    notify = parse_notify(data.get("notify"), agencies_raw, fail)
    agency_ids = {a.id for a in agencies}

    sites: list[Site] = []
    for i, entry in enumerate(sites_raw):
        where = f"site[{i}]"
        check_table(entry, _SITE_KEYS, where, fail)
        check_id(entry["id"], f"{where}.id", fail)
        where = f"site[{i}] ({entry['id']})"
        if entry["agency"] not in agency_ids:
            raise fail(
                f"{where}.agency",
                f"no [[agency]] with id {entry['agency']!r}; add it or fix the id",
            )
        hosts = check_str_list(entry, "allowed_hosts", where, fail, non_empty=True)
        for j, host in enumerate(hosts):
            if "@" in host:
                raise fail(f"{where}.allowed_hosts[{j}]", CREDENTIALS)
            if not _HOST.match(host):
                raise fail(
                    f"{where}.allowed_hosts[{j}]",
                    f"{host!r} is not a host name (lower case, optional :port, no scheme)",
                )
        starts = check_str_list(entry, "start_urls", where, fail, non_empty=True)
        for j, url in enumerate(starts):
            check_url(url, f"{where}.start_urls[{j}]", fail)
            netloc = urlsplit(url).netloc.lower()
            if host_key(url) not in hosts and netloc not in hosts:
                raise fail(
                    f"{where}.start_urls[{j}]",
                    f"host {netloc!r} is not in allowed_hosts; add it there",
                )
        for key in ("include", "exclude"):
            for j, pattern in enumerate(check_str_list(entry, key, where, fail)):
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise fail(f"{where}.{key}[{j}]", f"bad regular expression: {exc}") from None
        for j, url in enumerate(check_str_list(entry, "sitemaps", where, fail)):
            check_url(url, f"{where}.sitemaps[{j}]", fail)
        check_str_list(entry, "ignore_params", where, fail)
        if entry.get("trailing_slash", "keep") not in ("keep", "add", "strip"):
            raise fail(f"{where}.trailing_slash", "must be one of 'keep', 'add', 'strip'")
        for key, (low, high) in _SITE_RANGES.items():
            if key in entry:
                check_range(entry[key], low, high, f"{where}.{key}", fail)
        if "document_compliance_date" in entry:
            try:
                date.fromisoformat(entry["document_compliance_date"])
            except ValueError:
                raise fail(
                    f"{where}.document_compliance_date",
                    f"must be a date like {DEFAULT_COMPLIANCE_DATE}",
                ) from None
        fields = dict(entry)
        for key in _LIST_KEYS:
            fields[key] = tuple(entry.get(key, ()))
        try:
            check_credentials(entry, os.environ if environ is None else environ)
        except CredentialError as exc:
            raise fail(f"{where}.{exc.key}", exc.problem) from None
        for key in ("download_delay", "fetch_timeout", "max_reuse_age_days"):
            if key in fields:
                fields[key] = float(fields[key])
        fields["checks"] = check_checks(
            entry.get("checks", {}), f"{where}.checks", fail, inherited=global_checks
        )
        sites.append(Site(**fields))
    check_unique([s.id for s in sites], "site", fail)
    _check_shared_credentials(sites, fail)
    return SitesConfig(source, tuple(agencies), tuple(sites), notify)


def _check_shared_credentials(sites: list[Site], fail) -> None:
    """Credentials go by host (the browser sends them to a host, whichever site it audits), so
    sites sharing a host must send the same ones."""
    for i, site in enumerate(sites):
        for other in sites[:i]:
            shared = sorted(set(site.allowed_hosts) & set(other.allowed_hosts))
            if shared and not same_credentials(site, other):
                keys = ("headers", "cookies", "basic_auth")
                key = next(k for k in keys if getattr(site, k) != getattr(other, k))
                raise fail(
                    f"site[{i}] ({site.id}).{key}",
                    f"shares host {shared[0]} with site {other.id}, which sends other credentials; "
                    "give sites on one host the same headers, cookies and basic_auth",
                )


def _move(url: str, hosts: set[str], netloc: str) -> str:
    parts = urlsplit(url)
    if host_key(url) not in hosts:
        return url
    return urlunsplit(parts._replace(netloc=netloc))
