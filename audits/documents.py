"""Facts about a linked document (PDF with pikepdf, DOCX from its OOXML): the input of judging.

Collection only: every pass/fail decision is in rules/checks/documents.py, a pure function over
the facts returned here, so stored facts can be judged again. `document_facts` is CPU-bound;
the audit stage calls it with `asyncio.to_thread` so the crawl is not blocked.

Facts (a JSON-able dict), all kinds:
  kind            "pdf" or "word"
  error           why the file could not be read (then nothing else is known), or null
  title, lang     document title and language (null when missing)
  created, modified  ISO dates (YYYY-MM-DD) from the document's metadata, or null
PDF only:
  pages           page count
  marked          /MarkInfo /Marked is true
  struct_tree     the catalog has a /StructTreeRoot
  display_doc_title  /ViewerPreferences /DisplayDocTitle is true
  encrypted       the file is encrypted
  accessibility_extraction  permissions let assistive technology extract text (True if unencrypted)
  password_required  true when the file needs a password to open (then only `encrypted` is known)
  image_only_pages  1-based numbers of pages with images but no text-showing operators
  text_pages      number of pages with text-showing operators
  outlines        number of top-level bookmarks (/Outlines)
  form_fields     [{name (/T), tooltip (/TU)}] of the /AcroForm terminal fields
  figures         [{alt}] of /Figure structure elements (alt: /Alt or /ActualText, or null)
DOCX only:
  paragraphs      number of non-empty paragraphs
  headings        number of paragraphs in a Heading/Title style
  images          [{name, descr}] of the drawings (descr: alt text, or null)
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from typing import Any

from lxml import etree

MAX_PAGES_SCANNED = 500  # text/image scan of at most this many pages (large reports)
MAX_STRUCT_NODES = 20000
MAX_XML_BYTES = 64 * 1024 * 1024  # a DOCX part larger than this uncompressed is not read
TEXT_OPERATORS = {"Tj", "TJ", "'", '"'}


def document_facts(kind: str, body: bytes) -> dict[str, Any]:
    """Facts of one downloaded document; never raises (a broken file gives `error`)."""
    try:
        if kind == "pdf":
            return pdf_facts(body)
        if kind == "word":
            return docx_facts(body)
    except Exception as exc:  # a damaged or unsupported file is a fact, not a crash
        return {"kind": kind, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"kind": kind, "error": f"{kind} files are not analysed"}


# PDF


def pdf_facts(body: bytes) -> dict[str, Any]:
    import pikepdf

    facts: dict[str, Any] = {"kind": "pdf", "error": None}
    try:
        pdf = pikepdf.open(io.BytesIO(body))
    except pikepdf.PasswordError:
        # Not an unreadable file: a fact the permission check judges (nothing else is known).
        return facts | {"encrypted": True, "password_required": True}
    with pdf:
        root = pdf.Root
        facts["pages"] = len(pdf.pages)
        facts["encrypted"] = pdf.is_encrypted
        # Permission bit 10 (value 512): "extract text and graphics in support of accessibility"
        # (PDF 1.7 table 22), read from /P itself; bit 5 (16) allows all extraction.
        permissions = pdf.encryption.P if pdf.is_encrypted else -1
        facts["accessibility_extraction"] = bool(permissions & 512) or bool(permissions & 16)
        mark_info = root.get("/MarkInfo")
        facts["marked"] = bool(mark_info is not None and mark_info.get("/Marked", False))
        facts["struct_tree"] = "/StructTreeRoot" in root
        lang = root.get("/Lang")
        facts["lang"] = str(lang).strip() or None if lang is not None else None
        facts["title"] = _pdf_title(pdf)
        prefs = root.get("/ViewerPreferences")
        facts["display_doc_title"] = bool(
            prefs is not None and prefs.get("/DisplayDocTitle", False)
        )
        info = pdf.docinfo
        facts["created"] = _pdf_date(info.get("/CreationDate"))
        facts["modified"] = _pdf_date(info.get("/ModDate"))
        image_only, text_pages = [], 0
        for number, page in enumerate(pdf.pages[:MAX_PAGES_SCANNED], start=1):
            has_text, has_image = _page_content(pikepdf, page)
            text_pages += has_text
            if has_image and not has_text:
                image_only.append(number)
        facts["image_only_pages"] = image_only
        facts["text_pages"] = text_pages
        facts["outlines"] = _outline_count(root)
        facts["form_fields"] = _form_fields(root)
        facts["figures"] = _figures(root) if facts["struct_tree"] else []
    return facts


def _pdf_title(pdf: Any) -> str | None:
    title = pdf.docinfo.get("/Title")
    if title is not None and str(title).strip():
        return str(title).strip()
    try:
        with pdf.open_metadata() as meta:
            value = meta.get("dc:title")
    except Exception:
        return None
    return str(value).strip() or None if value else None


_PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?")


def _pdf_date(value: Any) -> str | None:
    if value is None:
        return None
    match = _PDF_DATE.match(str(value))
    if not match:
        return None
    try:
        return date(
            int(match.group(1)), int(match.group(2) or 1), int(match.group(3) or 1)
        ).isoformat()
    except ValueError:
        return None


def _page_content(pikepdf: Any, page: Any) -> tuple[bool, bool]:
    """(shows text, draws an image) of one page's content streams."""
    has_text = has_image = False
    images = set()
    resources = page.obj.get("/Resources")
    xobjects = resources.get("/XObject") if resources is not None else None
    if xobjects is not None:
        for name, xobject in xobjects.items():
            if xobject.get("/Subtype") == "/Image":
                images.add(name)
    try:
        for operands, operator in pikepdf.parse_content_stream(page):
            op = str(operator)
            if op in TEXT_OPERATORS:
                has_text = True
            elif op == "Do" and operands and str(operands[0]) in images or op == "BI":
                has_image = True
            if has_text and has_image:
                break
    except Exception:
        return True, False  # unreadable content: do not call it image-only
    return has_text, has_image


