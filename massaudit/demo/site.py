"""Build the bundled Mass.gov-like demo site into a directory of static files.

Content lives in TOML files under `content/` (one per agency plus `site.toml`); Jinja2 templates
under `templates/` turn it into pages. A few pages carry deliberate accessibility problems
("defects", declared per page in the content files); `ground_truth.toml` lists the axe-core rule
ids each page is expected to violate, and `DEFECT_RULES` says which rules each defect trips.
"""

from __future__ import annotations

import re
import shutil
import struct
import tomllib
import zlib
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from massaudit.demo.docs import write_demo_documents

PACKAGE_DIR = Path(__file__).parent
CONTENT_DIR = PACKAGE_DIR / "content"
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"
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
}

_MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "es": [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
}
_SAFE_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
_INLINE_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


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


def _inline(text: str) -> Markup:
    """Escape `text`, turning `[label](href)` into links."""
    out: list[str] = []
    position = 0
    for match in _INLINE_LINK.finditer(text):
        out.append(str(escape(text[position : match.start()])))
        out.append(f'<a href="{escape(match.group(2))}">{escape(match.group(1))}</a>')
        position = match.end()
    out.append(str(escape(text[position:])))
    return Markup("".join(out))


def _long_date(value: str, lang: str = "en") -> str:
    day = date.fromisoformat(value)
    months = _MONTHS.get(lang, _MONTHS["en"])
    if lang == "es":
        return f"{day.day} de {months[day.month - 1]} de {day.year}"
    return f"{months[day.month - 1]} {day.day}, {day.year}"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(["html"], default=True),
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters["inline"] = _inline
    env.filters["long_date"] = _long_date
    return env


def _breadcrumbs(page: Page, strings: dict[str, str]) -> list[dict[str, str]]:
    crumbs = [{"text": strings["home"], "href": "/"}]
    if page.type == "home":
        return crumbs
    if page.agency is not None and page.type != "org":
        crumbs.append({"text": page.agency.name, "href": page.agency.org_path})
    crumbs.append({"text": page.title, "href": page.path})
    return crumbs


def _children(content: DemoContent, agency: Agency) -> dict[str, list[dict[str, str]]]:
    """Links from an org page to its agency's pages, by type.

    Forms and translations are left out on purpose: a crawler reaches them in a second hop, from
    the how-to page and the English page that link to them.
    """
    children: dict[str, list[dict[str, str]]] = {kind: [] for kind in PAGE_TYPES}
    for page in content.pages:
        if page.agency != agency or page.type == "org" or page.type == "form":
            continue
        if page.lang != "en":
            continue
        link = {"text": page.title, "href": page.path}
        if page.type == "news":
            link |= {"date": page.data["date"], "news_type": page.data["news_type"]}
        children[page.type].append(link)
    children["news"].sort(key=lambda item: item["date"], reverse=True)
    return children


def _menus(content: DemoContent) -> list[dict[str, Any]]:
    """Main navigation: one drop-down menu per agency, then "Your government" (English only)."""
    menus = []
    for agency in content.agencies:
        links = [{"text": f"All {agency.short_name} services", "href": agency.org_path}]
        for page in content.pages:
            if (
                page.agency == agency
                and page.type in ("how-to", "info-details")
                and page.lang == "en"
            ):
                links.append({"text": page.title, "href": page.path})
        menus.append({"id": agency.key, "label": agency.nav_label, "links": links})
    government = [{"text": agency.name, "href": agency.org_path} for agency in content.agencies]
    government += content.chrome["government"]
    menus.append(
        {"id": "government", "label": content.strings["en"]["government_menu"], "links": government}
    )
    return menus


def _render_page(env: Environment, content: DemoContent, page: Page) -> str:
    strings = content.strings[page.lang]
    if page.type in PAGE_TYPES:
        type_label = strings[PAGE_TYPES[page.type][2]]
    else:
        type_label = strings[f"type_{page.type}"]
    agency = page.agency
    view = {
        "path": page.path,
        "type": page.type,
        "slug": page.slug,
        "lang": page.lang,
        "title": page.title,
        "lede": page.lede,
        "updated": page.data.get("updated", ""),
        "type_label": type_label,
        "agency": agency,
        "data": page.data,
        "org_slug": agency.slug if agency else content.site["org_slug"],
        "contact_href": (
            f"{agency.org_path}#contact" if agency else content.footer["portal_contact_href"]
        ),
        "alternates": page.data.get("alternates", []),
        "breadcrumbs": _breadcrumbs(page, strings),
        "children": _children(content, agency) if page.type == "org" and agency else {},
    }
    template = env.get_template(page.template)
    return template.render(
        page=view,
        defects=page.defects,
        strings=strings,
        site=content.site,
        footer=content.footer,
        home=content.home,
        agencies=content.agencies,
        agency_links=[{"text": a.name, "href": a.org_path} for a in content.agencies],
        menus=_menus(content),
        chrome=content.chrome,
        strings_en=content.strings["en"],
        year=content.site["updated"][:4],
    )


def build_site(dest: Path) -> list[str]:
    """Render every page to `dest/<path>/index.html`, write assets and robots.txt.

    Returns the URL paths of the pages (each ends with "/"), home page first.
    """
    dest = Path(dest)
    content = load_content()
    env = _environment()
    dest.mkdir(parents=True, exist_ok=True)
    for page in content.pages:
        target = dest / page.path.strip("/") / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_render_page(env, content, page), encoding="utf-8")
    _write_assets(env, content, dest)
    write_demo_documents(dest)  # linked PDFs and Word files under /doc/ (issue 7)
    (dest / "robots.txt").write_text(
        f"User-agent: *\nDisallow: {ROBOTS_DISALLOWED_PREFIX}\n", encoding="utf-8"
    )
    return [page.path for page in content.pages]


