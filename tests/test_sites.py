"""sites.toml validation: every broken entry is one line naming file, key path and problem."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from massaudit.crawler.sites import SitesConfigError, load_sites, parse_sites

REPO = Path(__file__).resolve().parent.parent

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
