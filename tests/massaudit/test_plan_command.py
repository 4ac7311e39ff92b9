"""`massaudit plan`: the real command against a site served on 127.0.0.1 whose sitemap carries
lastmod, with a store of an earlier run; it reads the sitemap and nothing else."""

from __future__ import annotations

import argparse

import pytest
from integration_helpers import massaudit
from lastmod_site import LastmodSite, lastmod_sites_toml, serve_lastmod_site

from massaudit.plan_command import window_seconds
from massaudit.rules.judge import PageJudgement
from massaudit.rules.model import PageArtifacts
from massaudit.store.db import RunVersions, Store


def test_window_durations():
    assert window_seconds("8h") == 8 * 3600
    assert window_seconds("1h30m") == 5400 and window_seconds("90m") == 5400
    assert window_seconds("45s") == 45 and window_seconds("0.5h") == 1800
    for bad in ("", "8", "8 hours", "0h", "200h", "h", "-1h"):
        with pytest.raises(argparse.ArgumentTypeError):
            window_seconds(bad)


def earlier_run(db: str, base: str, paths: list[str]) -> None:
    """A complete run that audited `paths` just now (no browser needed to write one)."""
    store = Store(db, create=True)
    run_id = store.begin_run({"sites": []}, {"audit": {}}, RunVersions("0", "4", "c", "1"))
    for path in paths:
        url = base + path
        store.save_page(
            run_id,
            site_id="lastmod-site",
            agency_id="test",
            depth=0,
            artifacts=PageArtifacts(url, url, 200, "P", {"violations": []}, {}),
            judgement=PageJudgement([], {}, {}),
        )
    store.finish_run(run_id, "complete", {})
    store.close()


def test_plan_reads_the_sitemap_and_counts_what_is_due(tmp_path):
    site = LastmodSite(pages=6)
    site.change("/p/3/", "2030-01-01T00:00:00Z")  # changed after the earlier run
    db = str(tmp_path / "db.sqlite")
    with serve_lastmod_site(site) as base:
        (tmp_path / "sites.toml").write_text(lastmod_sites_toml(base, download_delay=0.5))
        earlier_run(db, base, [*site.paths()[:5], "/linked-only/"])  # /p/5/ is new
        args = ("plan", "--sites", str(tmp_path / "sites.toml"), "--db", db)
        fits = massaudit(*args)
        late = massaudit(*args, "--window", "2s")
    assert fits.returncode == 0, fits.stderr
    # Two plans, each reading robots.txt once (for its Sitemap: lines and its rules) and the sitemap.
    assert sorted(p for _, p, _ in site.requests) == ["/robots.txt"] * 2 + ["/sitemap.xml"] * 2
    row = next(line for line in fits.stdout.splitlines() if line.startswith("lastmod-site"))
    # pages 6 (last run), due 2 (new /p/5/, changed /p/3/), 4 reused, /linked-only/ conditional
    assert row.split()[1:10] == ["6", "2", "1", "1", "0", "4", "1", "0", "3"], fits.stdout
    # 3 page requests, robots.txt, sitemap.xml, the probe
    assert "127.0.0.1: 6 requests x 0.5 s = 3s (lastmod-site): fits" in fits.stdout
    assert "every site fits in 8h00m" in fits.stdout
    assert late.returncode == 1 and "will not fit in 2s: lastmod-site" in late.stdout


def test_plan_flags_are_checked(tmp_path):
    result = massaudit("plan", "--sites", "sites.toml", "--window", "tonight")
    assert result.returncode == 2 and "--window" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    missing = massaudit("plan", "--db", str(tmp_path / "none.sqlite"))
    assert missing.returncode == 2 and "--db" in missing.stderr
