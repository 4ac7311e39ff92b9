"""Build the bundled Mass.gov-like demo site into a directory of static files.

The content (massaudit.demo.content) goes through the Jinja2 templates under `templates/`, one
page each; massaudit.demo.assets writes the stylesheet and images, massaudit.demo.sample_documents
the linked documents.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from massaudit.demo.assets import write_assets
from massaudit.demo.content import (
    PACKAGE_DIR,
    PAGE_TYPES,
    ROBOTS_DISALLOWED_PREFIX,
    Agency,
    DemoContent,
    Page,
    load_content,
)
from massaudit.demo.sample_documents import write_demo_documents

TEMPLATES_DIR = PACKAGE_DIR / "templates"

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
_INLINE_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


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
    write_assets(env, content, dest)
    write_demo_documents(dest)  # linked PDFs and Word files under /doc/
    (dest / "robots.txt").write_text(
        f"User-agent: *\nDisallow: {ROBOTS_DISALLOWED_PREFIX}\n", encoding="utf-8"
    )
    return [page.path for page in content.pages]
