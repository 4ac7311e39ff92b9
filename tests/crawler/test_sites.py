"""sites.toml validation: every broken entry is one line naming file, key path and problem;
numbers out of range or not finite, credentials in URLs and files nested too deep included."""

from __future__ import annotations

import copy
import math

import pytest
from repo_paths import REPO

from massaudit.crawler.sites import SitesConfigError, load_sites, parse_sites

VALID = {
    "agency": [{"id": "eotss", "name": "Executive Office of Technology Services and Security"}],
    "site": [
        {
            "id": "eotss-mass-gov",
            "agency": "eotss",
            "name": "EOTSS pages on Mass.gov",
            "start_urls": ["https://www.mass.gov/orgs/eotss"],
            "allowed_hosts": ["www.mass.gov"],
            "include": ["^/orgs/eotss"],
            "exclude": [],
            "max_pages": 500,
        }
    ],
}


def broken(change) -> dict:
    data = copy.deepcopy(VALID)
    change(data)
    return data


def test_shipped_sites_file_is_valid():
    config = load_sites(REPO / "sites.toml")
    assert {s.id for s in config.sites} >= {"eotss-mass-gov"}
    demo = load_sites(REPO / "massaudit" / "demo" / "sites.toml")
    assert any(s.demo for s in demo.sites), "the demo sites ship with the package"
    assert len({s.agency for s in config.sites if not s.demo}) >= 5


def test_valid_config_parses_with_defaults():
    config = parse_sites(VALID, "sites.toml")
    site = config.sites[0]
    assert site.start_urls == ("https://www.mass.gov/orgs/eotss",)
    assert site.max_depth == 20 and site.download_delay == 1.0 and not site.demo
    assert site.max_reuse_age_days == 7.0
    assert parse_sites(site_with(max_reuse_age_days=2)).sites[0].max_reuse_age_days == 2.0


def test_port_in_allowed_hosts():
    data = broken(lambda d: d["site"][0].update(start_urls=["http://127.0.0.1:8080/"]))
    data["site"][0]["allowed_hosts"] = ["127.0.0.1:8080"]
    assert parse_sites(data).sites[0].allowed_hosts == ("127.0.0.1:8080",)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["site"][0].update(colour="blue"), "site[0].colour: unknown key"),
        (
            lambda d: d["site"][0].update(max_pages="500"),
            "site[0].max_pages: must be an integer, got str",
        ),
        (
            lambda d: d["site"][0].update(max_pages=True),
            "site[0].max_pages: must be an integer, got bool",
        ),
        (lambda d: d["site"][0].pop("start_urls"), "site[0].start_urls: missing required key"),
        (
            lambda d: d["site"].append(copy.deepcopy(d["site"][0])),
            "site[1].id: duplicate id 'eotss-mass-gov'",
        ),
        (lambda d: d["agency"].append(dict(d["agency"][0])), "agency[1].id: duplicate id 'eotss'"),
        (
            lambda d: d["site"][0].update(start_urls=["www.mass.gov/x"]),
            "start_urls[0]: 'www.mass.gov/x' is not an absolute http(s) URL",
        ),
        (
            lambda d: d["site"][0].update(start_urls=["ftp://www.mass.gov/"]),
            "is not an absolute http(s) URL",
        ),
        (
            lambda d: d["site"][0].update(start_urls=["https://evil.example/"]),
            "host 'evil.example' is not in allowed_hosts",
        ),
        (
            lambda d: d["site"][0].update(agency="nobody"),
            "site[0] (eotss-mass-gov).agency: no [[agency]] with id 'nobody'",
        ),
        (lambda d: d["site"][0].update(include=["("]), "include[0]: bad regular expression"),
        (
            lambda d: d["site"][0].update(allowed_hosts=["https://www.mass.gov"]),
            "is not a host name",
        ),
        (lambda d: d["site"][0].update(max_pages=0), "max_pages: must be at least 1"),
        (lambda d: d["site"][0].update(id="EOTSS Site"), "site[0].id: 'EOTSS Site' is not an id"),
        (lambda d: d.update(sites=[]), "sites: unknown key"),
        (lambda d: d.pop("agency"), "agency: at least one [[agency]] table is required"),
    ],
)
def test_broken_config_is_one_line_naming_key_path(change, expected):
    with pytest.raises(SitesConfigError) as excinfo:
        parse_sites(broken(change), "conf/sites.toml")
    message = str(excinfo.value)
    assert "\n" not in message
    assert message.startswith("conf/sites.toml: ")
    assert expected in message


def test_toml_syntax_error_and_missing_file(tmp_path):
    bad = tmp_path / "sites.toml"
    bad.write_text("[[site]]\nid = \n")
    with pytest.raises(SitesConfigError, match=r"sites.toml: not valid TOML: .*line 2"):
        load_sites(bad)
    with pytest.raises(SitesConfigError, match="file not found"):
        load_sites(tmp_path / "missing.toml")


