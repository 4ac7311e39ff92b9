"""`run --resume` continues a run as it began: a killed `--full` run re-renders every page (none
carried over from the run before), and its query-variant cap counts the variants fetched before
it was killed."""

from __future__ import annotations

import pytest
from integration_helpers import massaudit, massaudit_killed
from tree_site import serve_tree, site_entry, sites_toml

from massaudit.store.db import Store

pytestmark = pytest.mark.browser

VARIANTS = 3
PAGES = {
    "/": ("/a/", "/b/"),
    "/a/": ("/list/?p=1", "/list/?p=2", "/list/?p=3"),
    "/b/": ("/list/?p=4", "/list/?p=5", "/list/?p=6"),
    **{f"/list/?p={n}": () for n in range(1, 7)},
}


def command(tmp, *extra: str) -> list[str]:
    return [
        "run",
        "--sites",
        str(tmp / "sites.toml"),
        "--db",
        str(tmp / "audit.sqlite"),
        "--out",
        str(tmp / "out"),
        "--quiet",
        "--concurrency",
        "1",
        *extra,
    ]


def test_resume_of_a_killed_full_run_renders_every_page_within_the_query_cap(tmp_path):
    with serve_tree(PAGES) as base:
        entry = site_entry("tree", base, "/") + f"max_query_variants = {VARIANTS}\n"
        (tmp_path / "sites.toml").write_text(sites_toml(entry))
        first = massaudit(*command(tmp_path))
        assert first.returncode == 0, first.stderr
        # Home and one of /a/, /b/ are stored: that one's variants are queued, not audited.
        massaudit_killed(*command(tmp_path, "--full"), commits=2)
        resumed = massaudit(*command(tmp_path, "--resume"))
    assert resumed.returncode == 0, resumed.stderr
    store = Store(str(tmp_path / "audit.sqlite"))
    run = store.get_run(2)
    assert run.status == "complete" and run.options["full"] is True
    pages = store.pages(2)
    assert [p.url for p in pages if p.reused_from is not None] == []  # none carried over
    assert {s.state for s in store.url_states(2)} == {"audited", "skipped"}
    variants = sorted(p.url for p in pages if "/list/" in p.url)
    assert len(variants) == VARIANTS, variants
    assert len(pages) == 3 + VARIANTS
    store.close()


def test_a_resume_asking_for_other_options_is_refused_before_any_work(tmp_path):
    with serve_tree({"/": ("/a/",), "/a/": ()}) as base:
        (tmp_path / "sites.toml").write_text(sites_toml(site_entry("tree", base, "/")))
        massaudit_killed(*command(tmp_path, "--checks", "axe"), commits=1)
        refused = massaudit(*command(tmp_path, "--resume", "--full"))
        store = Store(str(tmp_path / "audit.sqlite"))
        assert store.get_run(1).status == "incomplete"  # not reopened
        store.close()
        resumed = massaudit(*command(tmp_path, "--resume"))
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        "massaudit: --resume: run 1 was started without --full, this command asks with --full; "
        "leave --full out (a resumed run keeps its own options) or start a new run"
    ]
    assert resumed.returncode == 0, resumed.stderr
