"""Facts of a Word (DOCX) file, its OOXML read directly (word/document.xml, docProps/core.xml,
word/styles.xml) within work budgets (audits/document_facts.py lists the facts)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from typing import Any

from lxml import etree

from massaudit.audits.document_limits import LimitExceeded

MAX_XML_BYTES = 32 * 1024 * 1024  # word/document.xml, read as a stream, never trusting its header
MAX_SIDE_XML_BYTES = 4 * 1024 * 1024  # docProps/core.xml and word/styles.xml
MAX_INFLATED_BYTES = 40 * 1024 * 1024  # all parts of one DOCX together
MAX_PARAGRAPHS = 200_000  # paragraphs of word/document.xml read

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {
    "w": W,
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
}


def docx_facts(body: bytes) -> dict[str, Any]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        names = set(archive.namelist())
        if "word/document.xml" not in names:
            raise ValueError("not a DOCX file (no word/document.xml)")
        parts = {"word/document.xml": MAX_XML_BYTES}
        for part in ("docProps/core.xml", "word/styles.xml"):
            if part in names:
                parts[part] = MAX_SIDE_XML_BYTES
        _check_inflated_sizes(archive, parts)
        core = _parse_part(archive, "docProps/core.xml") if "docProps/core.xml" in parts else None
        styles = _parse_part(archive, "word/styles.xml") if "word/styles.xml" in parts else None
        with archive.open("word/document.xml") as member:
            body_facts = _document_body(member, _heading_style_ids(styles))
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
    return facts | body_facts


def _check_inflated_sizes(archive: zipfile.ZipFile, limits: dict[str, int]) -> None:
    """Inflate each part in chunks, keeping nothing, and stop past its limit or past the
    document's total: the sizes in the zip headers are the sender's word, not a bound."""
    total = 0
    for part, limit in limits.items():
        size = 0
        with archive.open(part) as member:
            while chunk := member.read(1024 * 1024):
                size += len(chunk)
                total += len(chunk)
                if size > limit:
                    raise LimitExceeded(f"limit: {part} inflates to over {limit} bytes")
                if total > MAX_INFLATED_BYTES:
                    raise LimitExceeded(
                        f"limit: the parts inflate to over {MAX_INFLATED_BYTES} bytes"
                    )


_XML_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "huge_tree": False,
    "load_dtd": False,
}


def _parse_part(archive: zipfile.ZipFile, part: str) -> Any:
    return etree.fromstring(archive.read(part), etree.XMLParser(**_XML_OPTIONS))


def _document_body(source: Any, heading_styles: set[str]) -> dict[str, Any]:
    """paragraphs, headings and images of word/document.xml, parsed as a stream (lxml reports
    only paragraphs and drawings); each paragraph is dropped once counted, so memory does not
    grow with the document. More than MAX_PARAGRAPHS stops the count with `scan_limit`."""
    paragraph_tag, drawing_tag = f"{{{W}}}p", f"{{{NS['wp']}}}docPr"
    style_tag, style_val = f"{{{W}}}pStyle", f"{{{W}}}val"
    paragraphs = headings = seen = 0
    images: list[dict[str, Any]] = []
    limit = None
    events = etree.iterparse(
        source, events=("end",), tag=(paragraph_tag, drawing_tag), **_XML_OPTIONS
    )
    for _, element in events:
        if element.tag == drawing_tag:
            descr = (element.get("descr") or "").strip() or None
            images.append({"name": element.get("name"), "descr": descr})
            continue
        seen += 1
        if seen > MAX_PARAGRAPHS:
            limit = f"limit: {MAX_PARAGRAPHS} paragraphs read"
            break
        if "".join(element.itertext()).strip():
            paragraphs += 1
            style = element.find(f"{{{W}}}pPr/{style_tag}")
            style_id = style.get(style_val) if style is not None else ""
            if style_id in heading_styles or _HEADING_ID.match(style_id or ""):
                headings += 1
        if next(element.iterancestors(paragraph_tag), None) is None:
            # not inside another paragraph (a text box), whose text still needs it
            element.clear()
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]
    return {"paragraphs": paragraphs, "headings": headings, "images": images, "scan_limit": limit}


_HEADING_ID = re.compile(r"^(Heading\d|Title)$")


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
