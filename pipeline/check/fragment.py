"""For a fragment, only findings on its own elements count, not the template's around it."""

from __future__ import annotations

from typing import Any

from massaudit.pipeline.check.template import FRAGMENT_ATTRIBUTE
from massaudit.rules.catalogue import Catalogue
from massaudit.rules.model import Finding

# Page-level results (selector html/head/body) kept for a fragment: those about its content.
FRAGMENT_PAGE_CATEGORIES = ("plain-language", "language-access")
_PAGE_SELECTORS = ("", "html", "head", "body")


def fragment_findings(
    findings: list[Finding], page_html: str, catalogue: Catalogue
) -> list[Finding]:
    """Keep findings on the fragment's elements; drop those on the template around it.

    Page-level results (selector html/head/body) are kept only for plain language and language
    access (they judge the text, which is the fragment's). A selector that cannot be resolved in
    the source is kept (never hide a problem we cannot place).
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page_html, "html.parser")
    kept = []
    for f in findings:
        selector = f.selector.split(" >>> ")[0].strip()
        if selector in _PAGE_SELECTORS:
            if f.category in FRAGMENT_PAGE_CATEGORIES:
                kept.append(f)
            continue
        try:
            elements = soup.select(selector)
        except Exception:
            elements = []
        if not elements or any(_in_fragment(e) for e in elements):
            kept.append(f)
    return kept


def _in_fragment(element: Any) -> bool:
    node = element
    while node is not None:
        if getattr(node, "attrs", None) is not None and FRAGMENT_ATTRIBUTE in node.attrs:
            return True
        node = node.parent
    return False