# --- assets -------------------------------------------------------------------------------


def _write_assets(env: Environment, content: DemoContent, dest: Path) -> None:
    css_dir = dest / "assets" / "css"
    js_dir = dest / "assets" / "js"
    images = dest / "assets" / "images"
    embeds = dest / "assets" / "embeds"
    for directory in (css_dir, js_dir, images, embeds):
        directory.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(STATIC_DIR / "mayflower-demo.css", css_dir / "mayflower-demo.css")
    shutil.copyfile(STATIC_DIR / "site.js", js_dir / "site.js")

    (images / "massgov-demo-logo.svg").write_text(_logo_svg(), encoding="utf-8")
    (images / "favicon.svg").write_text(_favicon_svg(), encoding="utf-8")
    for agency in content.agencies:
        (images / f"agency-{agency.key}.svg").write_text(_agency_icon_svg(agency), encoding="utf-8")
    for page in content.pages:
        image = page.data.get("image") if page.type == "news" else None
        if image:
            name = Path(image["src"]).name
            color = page.agency.color if page.agency else "#14558f"
            (images / name).write_text(_illustration_svg(page.slug, color), encoding="utf-8")
        if page.type == "location":
            (images / Path(page.data["map_image"]).name).write_bytes(_map_png(page.slug))
            if page.data.get("map_embed"):
                embed = env.get_template("embed_map.html").render(
                    title=f"Map: {page.title}",
                    image=page.data["map_image"],
                    alt=page.data["map_alt"],
                )
                (embeds / Path(page.data["map_embed"]).name).write_text(embed, encoding="utf-8")


def _logo_svg() -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="210" height="48" viewBox="0 0 210 48">'
        '<circle cx="24" cy="24" r="20" fill="#14558f"/>'
        '<path d="M14 30 24 12l10 18z" fill="#ffffff"/>'
        '<text x="52" y="31" font-family="Arial, sans-serif" font-size="18" font-weight="700" '
        'fill="#141414">Mass.gov Demo</text></svg>\n'
    )


def _favicon_svg() -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32" viewBox="0 0 32 32">'
        '<circle cx="16" cy="16" r="15" fill="#14558f"/>'
        '<path d="M8 22 16 8l8 14z" fill="#ffffff"/></svg>\n'
    )


def _agency_icon_svg(agency: Agency) -> str:
    white = 'fill="#ffffff"'
    shapes = {
        "transit": f'<rect x="14" y="12" width="36" height="34" rx="6" {white}/>'
        f'<circle cx="23" cy="50" r="4" {white}/><circle cx="41" cy="50" r="4" {white}/>',
        "revenue": f'<rect x="16" y="14" width="32" height="38" {white}/>'
        f'<path d="M22 24h20M22 32h20M22 40h12" stroke="{agency.color}" stroke-width="3"/>',
        "parks": f'<path d="M32 10 16 40h32z" {white}/>'
        f'<rect x="29" y="40" width="6" height="12" {white}/>',
    }
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">'
        f'<rect width="64" height="64" rx="12" fill="{agency.color}"/>'
        f"{shapes.get(agency.key, '')}</svg>\n"
    )


def _illustration_svg(seed_text: str, color: str) -> str:
    """A simple flat landscape; shapes vary with the page slug."""
    seed = zlib.crc32(seed_text.encode())
    hills = []
    for index in range(3):
        x = (seed >> (index * 5)) % 400 + index * 120
        height = 80 + (seed >> (index * 3)) % 90
        hills.append(
            f'<ellipse cx="{x}" cy="320" rx="{180 + index * 30}" ry="{height}" '
            f'fill="{color}" fill-opacity="{0.35 + index * 0.2:.2f}"/>'
        )
    sun_x = 80 + seed % 480
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="320" viewBox="0 0 640 320">'
        '<rect width="640" height="320" fill="#dcebf7"/>'
        f'<circle cx="{sun_x}" cy="80" r="36" fill="#ffd600"/>'
        + "".join(hills)
        + '<rect y="280" width="640" height="40" fill="#535353"/>'
        '<path d="M0 300h640" stroke="#ffffff" stroke-width="4" stroke-dasharray="30 20"/></svg>\n'
    )


def _map_png(seed_text: str, width: int = 480, height: int = 270) -> bytes:
    """A small street-map-like PNG: blocks, streets and a marker placed from the slug."""
    seed = zlib.crc32(seed_text.encode())
    marker_x = 60 + seed % (width - 120)
    marker_y = 40 + (seed >> 8) % (height - 80)
    street_offset = seed % 20
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter type 0
        for x in range(width):
            if (x - marker_x) ** 2 + (y - marker_y) ** 2 <= 100:
                pixel = (0xCD, 0x0D, 0x0D)
            elif (x + street_offset) % 60 < 6 or (y + street_offset) % 45 < 6:
                pixel = (0xFF, 0xFF, 0xFF)
            elif (x // 60 + y // 45 + seed) % 7 == 0:
                pixel = (0xB9, 0xD8, 0xA8)
            else:
                pixel = (0xE8, 0xE4, 0xDC)
            row.extend(pixel)
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def load_ground_truth(path: Path = GROUND_TRUTH_PATH) -> dict[str, Any]:
    """ground_truth.toml: {"pages": {path: {"violations": [...]}}, "robots_disallowed": {...}}."""
    return _read_toml(path)
