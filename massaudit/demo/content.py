"""The demo site's content: agencies and pages read from the TOML files under `content/` (one
per agency plus `site.toml`), checked, with the deliberate accessibility problems ("defects",
declared per page) each page carries. `ground_truth.toml` lists the axe-core rule ids each page
is expected to violate, and `DEFECT_RULES` says which rules each defect trips.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).parent
CONTENT_DIR = PACKAGE_DIR / "content"
GROUND_TRUTH_PATH = PACKAGE_DIR / "ground_truth.toml"

AGENCY_FILES = ("transportation.toml", "revenue.toml", "parks.toml")
ROBOTS_DISALLOWED_PREFIX = "/private/"

# Page type -> (URL directory, template, strings key of the type label).
PAGE_TYPES: dict[str, tuple[str, str, str]] = {
    "how-to": ("how-to", "how_to.html", "type_how_to"),
    "info-details": ("info-details", "info_details.html", "type_info_details"),
    "news": ("news", "news.html", "type_news"),
    "form": ("forms", "form.html", "type_form"),
    "location": ("locations", "location.html", "type_location"),
}

# Each planted defect and the axe-core rule ids (tags in audits.axe.AXE_TAGS) it trips.
# "click-here-link" is a plain-language problem axe does not report.
DEFECT_RULES: dict[str, tuple[str, ...]] = {
    "image-no-alt": ("image-alt",),
    "unlabeled-input": ("label",),
    "unlabeled-select": ("select-name",),
    "low-contrast-text": ("color-contrast",),
    "icon-link-no-name": ("link-name",),
    "icon-only-search-button": ("button-name",),
    "no-html-lang": ("html-has-lang",),
    "no-title": ("document-title",),
    "zoom-disabled": ("meta-viewport",),
    "untitled-iframe": ("frame-title",),
    "bad-aria-value": ("aria-valid-attr-value",),
    "div-in-list": ("list",),
    "skipped-heading": ("heading-order",),
    "click-here-link": (),
    # Problems only massaudit's own checks find (EQUITY_RULES); axe-core reports none of them.
    "dense-text": (),
    "long-sentences": (),
    "filename-alt": (),
    "fixed-width-image": (),
    "machine-translation-widget": (),
    "unmarked-spanish-passage": (),
    "no-meta-description": (),
    "adjacent-duplicate-links": (),
    # Keyboard problems (templates/keyboard.html, static/site.js): the browser's keyboard walk
    # finds them (EQUITY_RULES); axe-core judges the page as loaded and reports none.
    "focus-outline-removed": (),
    "clickable-div": (),
    "focus-trap": (),
    "skip-link-scroll-only": (),
    "focus-loads-page": (),
    "select-navigates": (),
    "hover-only-tooltip": (),
    "focus-order-jump": (),
}

# Each planted defect and the massaudit rule ids (rules/checks/) that fail because of it.
EQUITY_RULES: dict[str, tuple[str, ...]] = {
    "click-here-link": ("generic-link-text",),
    "zoom-disabled": ("viewport-zoom",),
    "no-html-lang": ("page-language-matches",),
    "no-title": ("page-title-unique",),
    "dense-text": ("reading-grade",),
    "long-sentences": ("sentence-length",),
    "filename-alt": ("alt-text-quality",),
    "fixed-width-image": ("reflow-320",),
    "machine-translation-widget": ("machine-translation-only",),
    "unmarked-spanish-passage": ("passage-lang",),
    "no-meta-description": ("meta-description",),
    "adjacent-duplicate-links": ("adjacent-duplicate-links",),
    "focus-outline-removed": ("focus-visible",),
    "clickable-div": ("keyboard-reachable",),
    "focus-trap": ("keyboard-trap",),
    "skip-link-scroll-only": ("skip-link-works",),
    "focus-loads-page": ("change-on-focus",),
    "select-navigates": ("change-on-input",),
    "hover-only-tooltip": ("hover-only-content",),
}

# Planted keyboard problems a person has to judge: the keyboard rule ids that need review.
REVIEW_RULES: dict[str, tuple[str, ...]] = {"focus-order-jump": ("focus-order",)}

_SAFE_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")


@dataclass(frozen=True)
class Agency:
    key: str
    slug: str
    name: str
    short_name: str
    acronym: str
    prefix: str
    nav_label: str
    color: str
    contact: dict[str, Any] = field(compare=False)
    org: dict[str, Any] = field(compare=False)
    legacy_header_page_types: tuple[str, ...] = ()

    @property
    def org_path(self) -> str:
        return f"/orgs/{self.slug}/"

    @property
    def scope(self) -> list[str]:
        """Include regexes (on the URL path) covering exactly this agency's pages."""
        types = "|".join(directory for directory, _, _ in PAGE_TYPES.values())
        # Slugs and prefixes are checked to be [a-z0-9-] only, so they need no escaping.
        return [f"^/orgs/{self.slug}/", f"^/({types})/{self.prefix}"]


@dataclass(frozen=True)
class Page:
    path: str
    type: str
    template: str
    title: str
    lede: str
    lang: str = "en"
    agency: Agency | None = None
    slug: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    defects: frozenset[str] = frozenset()

    @property
    def expected_violations(self) -> frozenset[str]:
        """axe rule ids this page should violate, derived from its planted defects."""
        return frozenset(rule for defect in self.defects for rule in DEFECT_RULES[defect])

    @property
    def expected_review(self) -> frozenset[str]:
        """Keyboard rule ids that should need review on this page, from its planted defects."""
        return frozenset(rule for d in self.defects for rule in REVIEW_RULES.get(d, ()))

    @property
    def expected_equity(self) -> frozenset[str]:
        """massaudit rule ids that should fail on this page, from its planted defects."""
        return frozenset(rule for d in self.defects for rule in EQUITY_RULES.get(d, ()))


