"""A run's screenshots: which failures of a page are captured (pure: the budget), and a real run
over a small site on 127.0.0.1 whose scorecard shows each issue's outlined element."""

from __future__ import annotations

import io
import re

import pytest
from integration_helpers import massaudit
from PIL import Image
from shots_site import serve_shots_site, sites_toml

from massaudit.audits.screenshots import IMAGE_MAX, Shot
from massaudit.pipeline.screenshots import ShotBudget
from massaudit.rules.catalogue import load_catalogue
from massaudit.rules.model import Finding
from massaudit.store.db import Store


def failure(rule_id: str, selector: str, impact: str | None = "serious", outcome="fail"):
    html = f'<{selector} class="x"></{selector}>'
    return Finding(rule_id, "aria", outcome, impact, selector, html, ())


def shot(fingerprint: str, size: int, kind: str = "element") -> Shot:
    return Shot(kind, "image/webp", 10, 10, b"x" * size, "alt", "rule", fingerprint, "sel")


def test_the_most_severe_failures_are_chosen_each_element_once_a_site():
    catalogue = load_catalogue()
    budget = ShotBudget(per_page=2, run_bytes=1000)
    findings = [
        failure("image-alt", "img", "minor"),
        failure("button-name", "button", "critical"),
        failure("button-name", "button", "critical"),  # the same element again
        failure("link-name", "a", None),
        failure("label", "input", "serious", outcome="needs-review"),
        failure("color-contrast", "p", "serious"),
    ]
    targets = budget.targets("site", findings, catalogue)
    assert [(t.rule_id, t.selector) for t in targets] == [
        ("button-name", "button"),
        ("color-contrast", "p"),
    ]
    assert targets[0].rule_title == catalogue.get("button-name").title
    # Captured on this page: the next page of the site goes on to the others...
    budget.keep("site", [shot(t.fingerprint, 10) for t in targets])
    assert [t.rule_id for t in budget.targets("site", findings, catalogue)] == [
        "image-alt",
        "link-name",
    ]
    # ...while another site captures its own.
    assert len(budget.targets("other", findings, catalogue)) == 2


def test_the_run_budget_is_never_exceeded_and_thumbnails_stop_at_half():
    budget = ShotBudget(per_page=10, run_bytes=100)
    assert budget.thumbnails()
    kept = budget.keep("site", [shot("", 30, "thumbnail"), shot("a", 30), shot("a", 10)])
    assert [s.fingerprint for s in kept] == ["", "a"]  # "a" once, pages in flight notwithstanding
    assert (budget.used, budget.left()) == (60, 40)
    assert not budget.thumbnails()
    assert budget.keep("site", [shot("b", 41), shot("c", 40)]) == [shot("c", 40)]
    assert budget.left() == 0


def _run(tmp_path, *flags: str):
    sites = tmp_path / "sites.toml"
    db = tmp_path / "audit.sqlite"
    out = tmp_path / "report"
    with serve_shots_site() as base:
        sites.write_text(sites_toml(base), encoding="utf-8")
        result = massaudit(
            "run", "--sites", str(sites), "--db", str(db), "--out", str(out), "--quiet", *flags
        )
    assert result.returncode == 0, result.stderr
    return Store(str(db)), out


@pytest.mark.browser
def test_every_issue_page_shows_its_element_outlined(tmp_path):
    store, out = _run(tmp_path)
    [run] = store.runs()
    pages = store.pages(run.id)
    rows = store.screenshots(p.id for p in pages)
    store.close()
    assert {r.kind for r in rows} == {"element", "thumbnail"}
    assert len([r for r in rows if r.kind == "thumbnail"]) == len(pages)
    for page in pages:  # at most 10 elements a page
        assert len([r for r in rows if r.page_id == page.id and r.kind == "element"]) <= 10
    issue_pages = sorted((out / "issue").glob("*.html"))
    assert issue_pages
    figure = re.compile(
        r'<figure class="shot shot-element">\s*<img src="\.\./([^"]+)" alt="([^"]+)"'
    )
    for issue_page in issue_pages:
        found = figure.search(issue_page.read_text(encoding="utf-8"))
        assert found, f"{issue_page.name} shows no screenshot"
        image = Image.open(io.BytesIO((out / found.group(1)).read_bytes()))
        assert image.format == "WEBP"
        assert image.size[0] <= IMAGE_MAX[0] and image.size[1] <= IMAGE_MAX[1]
        assert "outlined in magenta" in found.group(2)
    button = next(p for p in issue_pages if "Buttons must have discernible text" in p.read_text())
    assert "The button (no text or name) outlined in magenta on the page" in button.read_text()
    home = (out / "page" / f"{pages[0].id}.html").read_text(encoding="utf-8")
    assert '<figure class="shot shot-thumbnail">' in home


@pytest.mark.browser
def test_a_run_keeps_to_its_screenshot_budget(tmp_path):
    budget_mb = 0.02
    store, _out = _run(tmp_path, "--screenshots", "2", "--screenshot-budget", str(budget_mb))
    [run] = store.runs()
    pages = store.pages(run.id)
    rows = store.screenshots(p.id for p in pages)
    assert run.options["audit"]["screenshots_per_page"] == 2
    store.close()
    assert rows
    assert sum(r.size for r in rows) <= budget_mb * 1024 * 1024
    for page in pages:
        assert len([r for r in rows if r.page_id == page.id and r.kind == "element"]) <= 2
