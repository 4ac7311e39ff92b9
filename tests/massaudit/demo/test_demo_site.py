"""The bundled demo site: structure, Mayflower markup, ground truth and the static server.

No browser here: the axe-core ground truth itself is checked against real Chromium separately.
"""

from __future__ import annotations

import http.client
import itertools
import re
import tomllib
import urllib.error
import urllib.request
from collections import deque
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from bs4 import BeautifulSoup

from massaudit.demo.content import (
    DEFECT_RULES,
    EQUITY_RULES,
    GROUND_TRUTH_PATH,
    REVIEW_RULES,
    load_content,
    site_scopes,
)
from massaudit.demo.site import build_site
from massaudit.pipeline.static_server import serve_directory
from massaudit.rules.catalogue import load_catalogue

# axe rule ids the planted problems must cover between them (one of each group).
REQUIRED_RULES = [
    {"image-alt"},
    {"label"},
    {"color-contrast"},
    {"link-name"},
    {"button-name"},
    {"html-has-lang", "html-lang-valid"},
    {"document-title"},
    {"meta-viewport"},
    {"select-name"},
    {"frame-title"},
    {"aria-valid-attr-value", "aria-required-attr"},
    {"list", "listitem"},
    {"heading-order"},
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("demo-site")
    return root, build_site(root)


@pytest.fixture(scope="module")
def soups(built: tuple[Path, list[str]]) -> dict[str, BeautifulSoup]:
    root, paths = built
    return {
        path: BeautifulSoup(
            (root / path.strip("/") / "index.html").read_text(encoding="utf-8"), "html.parser"
        )
        for path in paths
    }


@pytest.fixture(scope="module")
def ground_truth() -> dict:
    with GROUND_TRUTH_PATH.open("rb") as handle:
        return tomllib.load(handle)


def _internal_links(soup: BeautifulSoup) -> set[str]:
    links = set()
    for anchor in soup.find_all("a", href=True):
        href = urldefrag(anchor["href"])[0]
        if href.startswith("/") and not href.startswith("//"):
            links.add(href)
    return links


def test_site_size(built: tuple[Path, list[str]]) -> None:
    root, paths = built
    assert len(paths) >= 33
    assert len(paths) == len(set(paths))
    assert paths[0] == "/"
    assert all(path.startswith("/") and path.endswith("/") for path in paths)
    for path in paths:
        assert (root / path.strip("/") / "index.html").is_file(), path
    assert len(load_content().agencies) >= 3


def test_page_types_and_paths_per_agency(built: tuple[Path, list[str]]) -> None:
    _, paths = built
    content = load_content()
    for agency in content.agencies:
        assert f"/orgs/{agency.slug}/" in paths
        for directory in ("how-to", "info-details", "news", "forms", "locations"):
            assert any(p.startswith(f"/{directory}/{agency.prefix}") for p in paths), (
                agency.slug,
                directory,
            )
    for page in content.pages:
        if page.agency is not None and page.type != "org":
            assert page.path.split("/")[2].startswith(page.agency.prefix), page.path


def test_scopes_partition_agency_pages(built: tuple[Path, list[str]]) -> None:
    _, paths = built
    content = load_content()
    scopes = site_scopes()
    for agency in content.agencies:
        patterns = [re.compile(pattern) for pattern in scopes[agency.slug]]
        in_scope = {p for p in paths if any(pattern.search(p) for pattern in patterns)}
        expected = {page.path for page in content.pages if page.agency == agency}
        assert in_scope == expected, agency.slug


def test_org_page_reaches_all_agency_pages_in_two_hops(
    soups: dict[str, BeautifulSoup],
) -> None:
    """A crawler that starts at the org page and stays in scope finds every page by depth 2."""
    content = load_content()
    for agency in content.agencies:
        patterns = [re.compile(pattern) for pattern in agency.scope]
        expected = {page.path for page in content.pages if page.agency == agency}
        depth = {agency.org_path: 0}
        queue = deque([agency.org_path])
        while queue:
            current = queue.popleft()
            if depth[current] == 2:
                continue
            for link in _internal_links(soups[current]):
                if link in soups and link not in depth and any(p.search(link) for p in patterns):
                    depth[link] = depth[current] + 1
                    queue.append(link)
        assert set(depth) == expected, sorted(expected - set(depth))


def test_no_broken_internal_links(built: tuple[Path, list[str]], soups: dict) -> None:
    root, paths = built
    for path, soup in soups.items():
        for link in _internal_links(soup):
            target = root / urlsplit(link).path.lstrip("/")
            ok = link in paths or target.is_file()
            assert ok, f"{path} links to missing {link}"
        for tag in soup.find_all(["img", "iframe", "script"], src=True):
            if tag["src"].startswith("/"):
                assert (root / tag["src"].lstrip("/")).is_file(), (path, tag["src"])
        for tag in soup.find_all("link", href=True):
            if tag["href"].startswith("/assets/"):
                assert (root / tag["href"].lstrip("/")).is_file(), (path, tag["href"])


def test_link_variety(soups: dict[str, BeautifulSoup]) -> None:
    hrefs = {a["href"] for soup in soups.values() for a in soup.find_all("a", href=True)}
    external = {h for h in hrefs if h.startswith(("http://", "https://"))}
    assert external and all(h.startswith("https://www.mass.gov/") for h in external)
    assert any(h.startswith("mailto:") for h in hrefs)
    assert any(h.startswith("tel:") for h in hrefs)
    assert "/private/staff-only/" in hrefs
    # Cross-agency links inside page content, not just the shared header and footer.
    content = load_content()
    scopes = {
        agency: [re.compile(pattern) for pattern in agency.scope] for agency in content.agencies
    }

    def owner(link: str):
        return next((a for a, pats in scopes.items() if any(p.search(link) for p in pats)), None)

    crossing = [
        (page.path, link)
        for page in content.pages
        if page.agency is not None
        for link in _internal_links(soups[page.path].find("main"))
        if owner(link) not in (None, page.agency)
    ]
    assert len(crossing) >= 3, crossing


def test_robots_txt(built: tuple[Path, list[str]], ground_truth: dict) -> None:
    root, paths = built
    robots = (root / "robots.txt").read_text()
    assert "User-agent: *" in robots
    assert "Disallow: /private/" in robots
    disallowed = ground_truth["robots_disallowed"]["paths"]
    assert disallowed == ["/private/staff-only/"]
    for path in disallowed:
        assert path in paths  # the page exists; only robots.txt keeps a crawler out


def test_ground_truth_covers_exactly_the_built_pages(
    built: tuple[Path, list[str]], ground_truth: dict
) -> None:
    _, paths = built
    assert set(ground_truth["pages"]) == set(paths)
    for path, entry in ground_truth["pages"].items():
        assert set(entry) - {"review"} == {"violations", "equity"}, path
        assert entry["violations"] == sorted(set(entry["violations"])), path
        assert entry["equity"] == sorted(set(entry["equity"])), path


def test_ground_truth_agrees_with_planted_defects(ground_truth: dict) -> None:
    for page in load_content().pages:
        assert set(ground_truth["pages"][page.path]["violations"]) == page.expected_violations, (
            page.path
        )


def test_equity_ground_truth_agrees_with_planted_defects(ground_truth: dict) -> None:
    catalogue = load_catalogue()
    for page in load_content().pages:
        equity = set(ground_truth["pages"][page.path]["equity"])
        assert equity == page.expected_equity, page.path
        for rule_id in equity:
            assert catalogue.rules[rule_id].source == "massaudit", rule_id
    planted = [p for p, e in ground_truth["pages"].items() if e["equity"]]
    assert len(planted) >= 10
    assert set(EQUITY_RULES) <= set(DEFECT_RULES)


def test_review_ground_truth_agrees_with_planted_defects(ground_truth: dict) -> None:
    for page in load_content().pages:
        assert set(ground_truth["pages"][page.path].get("review", [])) == page.expected_review
    assert set(REVIEW_RULES) <= set(DEFECT_RULES)


def test_planted_problems(ground_truth: dict) -> None:
    violations = {path: set(e["violations"]) for path, e in ground_truth["pages"].items()}
    planted = {path for path, rules in violations.items() if rules}
    # 8 pages with their own problems plus every Demo Parks page (the shared-header problem).
    assert 15 <= len(planted) <= 20
    assert all(len(rules) <= 2 for rules in violations.values())
    seen = set().union(*violations.values())
    for group in REQUIRED_RULES:
        assert seen & group, group
    assert seen <= {rule for rules in DEFECT_RULES.values() for rule in rules}
    # One template problem repeated on several pages of one agency.
    content = load_content()
    template_pages = [p for p in content.pages if "icon-only-search-button" in p.defects]
    assert len({p.agency for p in template_pages}) == 1
    agency = template_pages[0].agency
    assert len(template_pages) == sum(p.agency is agency for p in content.pages)  # all its pages
    # Every page without planted problems is clean.
    assert len(violations) - len(planted) >= 15


def test_click_here_only_on_its_planted_page(soups: dict[str, BeautifulSoup]) -> None:
    content = load_content()
    for page in content.pages:
        texts = {a.get_text(" ", strip=True).lower() for a in soups[page.path].find_all("a")}
        assert ("click here" in texts) == ("click-here-link" in page.defects), page.path


def test_heading_levels_match_planted_defects(soups: dict[str, BeautifulSoup]) -> None:
    for page in load_content().pages:
        levels = [int(h.name[1]) for h in soups[page.path].find_all(re.compile("^h[1-6]$"))]
        skipped = any(b > a + 1 for a, b in itertools.pairwise(levels))
        assert skipped == ("skipped-heading" in page.defects), page.path


def test_mayflower_markup_on_every_page(soups: dict[str, BeautifulSoup]) -> None:
    content = load_content()
    for page in content.pages:
        soup = soups[page.path]
        where = page.path
        html = soup.find("html")
        if "no-html-lang" in page.defects:
            assert not html.has_attr("lang"), where
        else:
            assert html.get("lang") == page.lang, where
        title = soup.find("title")
        if "no-title" in page.defects:
            assert title is None, where
        else:
            assert title is not None and title.get_text(strip=True), where
        viewport = soup.find("meta", attrs={"name": "viewport"})
        assert viewport is not None and "width=device-width" in viewport["content"], where
        assert ("user-scalable=no" in viewport["content"]) == ("zoom-disabled" in page.defects)
        org = soup.find("meta", attrs={"name": "mg_organization"})
        expected_org = page.agency.slug if page.agency else content.site["org_slug"]
        assert org is not None and org["content"] == expected_org, where

        header = soup.find("header")
        banner = soup.select_one(".ma__brand-banner")
        assert banner is not None and header is not None, where
        assert banner.find_parent("header") is header, where
        assert banner.get_text(strip=True) == (
            "An official website of the Commonwealth of Massachusetts"
        )
        skip = soup.find("a", href="#main-content")
        assert skip is not None, where
        if page.lang == "en":
            assert skip.get_text(strip=True) == "Skip to main content", where
        assert header.find("nav") is not None, where
        assert soup.select_one('nav[aria-label="Breadcrumbs"]') is not None, where

        mains = soup.find_all("main")
        assert len(mains) == 1 and mains[0].get("id") == "main-content", where
        assert len(soup.find_all("h1")) == 1, where
        assert mains[0].find("h1") is not None, where

        footer = soup.find("footer")
        assert footer is not None, where
        footer_hrefs = {a["href"] for a in footer.find_all("a", href=True)}
        assert content.footer["privacy_href"] in footer_hrefs, where
        assert content.footer["accessibility_href"] in footer_hrefs, where
        assert any(h.endswith("#contact") or h.startswith("mailto:") for h in footer_hrefs), where
        feedback = footer.select_one("form#feedback[data-mass-feedback-form]")
        assert feedback is not None, where
        _assert_fields_labelled(feedback, where)

        for tag in soup.find_all(class_=True):
            for name in tag["class"]:
                assert name.startswith("ma__"), (where, name)


def _assert_fields_labelled(form, where: str) -> None:
    fields = form.find_all(["input", "select", "textarea"])
    assert fields, where
    for field in fields:
        if field.get("type") in ("hidden", "submit", "button"):
            continue
        field_id = field.get("id")
        label = form.find("label", attrs={"for": field_id}) if field_id else None
        assert label is not None or field.find_parent("label") is not None, (where, field_id)


def test_forms_are_real_and_labelled(soups: dict[str, BeautifulSoup]) -> None:
    for page in load_content().pages:
        if page.type != "form":
            continue
        form = soups[page.path].find("main").find("form")
        assert form is not None and form.find("button", type="submit") is not None
        if {"unlabeled-input", "unlabeled-select"} & page.defects:
            with pytest.raises(AssertionError):
                _assert_fields_labelled(form, page.path)
        else:
            _assert_fields_labelled(form, page.path)


def test_translation_pair(soups: dict[str, BeautifulSoup]) -> None:
    spanish = [p for p in load_content().pages if p.lang == "es"]
    assert len(spanish) == 1
    es_path = spanish[0].path
    assert soups[es_path].find("html")["lang"] == "es"
    english = [
        path
        for path, soup in soups.items()
        if soup.find("link", rel="alternate", hreflang="es", href=es_path) is not None
    ]
    assert len(english) == 1
    back = soups[es_path].find("link", rel="alternate", hreflang="en")
    assert back is not None and back["href"] == english[0]


def test_assets(built: tuple[Path, list[str]]) -> None:
    root, _ = built
    assert (root / "assets" / "css" / "mayflower-demo.css").is_file()
    assert (root / "assets" / "js" / "site.js").is_file()
    pngs = list((root / "assets" / "images").glob("*.png"))
    svgs = list((root / "assets" / "images").glob("*.svg"))
    assert pngs and svgs
    for png in pngs:
        assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_server_serves_pages_and_404_then_stops(built: tuple[Path, list[str]]) -> None:
    root, paths = built
    with serve_directory(root) as base:
        parts = urlsplit(base)
        assert parts.hostname == "127.0.0.1" and parts.port
        page = next(p for p in paths if p.startswith("/orgs/"))
        with urllib.request.urlopen(base + page, timeout=5) as response:
            assert response.status == 200
            assert response.headers.get_content_type() == "text/html"
            assert b'id="main-content"' in response.read()

        # /x redirects to /x/, where the page lives.
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
        connection.request("GET", page.rstrip("/"))
        response = connection.getresponse()
        response.read()
        connection.close()
        assert response.status == 301
        assert response.getheader("Location", "").endswith(page)

        with urllib.request.urlopen(base + "/robots.txt", timeout=5) as response:
            assert b"Disallow: /private/" in response.read()

        for missing in ("/no-such-page/", "/assets/"):
            with pytest.raises(urllib.error.HTTPError) as info:
                urllib.request.urlopen(base + missing, timeout=5)
            assert info.value.code == 404
            assert info.value.headers.get_content_type() == "text/html"
            assert b"Page not found" in info.value.read()

    with pytest.raises(OSError):
        urllib.request.urlopen(base + "/", timeout=2)
