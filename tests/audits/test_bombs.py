"""Bombs and limits: documents that ask for unbounded work or memory, each recorded with its
reason instead of stalling or swelling the run (pages too large to fetch:
tests/crawler/test_page_limits.py).

The bombs are generated here: a PDF whose 500 pages share one content stream of a million
operators, a DOCX whose document.xml inflates a thousandfold.
"""

from __future__ import annotations

import io
import os
import signal
import threading
import time
import zipfile
import zlib

import pikepdf

from massaudit.audits import document_facts as documents
from massaudit.audits import document_worker
from massaudit.audits.document_facts import document_facts
from massaudit.audits.document_worker import (
    LIMIT_CPU,
    LIMIT_MEMORY,
    LIMIT_TIME,
    DocumentBudget,
    document_facts_limited,
)
from massaudit.audits.docx_facts import MAX_XML_BYTES
from massaudit.audits.pdf_facts import MAX_CONTENT_BYTES
from massaudit.demo.sample_documents import make_pdf

MIB = 1024 * 1024
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


# Generated bombs


def pdf_sharing_one_stream(pages: int = 500, operators: int = 1_000_000) -> bytes:
    """Every page draws the same content stream: a million tiny path operators, no text."""
    pdf = pikepdf.new()
    stream = pdf.make_stream(b"")
    stream.write(zlib.compress(b"0 0 m\n" * operators, 9), filter=pikepdf.Name.FlateDecode)
    for _ in range(pages):
        pdf.add_blank_page(page_size=(612, 792)).obj.Contents = stream
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def pdf_with_distinct_streams(pages: int, stream_bytes: int) -> bytes:
    """Each page has its own large content stream (no text): together over the byte budget."""
    pdf = pikepdf.new()
    operators = stream_bytes // 6
    for number in range(pages):
        data = f"{number} 0 m\n".encode() + b"0 0 m\n" * operators
        page = pdf.add_blank_page(page_size=(612, 792))
        stream = pdf.make_stream(b"")
        stream.write(zlib.compress(data, 9), filter=pikepdf.Name.FlateDecode)
        page.obj.Contents = stream
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def pdf_inflating_to(size: int) -> bytes:
    """One page whose content stream is small on disk and `size` bytes once decoded."""
    compressor = zlib.compressobj(9)
    chunk = b" " * MIB
    data = b"".join(compressor.compress(chunk) for _ in range(size // MIB)) + compressor.flush()
    pdf = pikepdf.new()
    stream = pdf.make_stream(b"")
    stream.write(data, filter=pikepdf.Name.FlateDecode)
    pdf.add_blank_page(page_size=(612, 792)).obj.Contents = stream
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def docx_inflating_to(size: int, declared: int | None = None) -> bytes:
    """A DOCX whose document.xml is `size` bytes of tiny paragraphs (compressed ~300:1)."""
    paragraph = b"<w:p><w:r><w:t>a</w:t></w:r></w:p>"
    chunk = paragraph * (MIB // len(paragraph))
    out = io.BytesIO()
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("word/document.xml", "w") as member,
    ):
        member.write(f'<w:document xmlns:w="{W}"><w:body>'.encode())
        for _ in range(size // len(chunk)):
            member.write(chunk)
        member.write(b"</w:body></w:document>")
    data = bytearray(out.getvalue())
    if declared is not None:  # lie about the inflated size in both headers
        data[data.index(b"PK\x03\x04") + 22 : data.index(b"PK\x03\x04") + 26] = declared.to_bytes(
            4, "little"
        )
        central = data.index(b"PK\x01\x02")
        data[central + 24 : central + 28] = declared.to_bytes(4, "little")
    return bytes(data)


# Documents: work budgets (in process) and the worker's CPU, memory and time budgets


def test_pdf_pages_sharing_one_stream_are_scanned_once():
    bomb = pdf_sharing_one_stream()
    assert len(bomb) < 100_000
    facts = document_facts_limited("pdf", bomb)
    # every page scanned: the shared stream was parsed once, not 500 times
    assert facts["error"] is None, facts
    assert (facts["pages"], facts["pages_scanned"], facts["scan_limit"]) == (500, 500, None)
    assert facts["image_only_pages"] == [] and facts["text_pages"] == 0


def test_pdf_content_over_the_byte_budget_gives_a_partial_scan():
    per_page = 6 * MIB
    pages = MAX_CONTENT_BYTES // per_page + 2
    facts = document_facts("pdf", pdf_with_distinct_streams(pages, per_page))
    assert facts["error"] is None
    assert facts["pages"] == pages
    assert facts["pages_scanned"] == MAX_CONTENT_BYTES // per_page
    assert facts["scan_limit"].startswith(f"limit: {MAX_CONTENT_BYTES} content-stream bytes")


def test_pdf_scan_keeps_its_facts():
    """Parsing streams once per document still tells text pages from image-only ones."""
    facts = document_facts("pdf", make_pdf(pages=3, image_only_pages=(2,)))
    assert facts["image_only_pages"] == [2]
    assert facts["text_pages"] == 2
    assert (facts["pages_scanned"], facts["scan_limit"]) == (3, None)


def test_docx_deflate_bomb_is_refused_before_parsing():
    bomb = docx_inflating_to(60 * MIB)  # declared honestly, under the old 64 MiB header check
    assert len(bomb) < 400_000
    started = time.process_time()
    facts = document_facts("word", bomb)
    assert facts == {
        "kind": "word",
        "error": f"limit: word/document.xml inflates to over {MAX_XML_BYTES} bytes",
    }
    assert time.process_time() - started < 20  # bound, not a benchmark: the old code took ~20 s


def test_docx_lying_about_its_size_is_unreadable():
    facts = document_facts("word", docx_inflating_to(8 * MIB, declared=1000))
    assert facts["error"].startswith("BadZipFile")


def test_docx_paragraph_budget_gives_a_partial_count():
    facts = document_facts("word", docx_inflating_to(8 * MIB))
    assert facts["error"] is None
    assert facts["paragraphs"] == 200_000
    assert facts["scan_limit"] == "limit: 200000 paragraphs read"


def clean_pdf_facts() -> dict:
    return document_facts_limited("pdf", make_pdf())


def test_worker_cpu_limit_then_recovers():
    bomb = pdf_with_distinct_streams(3, 5 * MIB)  # several seconds of parsing
    facts = document_facts_limited("pdf", bomb, DocumentBudget(cpu_seconds=1))
    assert facts == {"kind": "pdf", "error": LIMIT_CPU}
    assert clean_pdf_facts() == document_facts("pdf", make_pdf())


def test_pdf_stream_inflating_past_the_budget_is_never_decoded():
    bomb = pdf_inflating_to(768 * MIB)
    assert len(bomb) < 2 * MIB
    facts = document_facts_limited("pdf", bomb)
    assert facts["error"] is None
    assert facts["pages_scanned"] == 0
    assert facts["scan_limit"].startswith(f"limit: {MAX_CONTENT_BYTES} content-stream bytes")


def test_running_out_of_memory_is_a_limit(monkeypatch):
    def exhausted(body: bytes) -> dict:
        raise MemoryError

    monkeypatch.setattr(documents, "pdf_facts", exhausted)
    assert document_facts("pdf", make_pdf()) == {"kind": "pdf", "error": LIMIT_MEMORY}


def test_worker_wall_clock_limit_then_recovers():
    bomb = pdf_with_distinct_streams(3, 5 * MIB)
    facts = document_facts_limited("pdf", bomb, DocumentBudget(wall_seconds=0.2))
    assert facts == {"kind": "pdf", "error": LIMIT_TIME}
    assert clean_pdf_facts() == document_facts("pdf", make_pdf())


def test_worker_killed_from_outside_does_not_break_the_next_document():
    bomb = pdf_with_distinct_streams(3, 5 * MIB)
    clean_pdf_facts()  # a worker is running
    pid = document_worker._current.process.pid

    def kill_soon() -> None:
        time.sleep(0.3)
        os.kill(pid, signal.SIGKILL)  # as the OOM killer would

    killer = threading.Thread(target=kill_soon)
    killer.start()
    facts = document_facts_limited("pdf", bomb)
    killer.join()
    assert facts == {"kind": "pdf", "error": "analysis crashed (SIGKILL)"}
    assert clean_pdf_facts() == document_facts("pdf", make_pdf())
