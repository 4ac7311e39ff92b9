"""Facts of a PDF, read with pikepdf within work budgets (audits/document_facts.py lists them)."""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pikepdf

from massaudit.audits.document_limits import LimitExceeded

MAX_PAGES_SCANNED = 500  # text/image scan of at most this many pages (large reports)
# Decoded content-stream bytes parsed per PDF, over all pages: each distinct stream is parsed
# once, so pages sharing one huge stream cost one parse, not one per page.
MAX_CONTENT_BYTES = 16 * 1024 * 1024
MAX_DO_NAMES = 10000  # distinct XObject names remembered per content stream
MAX_STRUCT_NODES = 20000
TEXT_OPERATORS = {"Tj", "TJ", "'", '"'}


def pdf_facts(body: bytes) -> dict[str, Any]:
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
        facts |= _scan_pages(pdf)
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


def _scan_pages(pdf: pikepdf.Pdf) -> dict[str, Any]:
    """image_only_pages, text_pages, pages_scanned and scan_limit, within the work budgets."""
    budget = _ContentBudget(MAX_CONTENT_BYTES)
    streams: dict[tuple[int, int], _StreamContent] = {}
    image_only: list[int] = []
    text_pages = scanned = 0
    limit = None
    total = len(pdf.pages)
    for number, page in enumerate(pdf.pages, start=1):
        if number > MAX_PAGES_SCANNED:
            limit = f"limit: {MAX_PAGES_SCANNED} pages scanned of {total}"
            break
        try:
            has_text, has_image = _page_content(page, streams, budget)
        except LimitExceeded as exc:
            limit = f"{exc} (stopped at page {number} of {total})"
            break
        scanned += 1
        text_pages += has_text
        if has_image and not has_text:
            image_only.append(number)
    return {
        "image_only_pages": image_only,
        "text_pages": text_pages,
        "pages_scanned": scanned,
        "scan_limit": limit,
    }


class _ContentBudget:
    """Decoded content-stream bytes parsed so far in one document."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def spend(self, size: int) -> None:
        self.used += size
        if self.used > self.limit:
            raise LimitExceeded(f"limit: {self.limit} content-stream bytes parsed")


@dataclass
class _StreamContent:
    """What one content stream does: shows text, draws inline images, names it paints with Do."""

    has_text: bool = False
    inline_image: bool = False
    do_names: set[str] = field(default_factory=set)
    unreadable: bool = False


def _page_content(
    page: pikepdf.Page, streams: dict[tuple[int, int], _StreamContent], budget: _ContentBudget
) -> tuple[bool, bool]:
    """(shows text, draws an image) of one page's content streams."""
    contents = page.obj.get("/Contents")
    if contents is None:
        return False, False
    parts = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
    seen = [_stream_content(part, streams, budget) for part in parts]
    if any(content.unreadable or content.has_text for content in seen):
        return True, False  # unreadable content: do not call it image-only
    if any(content.inline_image for content in seen):
        return False, True
    names = set().union(*(content.do_names for content in seen))
    return False, bool(names & _image_names(page)) if names else False


def _image_names(page: pikepdf.Page) -> set[str]:
    resources = page.obj.get("/Resources")
    xobjects = resources.get("/XObject") if resources is not None else None
    if xobjects is None:
        return set()
    return {name for name, xobject in xobjects.items() if xobject.get("/Subtype") == "/Image"}


def _stream_content(
    stream: pikepdf.Object,
    streams: dict[tuple[int, int], _StreamContent],
    budget: _ContentBudget,
) -> _StreamContent:
    """Each distinct stream (by object and generation number) is parsed once per document."""
    key = stream.objgen
    if key in streams:
        return streams[key]
    content = _StreamContent()
    _check_inflated_size(stream, budget)
    scanner = _ContentScanner(content, budget)
    try:
        # pikepdf's streaming parse (one callback per token; the public parse_content_stream
        # builds the whole instruction list first). It stops at the first text operator.
        pikepdf.Object._parse_stream(stream, scanner)
    except _TextFound:
        pass
    except (LimitExceeded, MemoryError):
        raise
    except Exception:
        content.unreadable = True
    budget.spend(scanner.end - scanner.counted)
    if key != (0, 0):  # (0, 0): a direct object, nothing to share
        streams[key] = content
    return content


def _check_inflated_size(stream: pikepdf.Object, budget: _ContentBudget) -> None:
    """A Flate stream is inflated here first, in chunks, keeping nothing: qpdf would decode it
    whole into memory, and one that inflates past the budget is never handed to it. (Other
    filters are rare in content streams; the worker's memory limit bounds them.)"""
    if stream.get("/Filter") != pikepdf.Name.FlateDecode or "/DecodeParms" in stream:
        return
    room = budget.limit - budget.used
    inflater = zlib.decompressobj()
    data, size = stream.read_raw_bytes(), 0
    try:
        while data and size <= room:
            size += len(inflater.decompress(data, 1024 * 1024))
            data = inflater.unconsumed_tail
    except zlib.error:
        return  # qpdf decides what a damaged stream holds
    if size > room:
        budget.spend(size)


class _TextFound(Exception):
    pass


class _ContentScanner(pikepdf.StreamParser):
    def __init__(self, content: _StreamContent, budget: _ContentBudget) -> None:
        super().__init__()
        self.content = content
        self.budget = budget
        self.last_name: str | None = None
        self.end = self.counted = 0

    def handle_object(self, obj: Any, offset: int, length: int) -> None:
        self.end = offset + length
        if self.end - self.counted > 65536:
            self.budget.spend(self.end - self.counted)
            self.counted = self.end
        if obj.__class__ is not pikepdf.Object:
            return  # numbers and booleans arrive as Python values
        if isinstance(obj, pikepdf.Operator):
            op = str(obj)
            if op in TEXT_OPERATORS:
                self.content.has_text = True
                raise _TextFound
            if op == "BI":
                self.content.inline_image = True
            elif op == "Do" and self.last_name is not None:
                if len(self.content.do_names) < MAX_DO_NAMES:
                    self.content.do_names.add(self.last_name)
                else:
                    self.content.inline_image = True  # too many names to tell: count it drawn
            self.last_name = None
        elif isinstance(obj, pikepdf.Name):
            self.last_name = str(obj)

    def handle_eof(self) -> None:
        pass


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
    return isinstance(node, pikepdf.Array)
