"""Stable fingerprints of findings: the same problem on the same kind of element, wherever it sits.

A fingerprint is `sha256(version, rule id, selector signature, markup signature)`, cut to 16 hex
characters. It is built to survive the edits that do not change the problem:

- **Selector signature** (`selector_signature`). axe-core's selectors name an element by id or by
  its position, both of which move when unrelated markup changes, and name as few ancestors as
  make them unique, which changes too. So of each frame/shadow part of the selector (parts
  joined by " >>> ") only the last compound, the element itself, is kept, normalised: `#id`s
  are dropped,
  `:nth-child(…)`, `:nth-of-type(…)`, `:nth-last-…(…)`, `:first-child`-style positions are
  dropped, attribute selectors keep only the attribute name (`[href="/a"]` -> `[href]`), digits
  inside class names become `0` (`.item-3` -> `.item-0`); what is left empty reads `*`.
  Tag names and (normalised) classes stay: they are the template.
- **Markup signature** (`markup_signature`). The HTML snippet axe or our checks report for the
  element is reduced to its *shape*: the first few start tags with their tag name, the sorted
  attribute names, and the class tokens (digits -> `0`); text, ids and every other attribute
  value (URLs, alt text, labels) are dropped.

So inserting a paragraph earlier on the page (which shifts `:nth-child` indexes) or changing the
link target or the text of the element keeps the fingerprint; a different rule, a different kind
of element or a different template structure changes it. Two identical elements with the same
problem on one page share a fingerprint: users of fingerprints (the `check` baseline) compare
*counts* per fingerprint. Because nothing page-specific goes in, the same template problem on
many pages has one fingerprint across pages, which is what grouping "one template issue on N
pages" needs.

Pure: standard library only.
"""

from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser

FINGERPRINT_VERSION = 1
FINGERPRINT_LENGTH = 16
_MAX_TAGS = 3
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
_COMBINATOR = re.compile(r"\s*([>+~])\s*|\s+")


def fingerprint(rule_id: str, selector: str, html: str) -> str:
    """The fingerprint of a finding of `rule_id` on the element `selector` / `html`."""
    text = "\n".join(
        (
            f"v{FINGERPRINT_VERSION}",
            rule_id,
            selector_signature(selector),
            markup_signature(html),
        )
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:FINGERPRINT_LENGTH]


def finding_fingerprint(finding: object) -> str:
    """`fingerprint` of anything with `rule_id`, `selector` and `html` (a rules.model.Finding)."""
    return fingerprint(finding.rule_id, finding.selector, finding.html)  # type: ignore[attr-defined]


def selector_signature(selector: str) -> str:
    """The selector without ids, positions or attribute values (see the module docstring)."""
    parts = [_normalise_part(part) for part in (selector or "").split(_PART_SEPARATOR)]
    return _PART_SEPARATOR.join(part for part in parts if part)


def _normalise_part(part: str) -> str:
    # Only the last compound (the element itself): axe-core builds the shortest unique selector,
    # so how many ancestors it names changes when unrelated markup changes elsewhere.
    text = _ATTRIBUTE.sub(lambda m: f"[{m.group(1).lower()}]", part.strip())
    text = _COMBINATOR.split(text)[-1] or ""
    text = _ID.sub("", text)
    text = _POSITION.sub("", text)
    text = _CLASS.sub(lambda m: "." + _DIGITS.sub("0", m.group(1)), text)
    return text.strip() or "*"


class _Shape(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if len(self.tags) >= _MAX_TAGS:
            return
        names = sorted({name.lower() for name, _value in attrs})
        classes = sorted(
            {
                _DIGITS.sub("0", token)
                for name, value in attrs
                if name.lower() == "class" and value
                for token in value.split()
            }
        )
        signature = tag.lower()
        if names:
            signature += "[" + ",".join(names) + "]"
        if classes:
            signature += "." + ".".join(classes)
        self.tags.append(signature)

    handle_startendtag = handle_starttag


def markup_signature(html: str) -> str:
    """Tag names, attribute names and class tokens of the snippet's first start tags."""
    parser = _Shape()
    try:
        parser.feed(html or "")
        parser.close()
    except Exception:  # html.parser is lenient; never let a snippet break judging
        pass
    return " ".join(parser.tags)