def _outline_count(root: Any) -> int:
    outlines = root.get("/Outlines")
    if outlines is None:
        return 0
    count, item, seen = 0, outlines.get("/First"), 0
    while item is not None and seen < 10000:
        count += 1
        seen += 1
        item = item.get("/Next")
    return count


def _form_fields(root: Any) -> list[dict[str, Any]]:
    form = root.get("/AcroForm")
    if form is None:
        return []
    fields: list[dict[str, Any]] = []
    stack = list(form.get("/Fields", []))
    while stack and len(fields) < 2000:
        field = stack.pop(0)
        kids = field.get("/Kids")
        if kids is not None and any("/T" in kid for kid in kids):
            stack = list(kids) + stack
            continue
        name, tooltip = field.get("/T"), field.get("/TU")
        fields.append(
            {
                "name": str(name) if name is not None else None,
                "tooltip": str(tooltip).strip() or None if tooltip is not None else None,
            }
        )
    return fields


def _figures(root: Any) -> list[dict[str, Any]]:
    figures: list[dict[str, Any]] = []
    tree = root.get("/StructTreeRoot")
    stack = [tree.get("/K")] if tree is not None else []
    seen = 0
    while stack and seen < MAX_STRUCT_NODES:
        node = stack.pop()
        seen += 1
        if node is None:
            continue
        if isinstance(node, list) or _is_array(node):
            stack.extend(reversed(list(node)))
            continue
        if not hasattr(node, "get"):
            continue  # marked-content ids (integers)
        if node.get("/S") == "/Figure":
            alt = node.get("/Alt") or node.get("/ActualText")
            figures.append({"alt": str(alt).strip() or None if alt is not None else None})
        kids = node.get("/K")
        if kids is not None:
            stack.append(kids)
    return figures


def _is_array(node: Any) -> bool:
    import pikepdf

    return isinstance(node, pikepdf.Array)


# DOCX (OOXML read directly: word/document.xml and docProps/core.xml)

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {
    "w": W,
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
}


def docx_facts(body: bytes) -> dict[str, Any]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        names = set(archive.namelist())
        if "word/document.xml" not in names:
            raise ValueError("not a DOCX file (no word/document.xml)")
        for part in ("word/document.xml", "docProps/core.xml", "word/styles.xml"):
            if part in names and archive.getinfo(part).file_size > MAX_XML_BYTES:
                raise ValueError(f"{part} is larger than {MAX_XML_BYTES} bytes uncompressed")
        document = etree.fromstring(archive.read("word/document.xml"), parser)
        core = (
            etree.fromstring(archive.read("docProps/core.xml"), parser)
            if "docProps/core.xml" in names
            else None
        )
        styles = (
            etree.fromstring(archive.read("word/styles.xml"), parser)
            if "word/styles.xml" in names
            else None
        )
    facts: dict[str, Any] = {"kind": "word", "error": None}
    title = core.findtext("dc:title", namespaces=NS) if core is not None else None
    facts["title"] = (title or "").strip() or None
    lang = core.findtext("dc:language", namespaces=NS) if core is not None else None
    if not (lang or "").strip() and styles is not None:
        node = styles.find("w:docDefaults/w:rPrDefault/w:rPr/w:lang", NS)
        lang = node.get(f"{{{W}}}val") if node is not None else None
    facts["lang"] = (lang or "").strip() or None
    created = core.findtext("dcterms:created", namespaces=NS) if core is not None else None
    modified = core.findtext("dcterms:modified", namespaces=NS) if core is not None else None
    facts["created"] = _iso_date(created)
    facts["modified"] = _iso_date(modified)
    heading_styles = _heading_style_ids(styles)
    paragraphs = headings = 0
    for paragraph in document.iter(f"{{{W}}}p"):
        text = "".join(paragraph.itertext()).strip()
        style = paragraph.find("w:pPr/w:pStyle", NS)
        style_id = style.get(f"{{{W}}}val") if style is not None else ""
        if text:
            paragraphs += 1
            if style_id in heading_styles or re.match(r"^(Heading\d|Title)$", style_id or ""):
                headings += 1
    facts["paragraphs"] = paragraphs
    facts["headings"] = headings
    facts["images"] = [
        {"name": doc_pr.get("name"), "descr": (doc_pr.get("descr") or "").strip() or None}
        for doc_pr in document.iter(f"{{{NS['wp']}}}docPr")
    ]
    return facts


def _heading_style_ids(styles: Any) -> set[str]:
    if styles is None:
        return set()
    ids = set()
    for style in styles.iter(f"{{{W}}}style"):
        name = style.find("w:name", NS)
        value = (name.get(f"{{{W}}}val") if name is not None else "") or ""
        if re.match(r"^(heading \d|title)$", value, re.IGNORECASE):
            ids.add(style.get(f"{{{W}}}styleId"))
    return ids


def _iso_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()[:10]).isoformat()
    except ValueError:
        return None
