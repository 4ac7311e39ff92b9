"""Two sites whose scopes overlap (a whole host beside an agency section of it): every page is
audited once, under the most specific site, and the other site says where it went."""

from __future__ import annotations

import pytest
from integration_helpers import massaudit
from tree_site import serve_tree, site_entry, sites_toml

from massaudit.crawler.scope import ScopeOwners
from massaudit.crawler.sites import load_sites
from massaudit.store.db import Store

pytestmark = pytest.mark.browser

PAGES = {
    "/": ("/agency/", "/about/"),
    "/about/": ("/", "/agency/x/"),
    "/agency/": ("/agency/x/", "/"),
    "/agency/x/": ("/about/",),
}


def test_a_page_in_two_scopes_is_audited_once_under_the_most_specific(tmp_path):
    with serve_tree(PAGES) as base:
        (tmp_path / "sites.toml").write_text(
            sites_toml(
                site_entry("whole-host", base, "/"),
                site_entry("agency", base, "/agency/", include=("^/agency/",)),
            )
        )
        db = tmp_path / "audit.sqlite"
        result = massaudit(
            "run",
            "--sites",
            str(tmp_path / "sites.toml"),
            "--db",
            str(db),
            "--out",
            str(tmp_path / "out"),
            "--quiet",
        )
    assert result.returncode == 0, result.stderr
    store = Store(str(db))
    assert store.get_run(1).status == "complete"
    pages = sorted((p.site_id, p.url.removeprefix(base)) for p in store.pages(1))
    assert pages == [
        ("agency", "/agency/"),
        ("agency", "/agency/x/"),
        ("whole-host", "/"),
        ("whole-host", "/about/"),
    ]
    states = {
        (s.site_id, s.url.removeprefix(base)): (s.state, s.reason) for s in store.url_states(1)
    }
    assert states[("whole-host", "/agency/")] == ("skipped", "other_site")
    assert states[("whole-host", "/agency/x/")] == ("skipped", "other_site")
    assert states[("agency", "/")] == ("skipped", "out_of_scope")
    store.close()


def test_the_owner_of_a_url_is_the_most_specific_site_then_the_first(tmp_path):
    base = "http://127.0.0.1:8000"
    (tmp_path / "sites.toml").write_text(
        sites_toml(
            site_entry("whole-host", base, "/"),
            site_entry("agency", base, "/agency/", include=("^/agency/",)),
            site_entry("agency-again", base, "/agency/", include=("^/agency/",)),
            site_entry("whole-host-again", base, "/"),
        )
    )
    owners = ScopeOwners(load_sites(tmp_path / "sites.toml").sites)
    assert owners.owner(f"{base}/agency/x/") == "agency"
    assert owners.owner(f"{base}/about/") == "whole-host"
    assert owners.owner("http://elsewhere.example/") is None
    [(host, ids)] = owners.overlaps()
    assert host == "127.0.0.1:8000" and len(ids) == 4


def test_validate_notes_overlapping_sites(tmp_path):
    base = "http://127.0.0.1:8000"
    (tmp_path / "sites.toml").write_text(
        sites_toml(
            site_entry("whole-host", base, "/"),
            site_entry("agency", base, "/agency/", include=("^/agency/",)),
            site_entry("other-agency", base, "/other/", include=("^/other/",)),
        )
    )
    result = massaudit("validate", "--sites", str(tmp_path / "sites.toml"))
    assert result.returncode == 0, result.stderr
    [note] = [line for line in result.stdout.splitlines() if line.startswith("note:")]
    assert "whole-host, agency, other-agency share 127.0.0.1:8000" in note
    disjoint = sites_toml(
        site_entry("agency", base, "/agency/", include=("^/agency/",)),
        site_entry("other-agency", base, "/other/", include=("^/other/",)),
    )
    (tmp_path / "sites.toml").write_text(disjoint)
    result = massaudit("validate", "--sites", str(tmp_path / "sites.toml"))
    assert result.returncode == 0 and "note:" not in result.stdout, result.stdout
