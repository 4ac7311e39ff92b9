"""Checks of linked documents (PDF, Word) and their ADA Title II triage. Pure.

Each check takes a document's facts (audits/document_facts.py lists them) and the site's
CheckSettings, and returns a CheckResult whose items point at "document" or "page N". A check
that does not apply to the document's kind, or whose facts were not collected, is "inapplicable".
A document that could not be read (facts["error"]) is not judged at all.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from massaudit.rules.catalogue import Catalogue
from massaudit.rules.checks import REGISTRY, CheckResult, Item
from massaudit.rules.checks.settings import CheckSettings
from massaudit.rules.data_files import CatalogueError, load_toml
from massaudit.rules.model import Finding

Facts = Mapping[str, Any]
BOOKMARK_MIN_PAGES = 10  # "> 9 pages"
HEADINGS_MIN_PARAGRAPHS = 5
SHORT_NOTICE_PAGES = 2
SERVICE_PATHS = ("/forms/", "/how-to/")
_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")

MUST_FIX = "must fix"
EXEMPTION_CANDIDATE = "exemption candidate"
UNKNOWN = "unknown"


def _doc(message: str, selector: str = "document") -> Item:
    return Item("fail", message, selector=selector)


def _is_pdf(facts: Facts) -> bool:
    return facts.get("kind") == "pdf"


@REGISTRY.document_check("pdf-tagged", reads=("marked",))
def pdf_tagged(facts: Facts, settings: CheckSettings) -> CheckResult:
    if not _is_pdf(facts):
        return CheckResult.inapplicable("not a PDF")
    missing = []
    if not facts["marked"]:
        missing.append("it is not marked as tagged (/MarkInfo /Marked)")
    if not facts.get("struct_tree"):
        missing.append("it has no structure tree (/StructTreeRoot)")
    if missing:
        return CheckResult.of([_doc("The PDF is not tagged: " + " and ".join(missing) + ".")])
    return CheckResult.passed("tagged")


@REGISTRY.document_check("doc-title")
def doc_title(facts: Facts, settings: CheckSettings) -> CheckResult:
    # A null title is a finding (the document has none), so absence is told apart here.
    if "title" not in facts:
        return CheckResult.inapplicable("title not collected")
    if not facts["title"]:
        return CheckResult.of([_doc("The document has no title in its properties.")])
    if _is_pdf(facts) and not facts.get("display_doc_title"):
        return CheckResult.of(
            [
                _doc(
                    f"The title {facts['title']!r} is set but viewers show the file name "
                    "instead (/ViewerPreferences /DisplayDocTitle is not true)."
                )
            ]
        )
    return CheckResult.passed(f"title {facts['title']!r}")


@REGISTRY.document_check("doc-language")
def doc_language(facts: Facts, settings: CheckSettings) -> CheckResult:
    # A null language is a finding (none declared), so absence is told apart here.
    if "lang" not in facts:
        return CheckResult.inapplicable("language not collected")
    lang = facts["lang"]
    if not lang:
        return CheckResult.of([_doc("The document does not declare its language.")])
    if not _LANG.match(lang):
        return CheckResult.of([_doc(f"The document language {lang!r} is not a language tag.")])
    return CheckResult.passed(f"lang {lang}")


@REGISTRY.document_check("pdf-text-extractable", reads=("image_only_pages",))
def pdf_text_extractable(facts: Facts, settings: CheckSettings) -> CheckResult:
    if not _is_pdf(facts):
        return CheckResult.inapplicable("not a PDF")
    pages = facts["image_only_pages"]
    note = f"{facts.get('text_pages', 0)} pages with text"
    if facts.get("scan_limit"):  # a partial scan: say how far it went
        note += f"; {facts.get('pages_scanned', 0)} pages scanned ({facts['scan_limit']})"
    return CheckResult.of(
        [_doc(f"Page {n} is an image with no real text (scanned?).", f"page {n}") for n in pages],
        note=note,
    )


@REGISTRY.document_check("pdf-bookmarks", reads=("outlines",))
def pdf_bookmarks(facts: Facts, settings: CheckSettings) -> CheckResult:
    if not _is_pdf(facts):
        return CheckResult.inapplicable("not a PDF")
    pages = facts.get("pages") or 0
    if pages < BOOKMARK_MIN_PAGES:
        return CheckResult.inapplicable(f"{pages} pages")
    if facts["outlines"] == 0:
        return CheckResult.of([_doc(f"The PDF has {pages} pages and no bookmarks.")])
    return CheckResult.passed(f"{facts['outlines']} bookmarks")


@REGISTRY.document_check("pdf-accessibility-permission", reads=("encrypted",))
def pdf_accessibility_permission(facts: Facts, settings: CheckSettings) -> CheckResult:
    if not _is_pdf(facts):
        return CheckResult.inapplicable("not a PDF")
    if not facts["encrypted"]:
        return CheckResult.passed("not encrypted")
    if facts.get("password_required"):
        return CheckResult.of([_doc("The PDF needs a password to open, so nobody can read it.")])
    if not facts.get("accessibility_extraction"):
        return CheckResult.of(
            [
                _doc(
                    "The PDF's security settings block assistive technology from reading its "
                    "text (no accessibility extraction permission)."
                )
            ]
        )
    return CheckResult.passed("encrypted, accessibility extraction allowed")


@REGISTRY.document_check("pdf-form-field-names", reads=("form_fields",))
def pdf_form_field_names(facts: Facts, settings: CheckSettings) -> CheckResult:
    fields = facts.get("form_fields")
    if not _is_pdf(facts) or not fields:
        return CheckResult.inapplicable("no form fields")
    items = [
        _doc(
            f"Form field {field.get('name') or '(unnamed)'!r} has no tooltip (/TU), so screen "
            "readers cannot say what to enter.",
            f"field {field.get('name') or index}",
        )
        for index, field in enumerate(fields, start=1)
        if not field.get("tooltip")
    ]
    return CheckResult.of(items, note=f"{len(fields)} fields")


@REGISTRY.document_check("pdf-figure-alt", reads=("figures",))
def pdf_figure_alt(facts: Facts, settings: CheckSettings) -> CheckResult:
    figures = facts.get("figures")
    if not _is_pdf(facts) or not figures:
        return CheckResult.inapplicable("no tagged figures")
    items = [
        _doc(f"Figure {index} has no alternate text.", f"figure {index}")
        for index, figure in enumerate(figures, start=1)
        if not figure.get("alt")
    ]
    return CheckResult.of(items, note=f"{len(figures)} figures")


@REGISTRY.document_check("docx-headings", reads=("headings",))
def docx_headings(facts: Facts, settings: CheckSettings) -> CheckResult:
    if facts.get("kind") != "word":
        return CheckResult.inapplicable("not a Word document")
    if facts.get("paragraphs", 0) < HEADINGS_MIN_PARAGRAPHS:
        return CheckResult.inapplicable("short document")
    if facts["headings"] == 0:
        return CheckResult.of(
            [_doc(f"None of the {facts['paragraphs']} paragraphs uses a heading style.")]
        )
    return CheckResult.passed(f"{facts['headings']} headings")


@REGISTRY.document_check("docx-image-alt", reads=("images",))
def docx_image_alt(facts: Facts, settings: CheckSettings) -> CheckResult:
    images = facts.get("images")
    if facts.get("kind") != "word" or not images:
        return CheckResult.inapplicable("no images")
    items = [
        _doc(f"Image {image.get('name') or index!r} has no alt text.", f"image {index}")
        for index, image in enumerate(images, start=1)
        if not image.get("descr")
    ]
    return CheckResult.of(items, note=f"{len(images)} images")


# Judging


def judge_document(
    facts: Facts, catalogue: Catalogue, settings: CheckSettings | None = None
) -> tuple[list[Finding], dict[str, str]]:
    """Findings (same shape as a page's) and {rule id: outcome} of every document check."""
    from massaudit.rules.checks import registry
    from massaudit.rules.checks.judge import _collect, _rule

    settings = settings or CheckSettings()
    if facts.get("error"):
        return [], {}
    findings: list[Finding] = []
    outcomes: dict[str, str] = {}
    for rule_id, check in sorted(registry().document.items()):
        if rule_id in settings.disabled:
            continue
        _collect(_rule(catalogue, rule_id), check(facts, settings), findings, outcomes)
    findings.sort(key=lambda f: (f.rule_id, f.selector, f.message))
    return findings, dict(sorted(outcomes.items()))


# ADA Title II triage

TITLE_II_FILE = "title-ii.toml"


def load_compliance_date(data_dir: Path | None = None) -> str:
    """The ADA Title II compliance date (ISO) from rules/data/title-ii.toml, checked on load."""
    data, label = load_toml(TITLE_II_FILE, data_dir)
    unknown = sorted(set(data) - {"document_compliance_date"})
    if unknown:
        raise CatalogueError(f"{label}: unknown key {unknown[0]!r}")
    value = data.get("document_compliance_date")
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise CatalogueError(
            f"{label}: document_compliance_date must be a date (YYYY-MM-DD, no quotes)"
        )
    return value.isoformat()


# Documents dated before it may be exempt; a site may set its own (sites.toml).
DEFAULT_COMPLIANCE_DATE = load_compliance_date()


def document_date(facts: Facts, last_modified: str | None) -> str | None:
    """The document's date: metadata modification, else creation, else HTTP Last-Modified."""
    for key in ("modified", "created"):
        if facts.get(key):
            return facts[key]
    if last_modified:
        try:
            return parsedate_to_datetime(last_modified).date().isoformat()
        except (TypeError, ValueError):
            return None
    return None


def is_fillable_form(facts: Facts) -> bool:
    return bool(facts.get("form_fields"))


def used_for_service(linked_from: Iterable[str]) -> bool:
    """Linked from a form or how-to page (Mass.gov page types /forms/ and /how-to/)."""
    return any(
        any(part in _path(url).lower() + "/" for part in SERVICE_PATHS) for url in linked_from
    )


def _path(url: str) -> str:
    """The path of an absolute or relative URL (no urllib: rules do no I/O, test_layering)."""
    rest = url.split("://", 1)[1] if "://" in url else url
    if "://" in url:
        rest = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
    return re.split(r"[?#]", rest, maxsplit=1)[0]


def title_ii_label(
    facts: Facts,
    linked_from: Iterable[str],
    last_modified: str | None = None,
    compliance_date: str = DEFAULT_COMPLIANCE_DATE,
) -> str:
    """'must fix', 'exemption candidate' or 'unknown' (ADA Title II, 28 CFR 35.201 and 35.200).

    Must fix: used to apply for or use a service (a fillable form, or linked from a form or how-to
    page). Exemption candidate: dated before the compliance date and not used for a service
    (pre-existing conventional electronic documents). Unknown: no date, or dated after it.
    """
    if is_fillable_form(facts) or used_for_service(list(linked_from)):
        return MUST_FIX
    when = document_date(facts, last_modified)
    if when is not None and when < compliance_date:
        return EXEMPTION_CANDIDATE
    return UNKNOWN


def publish_as_html(facts: Facts) -> str:
    """Guidance when the content would serve residents better as a web page, else ''."""
    if is_fillable_form(facts):
        return "This is a fillable form: offer it as an online form (HTML) instead of a PDF."
    pages = facts.get("pages")
    if pages is not None and 0 < pages <= SHORT_NOTICE_PAGES:
        return f"A short notice ({pages} page{'s' if pages > 1 else ''}): publish it as a web page."
    return ""
