"""Where an element is in its local source file: the line reports point at."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from html.parser import HTMLParser

from massaudit.rules.model import Finding

_NUMBERS = re.compile(r"(\d+)")


class _Attrs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tag: str | None = None
        self.attrs: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.tag is None:
            self.tag = tag
            self.attrs = [(k, v or "") for k, v in attrs]

    handle_startendtag = handle_starttag


def _start_tag(html: str) -> tuple[str | None, list[tuple[str, str]]]:
    parser = _Attrs()
    try:
        parser.feed(html)
        parser.close()
    except Exception:
        return None, []
    return parser.tag, parser.attrs


def find_line(source: str, html: str, occurrence: int = 0) -> int | None:
    """1-based line of the opening tag of the `occurrence`-th (from 0) copy of the element in
    `source`, best effort; None if unsure.

    The opening tag of the snippet is looked for as written first; when it is not written so,
    every `<tag ...>` of the same name is compared by attributes: the tags with all of the
    snippet's attributes (or the only one with the most) are its copies, in source order.
    """
    match = re.match(r"\s*(<[a-zA-Z][^>]*>)", html or "")
    if not match:
        return None
    copies = _copies(source, match.group(1))
    if occurrence >= len(copies):
        return None
    return source.count("\n", 0, copies[occurrence]) + 1


def _copies(source: str, opening: str) -> list[int]:
    """Offsets in `source` of the tags that are copies of `opening`."""
    exact = [m.start() for m in re.finditer(re.escape(opening), source)]
    if exact:
        return exact
    tag, attrs = _start_tag(opening)
    if tag is None:
        return []
    wanted = set(attrs)
    scored = []
    for candidate in re.finditer(rf"<{re.escape(tag)}(?=[\s/>])[^>]*>", source, re.IGNORECASE):
        _tag, found = _start_tag(candidate.group(0))
        scored.append((len(wanted & set(found)), candidate.start()))
    if not scored:
        return []
    best = max(score for score, _ in scored)
    at_best = [start for score, start in scored if score == best]
    return at_best if (wanted and best == len(wanted)) or len(at_best) == 1 else []


def source_lines(source: str | None, findings: Sequence[Finding]) -> list[int | None]:
    """The line of each finding's element in `source` (None without a source or when unsure).

    Findings of one rule on copies of the same snippet are that snippet's copies in document
    order, so the nth gets the nth copy's line. Judging sorts findings by their selector's text
    ("p:nth-child(10)" before "p:nth-child(8)"): document order is taken from the selectors with
    their positions compared as numbers.
    """
    if source is None:
        return [None] * len(findings)
    order = sorted(range(len(findings)), key=lambda i: _document_order(findings[i].selector))
    seen: Counter[tuple[str, str]] = Counter()
    lines: list[int | None] = [None] * len(findings)
    for index in order:
        f = findings[index]
        lines[index] = find_line(source, f.html, seen[(f.rule_id, f.html)])
        seen[(f.rule_id, f.html)] += 1
    return lines


def _document_order(selector: str) -> list[tuple[int, str]]:
    return [(int(p), "") if p.isdigit() else (-1, p) for p in _NUMBERS.split(selector) if p]
