"""Two stored runs of a small template site, judged and saved as the nightly run saves them (the
scorecard tests and the command-line fault tests render them), and a check that a rendered
scorecard's internal links resolve."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from massaudit.rules.checks.document_rules import judge_document
from massaudit.rules.judge import judge
from massaudit.rules.model import PageArtifacts
from massaudit.store.db import RunVersions, Store

VERSIONS = RunVersions(tool="0.1.0", axe="4.14.1", catalogue="test", scoring="2")
CONFIG = {
    "agencies": [{"id": "parks", "name": "Department of Parks"}],
    "sites": [
        {"id": "parks-site", "agency": "parks", "name": "Parks", "start_urls": ["http://x/"]}
    ],
}
SEARCH_BUTTON = (
    "header > .ma__header-search > form > button:nth-child({n})",
    '<button class="ma__search-submit" type="submit" data-track="{text}"></button>',
)


def node(selector: str, html: str) -> dict:
    return {"target": [selector], "html": html, "impact": "critical", "failureSummary": "Fix it"}


def artifacts(path: str, *, search_bug: bool, image_bug: bool, n: int = 1) -> PageArtifacts:
    """A page of the template: the search button has no name on every page when `search_bug`."""
    violations, passes = [], [{"id": "document-title", "nodes": [node("title", "<title>")]}]
    selector, html = SEARCH_BUTTON
    button = node(selector.format(n=n), html.format(text=f"search {path}"))
    (violations if search_bug else passes).append(
        {"id": "button-name", "impact": "critical", "nodes": [button]}
    )
    image = node(f"main > p:nth-child({n + 2}) > img", f'<img src="{path}.png">')
    (violations if image_bug else passes).append(
        {"id": "image-alt", "impact": "critical", "nodes": [image]}
    )
    url = f"http://x{path}"
    return PageArtifacts(
        url, url, 200, f"Page {path}", {"violations": violations, "passes": passes}
    )


def store_run(
    store: Store,
    catalogue,
    pages: dict[str, PageArtifacts],
    documents: dict[str, dict] | None = None,
) -> int:
    """A complete run of `pages` and `documents` (URL -> PDF facts, linked from every page)."""
    run_id = store.begin_run(CONFIG, {}, VERSIONS)
    for arts in pages.values():
        store.save_page(
            run_id,
            site_id="parks-site",
            agency_id="parks",
            depth=0,
            artifacts=arts,
            judgement=judge(arts, catalogue),
        )
    for n, (url, facts) in enumerate((documents or {}).items()):
        findings, outcomes = judge_document(facts, catalogue, None)
        store.save_document(
            run_id,
            site_id="parks-site",
            agency_id="parks",
            url=url,
            kind="pdf",
            content_type="application/pdf",
            size=1000,
            sha256=f"{n:064d}",
            facts=facts,
            rule_outcomes=outcomes,
            findings=findings,
            linked_from=[a.url for a in pages.values()],
        )
    store.finish_run(run_id, "complete", {})
    return run_id


PATHS = [f"/news/item-{i}/" for i in range(5)]


def two_runs(tmp_path: Path, catalogue) -> tuple[Store, int, int]:
    """Run 1, then run 2 with page 0's image fixed and page 4 changed, in one SQLite store."""
    store = Store(str(tmp_path / "audit.sqlite"))
    first = {
        p: artifacts(p, search_bug=True, image_bug=(i == 0), n=i + 1) for i, p in enumerate(PATHS)
    }
    run1 = store_run(store, catalogue, first)
    # Run 2: the image on page 0 is fixed; unrelated markup moved the button (other nth-child).
    second = {
        p: artifacts(p, search_bug=True, image_bug=False, n=i + 7) for i, p in enumerate(PATHS)
    }
    second[PATHS[4]] = PageArtifacts(
        f"http://x{PATHS[4]}",
        f"http://x{PATHS[4]}",
        200,
        "Page 4",
        {
            "violations": [
                {
                    "id": "button-name",
                    "impact": "critical",
                    "nodes": [
                        node(SEARCH_BUTTON[0].format(n=3), SEARCH_BUTTON[1].format(text="x"))
                    ],
                },
                {
                    "id": "link-name",
                    "impact": "serious",
                    "nodes": [node("footer a", '<a href="/x"></a>')],
                },
            ],
            "passes": [{"id": "image-alt", "nodes": [node("img", "<img alt=x>")]}],
        },
    )
    run2 = store_run(store, catalogue, second)
    return store, run1, run2


_HREF = re.compile(r'href="([^"]+)"')


def assert_internal_links_resolve(out: Path) -> None:
    """Every relative link of the site names an existing file and, with a #fragment, an id in it."""
    ids: dict[Path, set[str]] = {}
    broken = []
    for page in out.rglob("*.html"):
        for href in _HREF.findall(page.read_text()):
            if urlsplit(href).scheme:
                continue
            path, _, fragment = href.partition("#")
            target = (page.parent / unquote(path)).resolve() if path else page
            if not target.is_file():
                broken.append(f"{page.relative_to(out)}: {href}")
                continue
            if fragment and target.suffix == ".html":
                if target not in ids:
                    ids[target] = set(re.findall(r'id="([^"]+)"', target.read_text()))
                if fragment not in ids[target]:
                    broken.append(f"{page.relative_to(out)}: {href} (no such id)")
    assert broken == []
