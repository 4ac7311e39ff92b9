"""The nightly audit end to end on the demo site, with the real Chromium and axe-core."""

from __future__ import annotations

import json
import sqlite3
import tomllib
from pathlib import Path

import pytest
from integration_helpers import REPO, axe_violations, massaudit

from massaudit.demo.server import serve_directory

pytestmark = pytest.mark.browser

GROUND_TRUTH = tomllib.loads((REPO / "massaudit/demo/ground_truth.toml").read_text())


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    result = massaudit("demo", "--out", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    return out, result


def query(db: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def violations_by_path(db: Path) -> dict[str, set[str]]:
    rows = query(db, "SELECT url, final_url FROM pages")
    found: dict[str, set[str]] = {}
    for url, _ in rows:
        found["/" + url.split("/", 3)[3]] = set()
    for url, rule_id in query(
        db,
        "SELECT p.url, f.rule_id FROM findings f JOIN pages p ON p.id = f.page_id "
        "WHERE f.outcome = 'fail'",
    ):
        found["/" + url.split("/", 3)[3]].add(rule_id)
    return found


def test_demo_writes_scorecard_and_database(demo):
    out, result = demo
    assert (out / "index.html").is_file()
    assert (out / "massaudit.sqlite").is_file()
    assert "Scorecard:" in result.stdout and "massaudit.sqlite" in result.stdout
    [(status, axe_version, catalogue, scoring)] = query(
        out / "massaudit.sqlite",
        "SELECT status, axe_version, catalogue_version, scoring_version FROM runs",
    )
    assert (status, axe_version, scoring) == ("complete", "4.14.1", "1")
    assert catalogue.startswith("1+axe4.14.1+")


def test_every_planted_problem_found_and_clean_pages_clean(demo):
    """Exactly the ground truth: every page audited, each with exactly its planted rule ids."""
    out, _ = demo
    disallowed = set(GROUND_TRUTH["robots_disallowed"]["paths"])
    expected = {
        path: set(page["violations"])
        for path, page in GROUND_TRUTH["pages"].items()
        if path not in disallowed
    }
    assert violations_by_path(out / "massaudit.sqlite") == expected


def test_robots_disallowed_pages_are_not_audited(demo):
    out, _ = demo
    audited = violations_by_path(out / "massaudit.sqlite")
    for path in GROUND_TRUTH["robots_disallowed"]["paths"]:
        assert path not in audited


def test_findings_carry_selector_snippet_and_wcag(demo):
    out, _ = demo
    rows = query(
        out / "massaudit.sqlite",
        "SELECT rule_id, selector, html, wcag, impact FROM findings "
        "WHERE outcome = 'fail' AND rule_id = 'image-alt'",
    )
    assert rows
    for _rule, selector, html, wcag, impact in rows:
        assert selector and html.startswith("<img") and wcag == "1.1.1" and impact == "critical"


def test_export_prints_documented_json(demo):
    out, _ = demo
    result = massaudit(
        "export", "--db", f"sqlite:///{out / 'massaudit.sqlite'}", "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["schema"] == "massaudit-export/1"
    assert data["run"]["axe_version"] == "4.14.1"
    assert len(data["pages"]) == len(violations_by_path(out / "massaudit.sqlite"))
    assert len(data["agencies"]) >= 3
    finding = next(f for p in data["pages"] for f in p["findings"])
    assert set(finding) == {
        "rule_id",
        "category",
        "outcome",
        "impact",
        "selector",
        "html",
        "wcag",
        "message",
        "help_url",
    }


def test_rejudge_gives_same_findings_without_a_browser(demo, tmp_path):
    out, _ = demo
    db = out / "massaudit.sqlite"
    sql = (
        "SELECT p.url, f.rule_id, f.outcome, f.selector, f.impact, f.wcag FROM findings f "
        "JOIN pages p ON p.id = f.page_id ORDER BY 1, 2, 3, 4"
    )
    before = query(db, sql)
    scores_before = query(db, "SELECT url, scores FROM pages ORDER BY url")
    # A browser that cannot start: rejudging must not need one.
    result = massaudit(
        "rejudge",
        "--db",
        str(db),
        "--out",
        str(tmp_path / "report"),
        env={"MASSAUDIT_CHROMIUM": "/nonexistent/chromium", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert "judged again" in result.stdout
    assert query(db, sql) == before
    assert query(db, "SELECT url, scores FROM pages ORDER BY url") == scores_before
    assert (tmp_path / "report" / "index.html").is_file()


def test_scorecard_pages_have_no_axe_violations(demo):
    out, _ = demo
    pages = sorted(out.rglob("*.html"))
    sample = [p for p in pages if p.parent == out]
    for sub in ("agency", "site", "page"):
        sample += sorted((out / sub).glob("*.html"))[:4]
    with serve_directory(out) as base:
        urls = [f"{base}/{p.relative_to(out).as_posix()}" for p in sample]
        results = axe_violations(urls)
    assert results == {url: [] for url in urls}
