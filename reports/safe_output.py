"""Writing crawled strings and file names into CSV, JSON, XML and Markdown without letting them
act as formulas, script, markup, links or mentions where the file is opened."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from typing import Any

# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# JSON that is safe to inline in an HTML <script> (and in JavaScript: U+2028/U+2029).
_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JSON_UNSAFE = re.compile("[<>&\u2028\u2029]")
# Characters XML 1.0 cannot hold at all, even escaped.
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Inline Markdown metacharacters (a table cell holds no block markup); `:` stops http://
# autolinks.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~:])")
_MD_WWW = re.compile(r"(www)\.", re.IGNORECASE)


def csv_cell(value: Any) -> Any:
    """A text cell a spreadsheet shows as text: a leading formula character gets a `'`, and a
    carriage return becomes a newline (which the writer quotes; a bare CR would end the row)."""
    if not isinstance(value, str):
        return value
    if value.startswith(_FORMULA_STARTS):
        value = "'" + value
    return value.replace("\r\n", "\n").replace("\r", "\n")


class SafeCsvWriter:
    """`csv.writer` whose every text cell goes through `csv_cell`."""

    def __init__(self, out: Any) -> None:
        self._writer = csv.writer(out, lineterminator="\n")

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([csv_cell(value) for value in row])


def dumps_json(data: Any, indent: int | None = 2) -> str:
    """JSON text with `<`, `>` and `&` written as \\u escapes (same data, safe to inline)."""
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda m: _JSON_ESCAPES[m.group()], text)


def xml_text(text: str) -> str:
    """`text` without the control characters XML 1.0 cannot represent."""
    return _XML_INVALID.sub("", text)


def markdown_text(text: str | None) -> str:
    """Plain text for a Markdown table cell: no links, images, emphasis, headings, HTML,
    mentions or autolinks can come out of it."""
    text = xml_text(text or "").replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    # Escaped `:` and `www.` keep http:// and www. from autolinking; a zero-width space after `@`
    # keeps @team from notifying a team (and a@b.c from becoming a mail link).
    text = _MD_WWW.sub(r"\1\\.", _MD_SPECIAL.sub(r"\\\1", text))
    return text.replace("@", "@\u200b")