@dataclass(frozen=True)
class DemoContent:
    site: dict[str, Any]
    strings: dict[str, dict[str, str]]
    footer: dict[str, Any]
    chrome: dict[str, Any]
    home: dict[str, Any]
    private: dict[str, Any]
    agencies: tuple[Agency, ...]
    pages: tuple[Page, ...]

    def page(self, path: str) -> Page:
        for page in self.pages:
            if page.path == path:
                return page
        raise KeyError(path)


def _read_toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


@cache
def load_content() -> DemoContent:
    """Read and check the content files; pages are returned in a stable order."""
    site_data = _read_toml(CONTENT_DIR / "site.toml")
    agencies: list[Agency] = []
    pages: list[Page] = []
    for filename in AGENCY_FILES:
        data = _read_toml(CONTENT_DIR / filename)
        raw = data["agency"]
        agency = Agency(
            key=raw["key"],
            slug=raw["slug"],
            name=raw["name"],
            short_name=raw["short_name"],
            acronym=raw["acronym"],
            prefix=raw["prefix"],
            nav_label=raw["nav_label"],
            color=raw["color"],
            contact=raw["contact"],
            org=data["org"],
            legacy_header_page_types=tuple(raw.get("legacy_header_page_types", ())),
        )
        agencies.append(agency)
        pages.append(
            Page(
                path=agency.org_path,
                type="org",
                template="org.html",
                title=agency.name,
                lede=data["org"]["lede"],
                agency=agency,
                slug=agency.slug,
                data=data["org"],
                defects=frozenset(
                    {"icon-only-search-button"} if "org" in agency.legacy_header_page_types else ()
                ),
            )
        )
        for raw_page in data["pages"]:
            pages.append(_make_page(agency, raw_page))

    private = site_data["private"]
    pages.insert(
        0,
        Page(
            path="/",
            type="home",
            template="home.html",
            title=site_data["home"]["title"],
            lede=site_data["home"]["lede"],
            slug="home",
            data=site_data["home"],
        ),
    )
    pages.append(
        Page(
            path=private["path"],
            type="staff",
            template="info_details.html",
            title=private["title"],
            lede=private["lede"],
            slug="staff-only",
            data=private,
        )
    )
    content = DemoContent(
        site=site_data["site"],
        strings=site_data["strings"],
        footer=site_data["footer"],
        chrome=site_data["chrome"],
        home=site_data["home"],
        private=private,
        agencies=tuple(agencies),
        pages=tuple(pages),
    )
    _check(content)
    return content


def _make_page(agency: Agency, raw: dict[str, Any]) -> Page:
    page_type = raw["type"]
    directory, template, _ = PAGE_TYPES[page_type]
    slug = raw["slug"]
    if not slug.startswith(agency.prefix):
        raise ValueError(f"{page_type} page {slug!r} must start with {agency.prefix!r}")
    defects = set(raw.get("defects", ()))
    if page_type in agency.legacy_header_page_types:
        defects.add("icon-only-search-button")
    data = dict(raw)
    if "div-in-list" in defects:
        # The planted stray <div> goes into the first bulleted list on the page.
        sections = [dict(section) for section in data.get("sections", ())]
        first = next(section for section in sections if section.get("bullets"))
        first["planted_list_note"] = True
        data["sections"] = sections
    return Page(
        path=f"/{directory}/{slug}/",
        type=page_type,
        template=template,
        title=raw["title"],
        lede=raw.get("lede", ""),
        lang=raw.get("lang", "en"),
        agency=agency,
        slug=slug,
        data=data,
        defects=frozenset(defects),
    )


def _check(content: DemoContent) -> None:
    paths = [page.path for page in content.pages]
    duplicates = {path for path in paths if paths.count(path) > 1}
    if duplicates:
        raise ValueError(f"duplicate page paths: {sorted(duplicates)}")
    for agency in content.agencies:
        for value in (agency.slug, agency.prefix):
            if not _SAFE_SLUG.fullmatch(value):
                raise ValueError(f"{agency.key}: {value!r} must be lowercase letters, digits, -")
    for page in content.pages:
        if page.agency is not None and not _SAFE_SLUG.fullmatch(page.slug):
            raise ValueError(f"{page.path}: slug must be lowercase letters, digits and -")
        unknown = page.defects - DEFECT_RULES.keys()
        if unknown:
            raise ValueError(f"{page.path}: unknown defects {sorted(unknown)}")
        if page.lang not in content.strings:
            raise ValueError(f"{page.path}: no interface strings for lang {page.lang!r}")


def site_scopes() -> dict[str, list[str]]:
    """Include regexes for each agency's part of the site, keyed by agency slug."""
    return {agency.slug: agency.scope for agency in load_content().agencies}


def load_ground_truth(path: Path = GROUND_TRUTH_PATH) -> dict[str, Any]:
    """ground_truth.toml: {"pages": {path: {"violations": [...]}}, "robots_disallowed": {...}}."""
    return _read_toml(path)
