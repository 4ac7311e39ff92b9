"""`massaudit run` on any site list: pages served from another folder, and broken input."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from integration_helpers import REPO, massaudit, stored_pages

from massaudit.pipeline.static_server import serve_directory
from massaudit.store.db import Store

HOSTILE_TITLE = "Fees <script>alert('x')</script> & more"


def write_site(root):
    (root / "fees").mkdir()
    (root / "index.html").write_text(
        '<!doctype html><html lang="en"><head><title>Home</title></head><body><main>'
        '<h1>Home</h1><a href="/fees/">Fees</a> <a href="/private/">Private</a>'
        '<a href="https://www.mass.gov/">Mass.gov</a></main></body></html>'
    )
    (root / "fees" / "index.html").write_text(
        f'<!doctype html><html lang="en"><head><title>{HOSTILE_TITLE}</title></head><body>'
        '<main><h1>Fees</h1><img src="/seal.png" data-note="<script>alert(2)</script>">'
        "<p><script>document.title = document.title;</script>Fee table</p></main></body></html>"
    )
    (root / "private").mkdir()
    (root / "private" / "index.html").write_text("<html><title>Private</title></html>")
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")


def write_sites_file(tmp_path, base: str):
    netloc = base.split("//", 1)[1]
    sites = tmp_path / "sites.toml"
    sites.write_text(
        '[[agency]]\nid = "test"\nname = "Test Agency"\n\n'
        f'[[site]]\nid = "local"\nagency = "test"\nname = "Local"\n'
        f'start_urls = ["{base}/"]\nallowed_hosts = ["{netloc}"]\ndownload_delay = 0\n'
    )
    return sites


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'audit.sqlite'}"
    return request.getfixturevalue("postgres_url")


@pytest.mark.browser
def test_run_audits_pages_from_another_folder_and_escapes_them(tmp_path, db_url):
    site_root = tmp_path / "site"
    site_root.mkdir()
    write_site(site_root)
    with serve_directory(site_root) as base:
        sites = write_sites_file(tmp_path, base)
        out = tmp_path / "report"
        result = massaudit(
            "run", "--sites", str(sites), "--db", db_url, "--out", str(out), "--quiet"
        )
    assert result.returncode == 0, result.stderr
    store = Store(db_url)
    [run] = store.runs()
    assert run.status == "complete" and run.axe_version == "4.14.1"
    assert run.config["sites"][0]["id"] == "local"
    urls = sorted(p.url for p in store.pages(run.id))
    rules = {f.rule_id for f in store.findings(run.id) if f.outcome == "fail"}
    store.close()
    assert urls == [f"{base}/", f"{base}/fees/"]  # robots.txt kept /private/ out
    assert "image-alt" in rules
    html = "\n".join(p.read_text() for p in out.rglob("*.html"))
    assert "<script>alert" not in html
    assert "Fees &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more" in html
    assert "&lt;img src=&#34;/seal.png&#34;" in html  # the snippet is shown as text
    assert '<img src="/seal.png"' not in html


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[[site]]\nid = \n", "not valid TOML"),
        (
            '[[agency]]\nid = "a"\nname = "A"\n[[site]]\nid = "s"\nagency = "a"\n',
            "site[0].name: missing required key",
        ),
    ],
)
def test_broken_sites_file_exits_2_with_one_line(tmp_path, content, expected):
    sites = tmp_path / "sites.toml"
    sites.write_text(content)
    result = massaudit("run", "--sites", str(sites), "--db", str(tmp_path / "x.sqlite"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0] and str(sites) in lines[0]
    assert not (tmp_path / "x.sqlite").exists()


def test_bad_flag_exits_2_with_one_line():
    result = massaudit("run", "--concurrency", "0")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "--concurrency" in result.stderr


def test_missing_browser_exits_3_with_one_line(tmp_path):
    sites = tmp_path / "sites.toml"
    sites.write_text(
        '[[agency]]\nid = "a"\nname = "A"\n[[site]]\nid = "s"\nagency = "a"\nname = "S"\n'
        'start_urls = ["http://127.0.0.1:9/"]\nallowed_hosts = ["127.0.0.1:9"]\n'
    )
    result = massaudit(
        "run",
        "--sites",
        str(sites),
        "--db",
        str(tmp_path / "x.sqlite"),
        "--quiet",
        env={"MASSAUDIT_CHROMIUM": str(tmp_path / "no-chromium")},
    )
    assert result.returncode == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "MASSAUDIT_CHROMIUM" in lines[0]


@pytest.mark.browser
def test_killed_run_keeps_its_pages_and_is_incomplete(tmp_path):
    """SIGTERM mid-run (a nightly job's time limit): pages so far stay, the run is incomplete."""
    db = tmp_path / "audit.sqlite"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "massaudit.cli",
            "demo",
            "--out",
            str(tmp_path / "demo"),
            "--quiet",
            "--concurrency",
            "1",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    db = tmp_path / "demo" / "massaudit.sqlite"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and stored_pages(db) < 3 and process.poll() is None:
        time.sleep(0.5)
    assert process.poll() is None, "the run ended before it could be stopped"
    assert stored_pages(db) >= 3
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=60)
    store = Store(str(db))
    store.mark_abandoned_runs()
    run = store.get_run(1)
    assert run.status == "incomplete"
    assert len(store.pages(1)) >= 3
    assert run.finished_at is not None or run.error


@pytest.mark.browser
def test_checks_axe_runs_only_axe_rules(tmp_path):
    site_root = tmp_path / "site"
    site_root.mkdir()
    write_site(site_root)
    with serve_directory(site_root) as base:
        sites = write_sites_file(tmp_path, base)
        db = f"sqlite:///{tmp_path / 'axe.sqlite'}"
        result = massaudit(
            "run",
            "--sites",
            str(sites),
            "--db",
            db,
            "--checks",
            "axe",
            "--quiet",
            "--out",
            str(tmp_path / "out"),
        )
    assert result.returncode == 0, result.stderr
    store = Store(db)
    findings = store.findings(1)
    assert findings and {f.category for f in findings} == {"accessibility"}
    assert all(
        not k.startswith(("reading-", "viewport-")) for p in store.pages(1) for k in p.rule_outcomes
    )
    store.close()
