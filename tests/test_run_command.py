"""`massaudit run` on any site list: pages served from another folder, and broken input."""

from __future__ import annotations

import sqlite3

import pytest

from massaudit.demo.server import serve_directory
from integration_helpers import massaudit

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


@pytest.mark.browser
def test_run_audits_pages_from_another_folder_and_escapes_them(tmp_path):
    site_root = tmp_path / "site"
    site_root.mkdir()
    write_site(site_root)
    with serve_directory(site_root) as base:
        netloc = base.split("//", 1)[1]
        sites = tmp_path / "sites.toml"
        sites.write_text(
            '[[agency]]\nid = "test"\nname = "Test Agency"\n\n'
            f'[[site]]\nid = "local"\nagency = "test"\nname = "Local"\n'
            f'start_urls = ["{base}/"]\nallowed_hosts = ["{netloc}"]\ndownload_delay = 0\n'
        )
        db = tmp_path / "audit.sqlite"
        out = tmp_path / "report"
        result = massaudit(
            "run", "--sites", str(sites), "--db", f"sqlite:///{db}", "--out", str(out), "--quiet"
        )
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(db) as conn:
        urls = sorted(u for (u,) in conn.execute("SELECT url FROM pages"))
        rules = {r for (r,) in conn.execute("SELECT rule_id FROM findings WHERE outcome='fail'")}
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
