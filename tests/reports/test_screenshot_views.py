"""Screenshots on the scorecard: each issue page shows its element's image, each page view its
thumbnail and its failures' images, written once as files next to the pages; alt text escaped;
a page carried over from an earlier run shows the images of the audit it carries over; a problem
of the whole page with no image of its own shows the page's thumbnail framed."""

from __future__ import annotations

import re

from markupsafe import escape
from scorecard_runs import CONFIG, VERSIONS, artifacts, node, store_run

from massaudit.reports.issues import issue_fingerprint
from massaudit.reports.site import render_scorecard
from massaudit.reports.views import build_scorecard
from massaudit.rules.catalogue import load_catalogue
from massaudit.rules.fingerprint import fingerprint
from massaudit.rules.model import PageArtifacts
from massaudit.store.db import Store

HOSTILE_ALT = 'The button “<img src=x onerror=alert(1)>” outlined in magenta & "quoted"'
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8 " + bytes(14)  # the files are copied, not decoded


def shot(kind: str, finding=None, image: bytes = WEBP, alt: str = "The top of the page") -> dict:
    element = fingerprint(finding.rule_id, finding.selector, finding.html) if finding else ""
    return {
        "kind": kind,
        "rule_id": finding.rule_id if finding else "",
        "fingerprint": element,
        "selector": finding.selector if finding else "",
        "alt": alt,
        "mime": "image/webp",
        "width": 360,
        "height": 200,
        "image": image,
    }


def figures(html: str) -> list[tuple[str, str, str]]:
    """(kind, src, alt) of each screenshot figure, as written."""
    pattern = r'<figure class="shot shot-(\w+)">\s*<img src="([^"]+)" alt="([^"]*)"'
    return re.findall(pattern, html)


def test_issue_and_page_views_show_the_stored_images(tmp_path):
    catalogue = load_catalogue()
    store = Store(str(tmp_path / "audit.sqlite"))
    page = artifacts("/a/", search_bug=True, image_bug=True)
    run_id = store_run(store, catalogue, {"/a/": page})
    [row] = store.pages(run_id)
    button = next(f for f in store.findings(run_id) if f.rule_id == "button-name")
    store.save_screenshots(
        run_id,
        row.id,
        [shot("thumbnail"), shot("element", button, WEBP + b"button", HOSTILE_ALT)],
    )
    out = tmp_path / "report"
    render_scorecard(build_scorecard(store, store.get_run(run_id), catalogue), catalogue, out)

    issue = issue_fingerprint(fingerprint(button.rule_id, button.selector, button.html), "x")
    [(kind, src, alt)] = figures((out / "issue" / f"{issue}.html").read_text(encoding="utf-8"))
    assert kind == "element" and src.startswith("../shots/") and src.endswith(".webp")
    assert (out / "issue" / src).read_bytes() == WEBP + b"button"
    assert "<img src=x" not in alt and "&lt;img src=x onerror=alert(1)&gt;" in alt
    assert "&amp;" in alt and "&#34;quoted&#34;" in alt
    # The image's issue has no picture: its page shows none, and nothing breaks.
    image_alt = next(f for f in store.findings(run_id) if f.rule_id == "image-alt")
    other = issue_fingerprint(fingerprint("image-alt", image_alt.selector, image_alt.html), "x")
    assert figures((out / "issue" / f"{other}.html").read_text(encoding="utf-8")) == []

    shown = figures((out / "page" / f"{row.id}.html").read_text(encoding="utf-8"))
    assert [kind for kind, _src, _alt in shown] == ["thumbnail", "element"]
    assert sorted(p.name for p in (out / "shots").iterdir()) == sorted(
        {src.rsplit("/", 1)[1] for _kind, src, _alt in shown}
    )
    store.close()


def test_a_page_carried_over_shows_the_images_of_its_audit(tmp_path):
    catalogue = load_catalogue()
    store = Store(str(tmp_path / "audit.sqlite"))
    first = store_run(store, catalogue, {"/a/": artifacts("/a/", search_bug=True, image_bug=False)})
    [audited] = store.pages(first)
    store.save_screenshots(first, audited.id, [shot("thumbnail", image=WEBP + b"first")])
    second = store.begin_run(CONFIG, {}, VERSIONS)
    state = {"site_id": "parks-site", "url": audited.url, "state": "unchanged"}
    store.reuse_page(second, audited.id, depth=0, url_state=state)
    store.finish_run(second, "complete", {})
    [reused] = store.pages(second)
    out = tmp_path / "report"
    render_scorecard(build_scorecard(store, store.get_run(second), catalogue), catalogue, out)
    [(kind, src, _alt)] = figures((out / "page" / f"{reused.id}.html").read_text("utf-8"))
    assert kind == "thumbnail" and (out / "page" / src).read_bytes() == WEBP + b"first"
    store.close()


def test_a_problem_of_the_whole_page_without_its_image_shows_the_page_framed(tmp_path):
    """Found once the crawl had ended (a site-level check), when no tab was open to picture it."""
    catalogue = load_catalogue()
    store = Store(str(tmp_path / "audit.sqlite"))
    untitled = PageArtifacts(
        "http://x/a/",
        "http://x/a/",
        200,
        "",
        {"violations": [{"id": "document-title", "nodes": [node("html", "<html>")]}]},
    )
    run_id = store_run(store, catalogue, {"/a/": untitled})
    [row] = store.pages(run_id)
    store.save_screenshots(run_id, row.id, [shot("thumbnail")])
    out = tmp_path / "report"
    scorecard = build_scorecard(store, store.get_run(run_id), catalogue)
    render_scorecard(scorecard, catalogue, out)
    [issue] = [i for i in scorecard.issues if i.rule_id == "document-title"]
    html = (out / "issue" / f"{issue.fingerprint}.html").read_text(encoding="utf-8")
    [(kind, src, alt)] = figures(html)
    assert kind == "page" and (out / "issue" / src).is_file()
    assert alt == f"The top of the page http://x/a/, framed in magenta: {escape(issue.title)}"
    store.close()
