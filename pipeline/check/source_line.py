"""Where an element is in its local source file: the line reports point at."""

from __future__ import annotations

import re
from html.parser import HTMLParser


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


def find_line(source: str, html: str) -> int | None:
    """1-based line of the element's opening tag in `source`, best effort; None if unsure.

    The opening tag of the snippet is looked for as written first; then every `<tag ...>` of
    the same name is compared by attributes and the best match (all of the snippet's
    attributes, or the only one with the most) wins.
    """
    match = re.match(r"\s*(<[a-zA-Z][^>]*>)", html or "")
    if not match:
        return None
    opening = match.group(1)
    position = source.find(opening)
    if position >= 0 and source.find(opening, position + 1) < 0:
        return source.count("\n", 0, position) + 1
    tag, attrs = _start_tag(opening)
    if tag is None:
        return None
    wanted = set(attrs)
    scored = []
    for candidate in re.finditer(rf"<{re.escape(tag)}(?=[\s/>])[^>]*>", source, re.IGNORECASE):
        _tag, found = _start_tag(candidate.group(0))
        scored.append((len(wanted & set(found)), candidate.start()))
    if not scored:
        return None
    best = max(score for score, _ in scored)
    at_best = [start for score, start in scored if score == best]
    if (wanted and best == len(wanted)) or len(at_best) == 1:
        return source.count("\n", 0, at_best[0]) + 1
    return None