def test_select_narrows_sites_and_agencies():
    config = load_sites(REPO / "sites.toml")
    narrowed = config.select(["eotss-mass-gov"])
    assert [s.id for s in narrowed.sites] == ["eotss-mass-gov"]
    assert [a.id for a in narrowed.agencies] == ["eotss"]
    with pytest.raises(SitesConfigError, match="no site with id 'nope'"):
        config.select(["nope"])


def site_with(**values) -> dict:
    data = copy.deepcopy(VALID)
    data["site"][0].update(values)
    return data


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [
        ("download_delay", math.inf, "at least 0 and at most 60"),
        ("download_delay", 1e300, "at least 0 and at most 60"),
        ("download_delay", math.nan, "at least 0 and at most 60"),
        ("download_delay", -1.0, "at least 0 and at most 60"),
        ("fetch_timeout", math.nan, "at least 1 and at most 300"),
        ("fetch_timeout", 0.0, "at least 1 and at most 300"),
        ("fetch_timeout", math.inf, "at least 1 and at most 300"),
        ("concurrency_per_host", 10_000, "at least 1 and at most 64"),
        ("max_pages", 2**62, "at most 1,000,000"),
        ("max_depth", 10**9, "at most 1,000"),
        ("max_reuse_age_days", -1, "at least 0 and at most 3,650"),
        ("max_reuse_age_days", math.inf, "at least 0 and at most 3,650"),
    ],
)
def test_site_numbers_must_be_finite_and_in_range(key, value, allowed):
    with pytest.raises(SitesConfigError) as excinfo:
        parse_sites(site_with(**{key: value}), "conf/sites.toml")
    message = str(excinfo.value)
    assert "\n" not in message
    assert message.startswith(f"conf/sites.toml: site[0] (eotss-mass-gov).{key}: ")
    assert allowed in message


def test_check_options_must_be_finite():
    data = site_with(checks={"lcp_ms": math.nan})
    with pytest.raises(SitesConfigError, match=r"checks\.lcp_ms: must be at least 0"):
        parse_sites(data, "sites.toml")


def test_toml_inf_and_nan_are_refused_when_loading(tmp_path):
    path = tmp_path / "sites.toml"
    text = (
        '[[agency]]\nid = "a"\nname = "A"\n\n[[site]]\nid = "s"\nagency = "a"\nname = "S"\n'
        'start_urls = ["https://www.mass.gov/"]\nallowed_hosts = ["www.mass.gov"]\n'
    )
    path.write_text(text + "download_delay = inf\n")
    with pytest.raises(SitesConfigError, match=r"download_delay: .*got inf"):
        load_sites(path)
    path.write_text(text + "fetch_timeout = nan\n")
    with pytest.raises(SitesConfigError, match=r"fetch_timeout: .*got nan"):
        load_sites(path)


@pytest.mark.parametrize(
    ("change", "key_path"),
    [
        (
            lambda d: d["site"][0].update(start_urls=["https://user:secret@www.mass.gov/orgs/x"]),
            "start_urls[0]",
        ),
        (
            lambda d: d["site"][0].update(sitemaps=["https://user@www.mass.gov/sitemap.xml"]),
            "sitemaps[0]",
        ),
        (
            lambda d: d["site"][0].update(allowed_hosts=["user:secret@www.mass.gov"]),
            "allowed_hosts[0]",
        ),
        (lambda d: d["agency"][0].update(url="https://a:b@www.mass.gov/"), "agency[0].url"),
    ],
)
def test_credentials_in_urls_are_refused(change, key_path):
    data = copy.deepcopy(VALID)
    change(data)
    with pytest.raises(SitesConfigError) as excinfo:
        parse_sites(data, "sites.toml")
    message = str(excinfo.value)
    assert key_path in message and "password in a URL is not supported" in message
    assert "secret" not in message and "\n" not in message


def test_deeply_nested_sites_file_is_one_line(tmp_path):
    path = tmp_path / "sites.toml"
    path.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(SitesConfigError) as excinfo:
        load_sites(path)
    assert str(excinfo.value) == (
        f"{path}: nesting too deep (arrays or tables inside each other); flatten the file"
    )


def test_sites_document_keys():
    base = {
        "agency": [{"id": "a", "name": "A"}],
        "site": [
            {
                "id": "s",
                "agency": "a",
                "name": "S",
                "start_urls": ["https://www.mass.gov/"],
                "allowed_hosts": ["www.mass.gov"],
            }
        ],
    }
    site = parse_sites(base).sites[0]
    assert site.max_document_bytes == 25 * 1024 * 1024
    assert site.document_compliance_date == "2027-04-26"
    base["site"][0] |= {"max_document_bytes": 1000, "document_compliance_date": "2028-04-26"}
    site = parse_sites(base).sites[0]
    assert (site.max_document_bytes, site.document_compliance_date) == (1000, "2028-04-26")
    base["site"][0]["document_compliance_date"] = "April 2027"
    with pytest.raises(SitesConfigError, match="document_compliance_date"):
        parse_sites(base)
