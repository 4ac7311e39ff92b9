"""Plain language: reading level, sentence length, link text and alt text."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from massaudit.rules.checks import REGISTRY, CheckResult, Item, Option
from massaudit.rules.checks.text import detect_language, prose, readability, words
from massaudit.rules.model import PageArtifacts

if TYPE_CHECKING:
    from massaudit.rules.checks.settings import CheckSettings

# Defaults, overridable per site in sites.toml's `checks` table.
OPTIONS = (
    Option("reading_grade_pass", float, 6.0, "Flesch–Kincaid grade at or below: pass", minimum=0),
    Option(
        "reading_grade_warn",
        float,
        8.0,
        "grade above the pass mark, at or below this: needs review; above: fail",
        minimum=0,
        not_below="reading_grade_pass",
    ),
    Option("max_sentence_words", float, 20.0, "average words per sentence", minimum=1),
    Option(
        "min_words",
        int,
        100,
        "pages with fewer words of main text are not judged for reading level",
        minimum=1,
    ),
)

GENERIC_LINK_TEXT = frozenset(
    {
        "click here",
        "click",
        "here",
        "read more",
        "more",
        "learn more",
        "more info",
        "more information",
        "this page",
        "this link",
        "link",
        "go",
        "details",
        "continue",
    }
)
_URL_TEXT = re.compile(r"^(https?://|www\.)\S+$", re.IGNORECASE)
_FILE_NAME = re.compile(
    r"^[\w .()-]*\.(jpe?g|png|gif|svg|webp|bmp|tiff?|avif|heic)$|^(img|image|dsc|pxl|photo)[_-]?\d+",
    re.IGNORECASE,
)
_IMAGE_OF = re.compile(r"^(an? )?(image|picture|photo|photograph|graphic) of\b", re.IGNORECASE)


MIN_BLOCK_WORDS = 3
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def main_text(artifacts: PageArtifacts) -> tuple[str, str]:
    """(prose of the main content in the page's language, that language) of a page with text.

    Prose leaves out headings, link lists and fragments under three words ("Details", "Phone:
    …"), which are not sentences. The language is the declared one, else the detected one.
    """
    text = artifacts.facts["text"]
    page_lang = primary_subtag((artifacts.facts.get("lang") or {}).get("html"))
    blocks = [
        b["text"]
        for b in text.get("blocks") or ()
        if b.get("tag") not in _HEADINGS
        and not b.get("link_only")
        and len(words(b["text"])) >= MIN_BLOCK_WORDS
        and primary_subtag(b.get("lang")) in (page_lang, None)
    ]
    joined = prose(blocks)
    if page_lang is None:
        detected, probability = detect_language(joined)
        page_lang = detected if probability >= 0.9 else None
    return joined, page_lang or ""


def primary_subtag(lang: str | None) -> str | None:
    if not lang or not lang.strip():
        return None
    return lang.strip().split("-")[0].split("_")[0].lower()


def _english_readability(artifacts: PageArtifacts, settings: CheckSettings):
    text, lang = main_text(artifacts)
    if lang != "en":
        # Flesch–Kincaid is an English formula; other languages are not scored with it.
        return None, CheckResult.inapplicable(
            f"page language {lang or 'unknown'!r}: no grade formula"
        )
    stats = readability(text)
    if stats.words < settings.min_words:
        return None, CheckResult.inapplicable(f"{stats.words} words of main text")
    return stats, None


@REGISTRY.page_check("reading-grade", reads=("text",))
def reading_grade(artifacts: PageArtifacts, settings: CheckSettings) -> CheckResult:
    stats, skipped = _english_readability(artifacts, settings)
    if skipped:
        return skipped
    note = (
        f"Flesch–Kincaid grade {stats.grade:g} over {stats.words} words of main text "
        f"(target {settings.reading_grade_pass:g}, limit {settings.reading_grade_warn:g})"
    )
    if stats.grade <= settings.reading_grade_pass:
        return CheckResult.passed(note)
    outcome = "fail" if stats.grade > settings.reading_grade_warn else "needs-review"
    return CheckResult.of([Item(outcome, note, "main")], note)


@REGISTRY.page_check("sentence-length", reads=("text",))
def sentence_length(artifacts: PageArtifacts, settings: CheckSettings) -> CheckResult:
    stats, skipped = _english_readability(artifacts, settings)
    if skipped:
        return skipped
    note = (
        f"{stats.average_sentence_words:g} words per sentence on average over {stats.sentences} "
        f"sentences (limit {settings.max_sentence_words:g}); "
        f"{stats.long_sentence_share:.0%} of sentences are longer than 25 words"
    )
    if stats.average_sentence_words <= settings.max_sentence_words:
        return CheckResult.passed(note)
    return CheckResult.of([Item("fail", note, "main")], note)


@REGISTRY.page_check("generic-link-text", reads=("links",))
def generic_link_text(artifacts: PageArtifacts, settings: CheckSettings) -> CheckResult:
    links = artifacts.facts["links"]
    items = []
    for link in links:
        text = (link.get("text") or "").strip()
        normal = re.sub(r"[^\w ]", "", text.lower()).strip()
        if normal in GENERIC_LINK_TEXT:
            items.append(
                Item("fail", f"link text {text!r} does not say where it goes", **_at(link))
            )
        elif _URL_TEXT.match(text):
            items.append(Item("fail", f"the link text is a web address: {text!r}", **_at(link)))
    if not links:
        return CheckResult.inapplicable("no links")
    return CheckResult.of(items)


@REGISTRY.page_check("adjacent-duplicate-links", reads=("links",))
def adjacent_duplicate_links(artifacts: PageArtifacts, settings: CheckSettings) -> CheckResult:
    links = artifacts.facts["links"]
    if len(links) < 2:
        return CheckResult.inapplicable("fewer than two links")
    items = [
        Item(
            "fail",
            f"this link and the one just before it both go to {link.get('href')}",
            **_at(link),
        )
        for link in links
        if link.get("adjacent_same_href")
    ]
    return CheckResult.of(items)


@REGISTRY.page_check("alt-text-quality", reads=("images",))
def alt_text_quality(artifacts: PageArtifacts, settings: CheckSettings) -> CheckResult:
    images = artifacts.facts["images"]
    with_alt = [i for i in images if (i.get("alt") or "").strip()]
    if not with_alt:
        return CheckResult.inapplicable("no image has alt text")
    items = []
    for image in with_alt:
        alt = image["alt"].strip()
        if _FILE_NAME.search(alt):
            problem = "is a file name"
        elif _URL_TEXT.match(alt):
            problem = "is a web address"
        elif _IMAGE_OF.match(alt):
            problem = 'starts with "image of"; screen readers already say it is an image'
        else:
            continue
        items.append(Item("fail", f"alt text {alt!r} {problem}", **_at(image)))
    return CheckResult.of(items)


def _at(element: dict) -> dict[str, str]:
    return {"selector": element.get("selector") or "", "html": element.get("html") or ""}
