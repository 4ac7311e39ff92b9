"""The pages massaudit's own checks (rules/checks/) are judged on, without a browser.

Every massaudit rule has at least one passing and one failing fixture in PAGE_FIXTURES or
SITE_FIXTURES (document rules: document_fixtures.py);
tests/rules/checks/test_check_registry.py enforces it over the whole catalogue. Fixtures start
from tests/fixtures/checks/clean-page.json (real artifacts saved from the demo site) and change
one fact each.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from repo_paths import FIXTURES

from massaudit.rules.checks import CheckResult, registry
from massaudit.rules.checks.judge import judge_checks
from massaudit.rules.checks.settings import CheckSettings
from massaudit.rules.model import PageArtifacts

FIXTURE = FIXTURES / "checks" / "clean-page.json"
MIB = 1024 * 1024

# Texts with known readability. PLAIN: short, common words (about grade 2). DENSE: the demo's
# planted legal English (far above grade 12).
PLAIN = (
    "You can pay your tax bill over time. Ask us for a payment plan. We will send you a letter. "
    "The letter tells you how much to pay each month. Pay on time each month. If you miss a "
    "payment, call us right away. We can help you make a new plan. You can call us on weekdays. "
    "You can also write to us. Keep a copy of every letter we send you. Bring the letter when "
    "you visit an office. Our staff can answer your questions in person. We are here to help."
)
DENSE = (
    "Notwithstanding the foregoing provisions, municipalities and regional transit authorities "
    "shall ensure that accumulated precipitation obstructing designated passenger facilities is "
    "expeditiously remediated in accordance with operational expectations promulgated hereunder. "
    "Facilities subject to this guidance include, without limitation, sheltered and unsheltered "
    "boarding locations, accessible pathways, curb ramps, and associated pedestrian "
    "infrastructure maintained by responsible jurisdictional entities. Where meteorological "
    "conditions preclude compliance within the prescribed interval, responsible entities shall "
    "document mitigation measures and communicate anticipated restoration timelines to "
    "affected constituencies through established notification mechanisms."
)
SPANISH = (
    "Si necesita ayuda en español, llame a nuestra línea de servicio al cliente de lunes a "
    "viernes y pida hablar con un representante que hable español sobre su cuenta."
)
PORTUGUESE = (
    "Você pode solicitar um cartão de tarifa reduzida se tiver 65 anos ou mais ou se tiver uma "
    "deficiência. Leve um documento com foto ao centro de atendimento."
)


def load_clean() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def page(edit: Callable[[dict[str, Any]], None] | None = None) -> PageArtifacts:
    """The clean page with one edit, through the stored (JSON) form, as rejudging sees it."""
    data = load_clean()
    if edit is not None:
        edit(data)
    return PageArtifacts.from_dict(json.loads(json.dumps(data)))


def set_text(*texts: str, lang: str = "en") -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        data["facts"]["text"]["blocks"] = [{"tag": "p", "text": t, "lang": lang} for t in texts]

    return edit


def set_fact(path: str, value: Any) -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        target = data["facts"]
        *parents, last = path.split(".")
        for key in parents:
            target = target[key]
        target[last] = value

    return edit


def add_link(text: str, href: str = "https://demo.mass.gov.example/x", **extra: Any):
    def edit(data: dict) -> None:
        data["facts"]["links"].append(
            {
                "text": text,
                "href": href,
                "in_main": True,
                "visible": True,
                "adjacent_same_href": False,
                "selector": "main a.added",
                "html": f'<a class="added" href="{href}">{text}</a>',
            }
            | extra
        )

    return edit


def chain(*edits: Callable[[dict], None]) -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        for e in edits:
            e(data)

    return edit


def https(hsts: str | None) -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        data["final_url"] = data["final_url"].replace("http://", "https://")
        if hsts is not None:
            data["facts"]["headers"]["strict-transport-security"] = hsts

    return edit


def set_alt(alt: str | None) -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        data["facts"]["images"] = [
            {"alt": alt, "src": "https://x/a.png", "selector": "img", "html": "<img>"}
        ]

    return edit


def remove_link_matching(word: str) -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        links = data["facts"]["links"]
        data["facts"]["links"] = [k for k in links if word not in k["text"].lower()]

    return edit


TARGET_VIOLATION = {
    "id": "target-size",
    "nodes": [
        {
            "target": ["a.tiny"],
            "html": '<a class="tiny" href="/x">x</a>',
            "failureSummary": "Target has insufficient size (10px by 10px, should be at least 24px)",
        }
    ],
}
WIDE = {"width": 320, "scroll_width": 660, "client_width": 320}

# rule id -> list of (expected rule outcome, edit of the clean page, settings or None)
PAGE_FIXTURES: dict[str, list[tuple[str, Callable | None, CheckSettings | None]]] = {
    "reading-grade": [
        ("pass", set_text(PLAIN, PLAIN), None),
        ("fail", set_text(DENSE, DENSE), None),
        ("needs-review", set_text(DENSE, DENSE), CheckSettings(reading_grade_warn=30)),
        (
            "pass",
            set_text(DENSE, DENSE),
            CheckSettings(reading_grade_pass=30, reading_grade_warn=30),
        ),
        ("inapplicable", set_text("Pay your bill on time."), None),  # under 100 words
        (
            "inapplicable",
            chain(set_text(SPANISH * 5, lang="es"), set_fact("lang.html", "es")),
            None,
        ),
    ],
    "sentence-length": [
        ("pass", set_text(PLAIN, PLAIN), None),
        ("fail", set_text(DENSE, DENSE), None),
        ("pass", set_text(DENSE, DENSE), CheckSettings(max_sentence_words=40)),
        ("inapplicable", set_text("Short."), None),
    ],
    "generic-link-text": [
        ("pass", None, None),
        ("fail", add_link("Click here"), None),
        ("fail", add_link("Read more…"), None),
        ("fail", add_link("https://www.mass.gov/info-details/x"), None),
        ("inapplicable", set_fact("links", []), None),
    ],
    "adjacent-duplicate-links": [
        ("pass", None, None),
        ("fail", add_link("(web page)", adjacent_same_href=True), None),
    ],
    "alt-text-quality": [
        ("pass", set_alt("A ranger helps a family read a trail map"), None),
        ("fail", set_alt("IMG_2041.jpg"), None),
        ("fail", set_alt("Image of a bus shelter"), None),
        ("fail", set_alt("https://www.mass.gov/files/images/shelter.png"), None),
        ("inapplicable", set_alt(""), None),
    ],
    "page-language-matches": [
        ("pass", set_text(PLAIN), None),
        ("fail", set_fact("lang.html", None), None),
        ("fail", set_fact("lang.html", "english"), None),
        ("fail", chain(set_text(PLAIN), set_fact("lang.html", "es")), None),
        ("pass", chain(set_text(SPANISH, SPANISH, lang="es"), set_fact("lang.html", "es")), None),
    ],
    "passage-lang": [
        ("pass", set_text(PLAIN), None),
        ("fail", set_text(PLAIN, SPANISH), None),
        (
            "pass",
            chain(
                set_text(PLAIN),
                lambda d: d["facts"]["text"]["blocks"].append(
                    {"tag": "p", "text": SPANISH, "lang": "es"}
                ),
            ),
            None,
        ),
        ("inapplicable", set_text("Hola."), None),
    ],
    "translations-expected": [
        ("inapplicable", None, None),  # no expected languages for the site
        ("fail", None, CheckSettings(expected_languages=("es", "pt"))),
        (
            "pass",
            set_fact(
                "head.alternates",
                [{"hreflang": "es", "href": "/es"}, {"hreflang": "pt-BR", "href": "/pt"}],
            ),
            CheckSettings(expected_languages=("es", "pt")),
        ),
        ("inapplicable", set_fact("lang.html", "es"), CheckSettings(expected_languages=("es",))),
    ],
    "machine-translation-only": [
        ("inapplicable", None, None),
        ("fail", set_fact("features.translation_widget", True), None),
        (
            "pass",
            chain(
                set_fact("features.translation_widget", True),
                set_fact("features.translation_links", [{"hreflang": "es", "href": "/es"}]),
            ),
            None,
        ),
    ],
    "viewport-zoom": [
        ("pass", None, None),
        ("fail", set_fact("head.viewport", None), None),
        ("fail", set_fact("head.viewport", "initial-scale=1"), None),
        ("fail", set_fact("head.viewport", "width=device-width, user-scalable=no"), None),
        ("fail", set_fact("head.viewport", "width=device-width, maximum-scale=1.0"), None),
        ("pass", set_fact("head.viewport", "width=device-width, maximum-scale=5"), None),
    ],
    "reflow-320": [
        ("pass", None, None),
        (
            "fail",
            set_fact(
                "reflow_320",
                WIDE
                | {
                    "offenders": [
                        {
                            "tag": "div",
                            "in_two_d": False,
                            "selector": "div.ma__notice",
                            "html": "<div>",
                            "right": 660,
                        }
                    ]
                },
            ),
            None,
        ),
        (
            "needs-review",
            set_fact(
                "reflow_320",
                WIDE
                | {
                    "offenders": [
                        {
                            "tag": "table",
                            "in_two_d": True,
                            "selector": "table",
                            "html": "<table>",
                            "right": 660,
                        }
                    ]
                },
            ),
            None,
        ),
    ],
    "target-size-320": [
        ("pass", None, None),
        (
            "fail",
            set_fact("target_size", {"violations": [TARGET_VIOLATION], "incomplete": []}),
            None,
        ),
        (
            "needs-review",
            set_fact("target_size", {"violations": [], "incomplete": [TARGET_VIOLATION]}),
            None,
        ),
    ],
    "page-weight": [
        ("pass", None, None),
        ("needs-review", set_fact("network.bytes", 3 * MIB), None),
        ("fail", set_fact("network.bytes", 5 * MIB), None),
        (
            "pass",
            set_fact("network.bytes", 5 * MIB),
            CheckSettings(page_weight_good_mib=6, page_weight_fail_mib=8),
        ),
        ("inapplicable", set_fact("network", {"requests": 0, "bytes": 0}), None),
    ],
    "largest-contentful-paint": [
        ("pass", set_fact("performance.lcp_ms", 1200), None),
        ("fail", set_fact("performance.lcp_ms", 4100), None),
        ("inapplicable", set_fact("performance.lcp_ms", None), None),
    ],
    "layout-shift": [
        ("pass", set_fact("performance.cls", 0.02), None),
        ("fail", set_fact("performance.cls", 0.31), None),
        ("inapplicable", set_fact("performance.cls", None), None),
    ],
    "https-hsts": [
        ("fail", None, None),  # the saved page was served over plain HTTP
        ("fail", https(None), None),
        ("fail", https("includeSubDomains"), None),
        ("pass", https("max-age=31536000; includeSubDomains"), None),
    ],
    "brand-banner": [
        ("pass", None, None),
        ("fail", set_fact("features.brand_banner", False), None),
    ],
    "required-links": [
        ("pass", None, None),
        ("fail", remove_link_matching("privacy"), None),
        ("fail", remove_link_matching("contact"), None),
    ],
    "feedback": [
        ("pass", None, None),
        ("fail", set_fact("features.feedback_form", False), None),
        ("pass", chain(set_fact("features.feedback_form", False), add_link("Give feedback")), None),
    ],
    "site-search": [
        ("pass", None, None),
        ("fail", set_fact("features.search", False), None),
    ],
    "meta-description": [
        ("pass", None, None),
        ("fail", set_fact("head.description", None), None),
        ("fail", set_fact("head.description", "  "), None),
    ],
    "canonical-link": [
        ("pass", None, None),
        ("fail", set_fact("head.canonical", None), None),
    ],
}


def site_pages(*specs: tuple[str, str, dict | None]) -> dict[int, PageArtifacts]:
    """Pages of one site: (url path, title, not-found probe or None)."""
    pages = {}
    for index, (path, title, probe) in enumerate(specs, start=1):

        def edit(data: dict, path=path, title=title, probe=probe) -> None:
            data["url"] = data["final_url"] = f"https://demo.mass.gov.example{path}"
            data["title"] = title
            data["facts"]["not_found_probe"] = probe

        pages[index] = page(edit)
    return pages


PROBE_404 = {"url": "https://demo.mass.gov.example/massaudit-404-probe-1", "status": 404}
PROBE_200 = PROBE_404 | {"status": 200}

# rule id -> list of (expected outcome per page key, pages)
SITE_FIXTURES: dict[str, list[tuple[dict[int, str], dict[int, PageArtifacts]]]] = {
    "page-title-unique": [
        (
            {1: "pass", 2: "pass"},
            site_pages(("/a", "Pay a bill", None), ("/b", "Get a permit", None)),
        ),
        (
            {1: "fail", 2: "fail", 3: "pass", 4: "fail"},
            site_pages(
                ("/a", "Services", None),
                ("/b", "services ", None),
                ("/c", "Fees", None),
                ("/d", "", None),
            ),
        ),
    ],
    "not-found-status": [
        ({1: "pass"}, site_pages(("/a", "A", PROBE_404), ("/b", "B", PROBE_404))),
        ({1: "fail"}, site_pages(("/a", "A", PROBE_200), ("/b", "B", PROBE_200))),
        ({}, site_pages(("/a", "A", None))),  # not probed: no outcome
    ],
}


def page_cases(module: ModuleType) -> list:
    """The cases of the page rules whose checks `module` defines (one of rules/checks/)."""
    return [
        pytest.param(rule_id, outcome, edit, settings, id=f"{rule_id}-{index}-{outcome}")
        for rule_id, cases in PAGE_FIXTURES.items()
        if registry().page[rule_id].function.__module__ == module.__name__
        for index, (outcome, edit, settings) in enumerate(cases)
    ]


def assert_page_check(catalogue, rule_id, outcome, edit, settings) -> None:
    """The check alone, then judging, give `outcome` for the clean page with `edit`; failures and
    items to review are findings of the rule's category and criteria, with a message."""
    artifacts = page(edit)
    check = registry().page[rule_id]
    result = check(artifacts, settings or CheckSettings())
    assert isinstance(result, CheckResult)
    assert result.outcome == outcome, result
    findings, outcomes = judge_checks(artifacts, catalogue, settings)
    assert outcomes[rule_id] == outcome
    mine = [f for f in findings if f.rule_id == rule_id]
    rule = catalogue.rules[rule_id]
    if outcome in ("fail", "needs-review"):
        assert mine and all(f.category == rule.category and f.wcag == rule.wcag for f in mine)
        assert any(f.outcome == outcome for f in mine)
        assert all(f.message for f in mine)
    else:
        assert mine == []


def _with_keyboard_fixtures() -> None:
    from keyboard_fixtures import KEYBOARD_FIXTURES

    PAGE_FIXTURES.update(KEYBOARD_FIXTURES)


_with_keyboard_fixtures()
