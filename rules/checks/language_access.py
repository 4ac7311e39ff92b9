"""Language access: the page's declared language, foreign passages, translations."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from massaudit.rules.checks import REGISTRY, CheckResult, Item, Option
from massaudit.rules.checks.plain_language import primary_subtag
from massaudit.rules.checks.text import detect_language, prose, words
from massaudit.rules.model import PageArtifacts

if TYPE_CHECKING:
    from massaudit.rules.checks.settings import CheckSettings

OPTIONS = (
    Option(
        "expected_languages",
        tuple,
        (),
        "human translations every English page should link, as language tags",
        item_pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
        item_problem="is not a language tag like 'es'",
    ),
)

# BCP 47 language tag, as far as a page's lang attribute needs: language, script, region, variants.
_LANG_TAG = re.compile(
    r"^[a-zA-Z]{2,3}(-[a-zA-Z]{4})?(-([a-zA-Z]{2}|\d{3}))?(-([a-zA-Z\d]{5,8}|\d[a-zA-Z\d]{3}))*$"
)
MIN_WORDS_TO_DETECT = 40
MIN_PASSAGE_WORDS = 12
CONFIDENT = 0.95
# Languages py3langid confuses at low confidence with their neighbours are only compared above
# CONFIDENT; below it a mismatch goes to review instead of failing.


def _page_text(artifacts: PageArtifacts) -> str:
    return prose([b["text"] for b in artifacts.facts["text"].get("blocks") or ()])


@REGISTRY.page_check("page-language-matches", reads=("lang", "text"))
def page_language_matches(artifacts: PageArtifacts, settings: CheckSettings) -> CheckResult:
    lang_facts = artifacts.facts["lang"]
    text = _page_text(artifacts)
    declared = (lang_facts.get("html") or "").strip()
    if not declared:
        return CheckResult.of([Item("fail", "the <html> element has no lang attribute")])
    if not _LANG_TAG.match(declared):
        return CheckResult.of([Item("fail", f"lang={declared!r} is not a valid language tag")])
    if len(words(text)) < MIN_WORDS_TO_DETECT:
        return CheckResult.passed(f"lang={declared!r}; too little text to compare")
    detected, probability = detect_language(text)
    expected = primary_subtag(declared)
    note = f"lang={declared!r}; main text reads as {detected!r} (p={probability:g})"
    if detected == expected:
        return CheckResult.passed(note)
    outcome = "fail" if probability >= CONFIDENT else "needs-review"
    return CheckResult.of(
        [
            Item(
                outcome,
                f"the page says it is in {expected!r} but its main text reads as "
                f"{detected!r} (p={probability:g})",
            )
        ],
        note,
    )


@REGISTRY.page_check("passage-lang", reads=("text",))
def passage_lang(artifacts: PageArtifacts, settings: CheckSettings) -> CheckResult:
    text = artifacts.facts["text"]
    long_blocks = [
        b for b in text.get("blocks") or () if len(words(b.get("text") or "")) >= MIN_PASSAGE_WORDS
    ]
    if not long_blocks:
        return CheckResult.inapplicable("no passage long enough to tell its language")
    items = []
    for block in long_blocks:
        marked = primary_subtag(block.get("lang"))
        if marked is None:
            continue  # no language at all: page-language-matches reports the page
        detected, probability = detect_language(block["text"])
        if detected and detected != marked and probability >= CONFIDENT:
            sample = block["text"][:120]
            items.append(
                Item(
                    "fail",
                    f"a passage in {detected!r} is marked as {marked!r}; wrap it in an element "
                    f"with lang={detected!r}",
                    selector=block.get("tag") or "main",
                    html=sample,
                )
            )
    return CheckResult.of(items)


def _human_translations(artifacts: PageArtifacts) -> set[str]:
    head = artifacts.facts.get("head") or {}
    features = artifacts.facts.get("features") or {}
    found = set()
    for entry in list(head.get("alternates") or ()) + list(features.get("translation_links") or ()):
        lang = primary_subtag(entry.get("hreflang"))
        if lang and lang != "x":
            found.add(lang)
    return found


@REGISTRY.page_check("translations-expected", reads=("head",))
def translations_expected(artifacts: PageArtifacts, settings: CheckSettings) -> CheckResult:
    if not settings.expected_languages:
        return CheckResult.inapplicable("no expected languages set for this site")
    page_lang = primary_subtag((artifacts.facts.get("lang") or {}).get("html"))
    if page_lang not in (None, "en"):
        return CheckResult.inapplicable(f"page is itself in {page_lang!r}")
    have = _human_translations(artifacts)
    missing = [lang for lang in settings.expected_languages if primary_subtag(lang) not in have]
    note = f"translations linked: {', '.join(sorted(have)) or 'none'}"
    if not missing:
        return CheckResult.passed(note)
    return CheckResult.of(
        [Item("fail", f"no human translation linked for: {', '.join(missing)} ({note})")], note
    )


@REGISTRY.page_check("machine-translation-only", reads=("features",))
def machine_translation_only(artifacts: PageArtifacts, settings: CheckSettings) -> CheckResult:
    features = artifacts.facts["features"]
    if not features.get("translation_widget"):
        return CheckResult.inapplicable("no machine-translation widget")
    if _human_translations(artifacts):
        return CheckResult.passed("a machine-translation widget next to human translations")
    return CheckResult.of(
        [Item("fail", "the only translation offered is a machine-translation widget")]
    )
