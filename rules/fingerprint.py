"""Stable fingerprints of findings: the same problem on the same element, wherever it moves.

A fingerprint is `sha256(version, rule id, ancestry signature, markup signature)`, cut to 16 hex
characters. It names *one element*: the same element of a shared template (a header button)
has one fingerprint on every page, so "one template issue on N pages" groups by it, while two
different elements (five articles' images, each without alt text) never share one.

- **Ancestry signature** (`selector_signature`). The element's two nearest ancestors as the
  selector axe-core or our checks report names them
  (per frame or shadow part, joined by " >>> "), without what moves when unrelated markup
  changes: `#id`s, `:nth-child(…)`-style positions, attribute values (`[href="/a"]` ->
  `[href]`), digits inside class names (`.item-3` -> `.item-0`); compounds left empty are
  dropped (an id'd ancestor named on one page and not on another). axe-core names ancestors
  only as far up as it needs for a unique selector, so a page with more look-alike elements
  names more of them: only the nearest two count. When the finding has markup, the element's
  own compound is left out too: the markup describes the element exactly, while the compound
  axe-core picks for it (its least common class or attribute on that page) changes with the
  rest of the page.
- **Markup signature** (`markup_signature`). The HTML snippet of the element, reduced to what
  identifies it: for its first start tags the tag name, the sorted attribute names, the class
  tokens (digits -> `0`) and the values of the attributes that tell one element from another
  (`DISTINGUISHING`: where it points or submits, its id, name, label target, type and role;
  digits in ids and label targets -> `0`, as generated ids number elements), then its text
  (whitespace collapsed, digits -> `0`, so a year or a count does not make another element).
  Other values (alt text, titles, `data-*`) are not its identity: fixing or editing them keeps
  the element.

So inserting content earlier on the page (positions shift, axe-core names more ancestors) keeps
the fingerprint; another element, another place in the template, another rule changes it. Two
identical elements with the same problem on one page share a fingerprint: users of fingerprints
(the `check` baseline) compare *counts* per fingerprint. Nothing page-specific goes in, so a
problem of a shared template has one fingerprint across the pages (and the sites) that share
it; reports/issues.py keeps sites on different hosts apart.

Version 1 fingerprints (the element's tag shape only) merged different elements of the same kind;
baselines written with them are refused with a message (pipeline/check/baseline.py).

Pure: standard library only.
"""

from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser

FINGERPRINT_VERSION = 2
FINGERPRINT_LENGTH = 16
DISTINGUISHING = ("action", "for", "href", "id", "name", "role", "src", "type")
_NUMBERED = ("for", "id")  # they hold generated ids: "menu-3" on one page, "menu-7" on the next
_ANCESTORS = 2  # nearest ancestors named: the place in the template
_MAX_TAGS = 3
_MAX_TEXT = 200
_PART_SEPARATOR = " >>> "

_ID = re.compile(r"#(?:\\.|[\w-])+")
_POSITION = re.compile(
    r":(?:nth-child|nth-of-type|nth-last-child|nth-last-of-type)\([^)]*\)"
    r"|:(?:first|last|only)-(?:child|of-type)"
)
_ATTRIBUTE = re.compile(
    r"\[\s*([\w:-]+)\s*(?:[~|^$*]?=\s*(?:\"(?:\\.|[^\"])*\"|'(?:\\.|[^'])*'|[^\]\s]*)\s*(?:[is]\s*)?)?\]"
)
_CLASS = re.compile(r"\.((?:\\.|[\w-])+)")
_DIGITS = re.compile(r"\d+")
_COMBINATOR = re.compile(r"\s*[>+~]\s*|\s+")


def fingerprint(rule_id: str, selector: str, html: str) -> str:
    """The fingerprint of a finding of `rule_id` on the element `selector` / `html`."""
    markup = _Element.parse(html)
    text = "\n".join(
        (
            f"v{FINGERPRINT_VERSION}",
            rule_id,
            selector_signature(selector, element=not markup.tags),
            markup.signature(),
        )
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:FINGERPRINT_LENGTH]


def finding_fingerprint(finding: object) -> str:
    """`fingerprint` of anything with `rule_id`, `selector` and `html` (a rules.model.Finding)."""
    return fingerprint(finding.rule_id, finding.selector, finding.html)  # type: ignore[attr-defined]


def selector_signature(selector: str, *, element: bool = True) -> str:
    """The selector's compounds without ids, positions or attribute values (module docstring);
    `element=False` leaves out the element's own (last) compound."""
    parts = (selector or "").split(_PART_SEPARATOR)
    signatures = []
    for index, part in enumerate(parts):
        compounds = [c for c in map(_normalise_compound, _compounds(part)) if c] or ["*"]
        ancestors = compounds[:-1][-_ANCESTORS:]
        if not element and index == len(parts) - 1:
            signatures.append(" > ".join(ancestors))
        else:
            signatures.append(" > ".join([*ancestors, compounds[-1]]))
    return _PART_SEPARATOR.join(signatures)


def _compounds(part: str) -> list[str]:
    # Attribute values go first: they may hold spaces and combinator characters.
    text = _ATTRIBUTE.sub(lambda m: f"[{m.group(1).lower()}]", part.strip())
    return [c for c in _COMBINATOR.split(text) if c]


def _normalise_compound(compound: str) -> str:
    text = _ID.sub("", compound)
    text = _POSITION.sub("", text)
    return _CLASS.sub(lambda m: "." + _DIGITS.sub("0", m.group(1)), text).strip()


class _Element(HTMLParser):
    """The first start tags of a snippet (name, attribute names, classes, distinguishing
    values) and its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []

    @classmethod
    def parse(cls, html: str) -> _Element:
        parser = cls()
        try:
            parser.feed(html or "")
            parser.close()
        except Exception:  # html.parser is lenient; never let a snippet break judging
            pass
        return parser

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if len(self.tags) >= _MAX_TAGS:
            return
        values = {name.lower(): (value or "").strip() for name, value in attrs}
        signature = tag.lower()
        if values:
            signature += "[" + ",".join(sorted(values)) + "]"
        classes = sorted({_DIGITS.sub("0", token) for token in values.get("class", "").split()})
        if classes:
            signature += "." + ".".join(classes)
        distinguishing = [
            f'{name}="{_DIGITS.sub("0", values[name]) if name in _NUMBERED else values[name]}"'
            for name in DISTINGUISHING
            if values.get(name)
        ]
        if distinguishing:
            signature += "{" + " ".join(distinguishing) + "}"
        self.tags.append(signature)

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def signature(self) -> str:
        text = _DIGITS.sub("0", " ".join(" ".join(self.text).split()))[:_MAX_TEXT]
        return " ".join([*self.tags, f'"{text}"' if text else ""]).strip()


def markup_signature(html: str) -> str:
    """What identifies the element in its snippet (module docstring)."""
    return _Element.parse(html).signature()
