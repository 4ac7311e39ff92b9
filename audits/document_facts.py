"""Facts about a linked document (PDF with pikepdf, DOCX from its OOXML): the input of judging.

Collection only: every pass/fail decision is in rules/checks/document_rules.py, a pure function
over the facts returned here, so stored facts can be judged again. `document_facts` is CPU-bound
and reads hostile files: the audit stage runs it in a child process with CPU time, memory and
wall-clock budgets (audits/document_worker.py); the work budgets of the readers
(audits/pdf_facts.py, audits/docx_facts.py) bound it from inside.

Facts (a JSON-able dict), all kinds:
  kind            "pdf" or "word"
  error           why the file could not be read (then nothing else is known), or null;
                  "limit: ..." when it exceeded a budget (cpu time, memory, time, size)
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
  pages_scanned   number of pages whose content was scanned for the two facts above
  scan_limit      why the scan stopped before the last page ("limit: ..."), or null
  outlines        number of top-level bookmarks (/Outlines)
  form_fields     [{name (/T), tooltip (/TU)}] of the /AcroForm terminal fields
  figures         [{alt}] of /Figure structure elements (alt: /Alt or /ActualText, or null)
DOCX only:
  paragraphs      number of non-empty paragraphs
  headings        number of paragraphs in a Heading/Title style
  images          [{name, descr}] of the drawings (descr: alt text, or null)
  scan_limit      why reading stopped before the end ("limit: ..."), or null
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from massaudit.audits.document_limits import LimitExceeded
from massaudit.audits.docx_facts import docx_facts
from massaudit.audits.pdf_facts import pdf_facts

LIMIT_MEMORY = "limit: memory"


def document_facts(kind: str, body: bytes) -> dict[str, Any]:
    """Facts of one downloaded document; never raises (a broken file gives `error`)."""
    try:
        if kind == "pdf":
            return pdf_facts(body)
        if kind == "word":
            return docx_facts(body)
    except MemoryError:
        return {"kind": kind, "error": LIMIT_MEMORY}
    except LimitExceeded as exc:
        return {"kind": kind, "error": str(exc)}
    except etree.XMLSyntaxError as exc:
        # libxml2 reports a failed allocation as a syntax error
        if "memory" in str(exc).lower():
            return {"kind": kind, "error": LIMIT_MEMORY}
        return {"kind": kind, "error": f"{type(exc).__name__}: {exc}"[:300]}
    except Exception as exc:  # a damaged or unsupported file is a fact, not a crash
        return {"kind": kind, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"kind": kind, "error": f"{kind} files are not analysed"}
