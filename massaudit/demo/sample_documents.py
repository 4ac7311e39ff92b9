"""Generated documents with known accessibility facts: PDFs (pikepdf) and DOCX (raw OOXML).

Used by the demo site build (massaudit/demo/site.py puts them under /doc/) and by the tests, so
every planted problem is produced by code, not by a binary file in the repository.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape


def make_pdf(
    *,
    tagged: bool = True,
    title: str | None = "Document title",
    lang: str | None = "en-US",
    display_title: bool = True,
    pages: int = 1,
    image_only_pages: Sequence[int] = (),
    figures: Sequence[str | None] = (),
    fields: Sequence[tuple[str, str | None]] = (),
    outlines: int = 0,
    created: str | None = "D:20240115000000Z",
    encrypt: bool = False,
    user_password: str = "",
) -> bytes:
    """A PDF: `pages` pages of text (1-based `image_only_pages` draw only an image), optional
    tags with one /Figure per `figures` entry (its /Alt, or None), AcroForm `fields` (name,
    tooltip or None), `outlines` top-level bookmarks, and encryption (AES-256, copying not allowed)
    when `encrypt` or a `user_password` (needed to open the file) is given.

    qpdf always grants the "extract for accessibility" permission when it encrypts (PDF 2.0
    deprecates restricting it), so a file that withholds only that bit is covered by the facts
    fixtures of tests/support/document_fixtures.py rather than generated here."""
    import pikepdf
    from pikepdf import Array, Dictionary, Name, Stream, String

    pdf = pikepdf.new()
    font = Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica)
    for number in range(1, pages + 1):
        page = pdf.add_blank_page(page_size=(612, 792))
        if number in image_only_pages:
            image = Stream(pdf, b"\x80" * 4)
            image.Type, image.Subtype = Name.XObject, Name.Image
            image.Width, image.Height = 2, 2
            image.ColorSpace, image.BitsPerComponent = Name.DeviceGray, 8
            page.Resources = Dictionary(XObject=Dictionary(Im0=image))
            page.Contents = pdf.make_stream(b"q 400 0 0 400 100 200 cm /Im0 Do Q")
        else:
            page.Resources = Dictionary(Font=Dictionary(F1=font))
            text = f"Page {number}. Notice of the Commonwealth of Massachusetts.".encode()
            page.Contents = pdf.make_stream(b"BT /F1 12 Tf 72 720 Td (" + text + b") Tj ET")
    root = pdf.Root
    if title is not None:
        pdf.docinfo[Name.Title] = String(title)
    if created is not None:
        pdf.docinfo[Name.CreationDate] = String(created)
        pdf.docinfo[Name.ModDate] = String(created)
    if lang is not None:
        root.Lang = String(lang)
    if display_title:
        root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    if tagged:
        root.MarkInfo = Dictionary(Marked=True)
        kids = [Dictionary(Type=Name.StructElem, S=Name.P, K=0)]
        for alt in figures:
            element = Dictionary(Type=Name.StructElem, S=Name.Figure, K=1)
            if alt is not None:
                element.Alt = String(alt)
            kids.append(element)
        document = Dictionary(Type=Name.StructElem, S=Name.Document, K=Array(kids))
        root.StructTreeRoot = pdf.make_indirect(
            Dictionary(Type=Name.StructTreeRoot, K=Array([document]))
        )
    if fields:
        widgets = []
        for name, tooltip in fields:
            widget = Dictionary(
                Type=Name.Annot,
                Subtype=Name.Widget,
                FT=Name.Tx,
                T=String(name),
                Rect=Array([72, 600, 300, 620]),
                P=pdf.pages[0].obj,
            )
            if tooltip is not None:
                widget.TU = String(tooltip)
            widgets.append(pdf.make_indirect(widget))
        pdf.pages[0].Annots = Array(widgets)
        root.AcroForm = Dictionary(Fields=Array(widgets))
    if outlines:
        with pdf.open_outline() as outline:
            for index in range(outlines):
                outline.root.append(pikepdf.OutlineItem(f"Section {index + 1}", index % pages))
    buffer = io.BytesIO()
    if encrypt or user_password:
        allow = pikepdf.Permissions(extract=False)
        encryption = pikepdf.Encryption(owner="owner-secret", user=user_password, allow=allow)
        pdf.save(buffer, encryption=encryption)
    else:
        pdf.save(buffer)
    return buffer.getvalue()


_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>
</Types>"""
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>
</Relationships>"""
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"


def make_docx(
    *,
    title: str | None = "Document title",
    lang: str | None = "en-US",
    headings: int = 1,
    paragraphs: int = 5,
    images: Sequence[str | None] = (),
    created: str = "2024-01-15T00:00:00Z",
) -> bytes:
    """A DOCX with `headings` Heading1 paragraphs, `paragraphs` body paragraphs and one inline
    drawing per `images` entry (its alt text, or None)."""
    body = []
    for index in range(headings):
        body.append(
            f'<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Section {index + 1}'
            "</w:t></w:r></w:p>"
        )
    for index in range(paragraphs):
        body.append(f"<w:p><w:r><w:t>Paragraph {index + 1} of the notice.</w:t></w:r></w:p>")
    for index, alt in enumerate(images, start=1):
        descr = f' descr="{escape(alt, {chr(34): "&quot;"})}"' if alt is not None else ""
        body.append(
            f'<w:p><w:r><w:drawing><wp:inline><wp:extent cx="914400" cy="914400"/>'
            f'<wp:docPr id="{index}" name="Picture {index}"{descr}/></wp:inline>'
            "</w:drawing></w:r></w:p>"
        )
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{_W}" xmlns:wp="{_WP}"><w:body>{"".join(body)}</w:body>'
        "</w:document>"
    )
    core = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        + (f"<dc:title>{escape(title)}</dc:title>" if title else "")
        + (f"<dc:language>{escape(lang)}</dc:language>" if lang else "")
        + f'<dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created>'
        "</cp:coreProperties>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("word/document.xml", document)
        archive.writestr("docProps/core.xml", core)
    return buffer.getvalue()


# Documents of the demo site, written under /doc/ by massaudit/demo/site.py build_site. Each has
# its exact failing rule ids and ADA Title II label in ground_truth.toml [documents."/doc/..."].
DEMO_DOCUMENTS: dict[str, tuple[str, dict]] = {
    # Linked from a how-to page: must fix. Untagged, no title, no language.
    "/doc/revenue-payment-plan-worksheet.pdf": (
        "pdf",
        {"tagged": False, "title": None, "lang": None, "display_title": False},
    ),
    # A 2019 guide: 12 pages without bookmarks, a scanned page 5, a figure without alt text.
    "/doc/revenue-recordkeeping-guide-2019.pdf": (
        "pdf",
        {
            "title": "Recordkeeping guide for small businesses",
            "pages": 12,
            "image_only_pages": (5,),
            "figures": (None,),
            "created": "D:20190301000000Z",
        },
    ),
    # Clean: a tagged two-page notice with a described map ("publish as HTML" guidance).
    "/doc/revenue-senior-tax-relief-notice.pdf": (
        "pdf",
        {
            "title": "Senior circuit breaker credit notice",
            "pages": 2,
            "figures": ("Map of the Boston and Springfield service centers",),
            "created": "D:20250108000000Z",
        },
    ),
    # A fillable form (must fix), one field without a tooltip.
    "/doc/revenue-abatement-application.pdf": (
        "pdf",
        {
            "title": "Application for abatement",
            "fields": (("taxpayer_name", "Taxpayer name"), ("amount", None)),
            "created": "D:20240601000000Z",
        },
    ),
    # Word: no heading styles, an image without alt text.
    "/doc/revenue-small-business-checklist.docx": (
        "word",
        {"title": "Small business checklist", "headings": 0, "paragraphs": 8, "images": (None,)},
    ),
    # Word, clean.
    "/doc/revenue-senior-tax-relief-faq.docx": (
        "word",
        {"title": "Senior tax relief: questions and answers", "images": ("Demo Revenue seal",)},
    ),
}


def write_demo_documents(dest: Path) -> list[str]:
    """Write DEMO_DOCUMENTS into the built site `dest`; returns their URL paths."""
    for path, (kind, options) in DEMO_DOCUMENTS.items():
        target = dest / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(make_pdf(**options) if kind == "pdf" else make_docx(**options))
    return list(DEMO_DOCUMENTS)
