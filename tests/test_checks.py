"""massaudit's own checks (rules/checks/), judged from saved artifacts without a browser.

Every massaudit rule has at least one passing and one failing fixture in PAGE_FIXTURES or
SITE_FIXTURES; `test_every_massaudit_rule_has_pass_and_fail_fixtures` enforces it over the whole
catalogue. Fixtures start from tests/fixtures/checks/clean-page.json (real artifacts saved from
the demo site) and change one fact each.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from document_fixtures import DOCUMENT_FIXTURES

from massaudit.crawler.sites import CHECK_OPTIONS, SitesConfigError, parse_sites
from massaudit.pipeline.site_level import check_settings
from massaudit.rules.catalogue import load_catalogue
from massaudit.rules.checks import CheckResult, registry
from massaudit.rules.checks.judge import judge_checks, judge_site_checks
from massaudit.rules.checks.settings import OPTION_NAMES, CheckSettings
from massaudit.rules.checks.text import detect_language, readability
from massaudit.rules.judge import judge
from massaudit.rules.model import PageArtifacts

FIXTURE = Path(__file__).parent / "fixtures" / "checks" / "clean-page.json"
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


def page_cases():
    for rule_id, cases in PAGE_FIXTURES.items():
        for index, (outcome, edit, settings) in enumerate(cases):
            yield pytest.param(rule_id, outcome, edit, settings, id=f"{rule_id}-{index}-{outcome}")


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.mark.parametrize(("rule_id", "outcome", "edit", "settings"), list(page_cases()))
def test_page_check(catalogue, rule_id, outcome, edit, settings):
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


@pytest.mark.parametrize("rule_id", sorted(SITE_FIXTURES))
def test_site_check(catalogue, rule_id):
    for expected, pages in SITE_FIXTURES[rule_id]:
        results = registry().site[rule_id](pages, CheckSettings())
        assert {k: r.outcome for k, r in results.items()} == expected
        judged = judge_site_checks(pages, catalogue)
        for key, outcome in expected.items():
            findings, outcomes = judged[key]
            assert outcomes[rule_id] == outcome
            assert bool([f for f in findings if f.rule_id == rule_id]) == (outcome == "fail")


def test_every_massaudit_rule_has_pass_and_fail_fixtures(catalogue):
    ours = {r.id for r in catalogue.rules.values() if r.source == "massaudit"}
    assert ours == registry().rule_ids  # every rule has a check, every check has metadata
    covered = {}
    for rule_id, cases in PAGE_FIXTURES.items():
        covered[rule_id] = {outcome for outcome, _, _ in cases}
    for rule_id, cases in SITE_FIXTURES.items():
        covered[rule_id] = {o for expected, _ in cases for o in expected.values()}
    for rule_id, cases in DOCUMENT_FIXTURES.items():  # document rules: tests/test_documents.py
        covered[rule_id] = {outcome for outcome, _ in cases}
    missing = {r: {"pass", "fail"} - covered.get(r, set()) for r in ours}
    assert {r: m for r, m in missing.items() if m} == {}


def test_check_functions_are_named_after_their_rule_ids():
    for rule_id, function in {**registry().page, **registry().site}.items():
        assert function.__name__ == rule_id.replace("-", "_")


def test_artifacts_without_facts_judge_as_inapplicable(catalogue):
    """Artifacts stored before these checks existed still load and judge: nothing applies."""
    data = load_clean()
    del data["facts"]
    artifacts = PageArtifacts.from_dict(data)
    findings, outcomes = judge_checks(artifacts, catalogue)
    assert findings == []
    assert set(outcomes.values()) == {"inapplicable"}
    assert set(outcomes) == set(registry().page)


def test_failed_page_is_not_judged(catalogue):
    artifacts = PageArtifacts("u", "u", None, "", {}, error="TimeoutError: x")
    assert judge_checks(artifacts, catalogue) == ([], {})


def test_disabled_rules_do_not_run(catalogue):
    settings = CheckSettings(disabled=("https-hsts", "canonical-link"))
    _, outcomes = judge_checks(page(), catalogue, settings)
    assert "https-hsts" not in outcomes and "canonical-link" not in outcomes
    assert "brand-banner" in outcomes


def test_our_rules_never_move_the_accessibility_score(catalogue):
    clean = judge(page(), catalogue)
    broken = judge(
        page(chain(set_text(DENSE, DENSE), set_fact("reflow_320", WIDE | {"offenders": []}))),
        catalogue,
    )
    assert broken.rule_outcomes["reflow-320"] == "fail"
    assert broken.rule_outcomes["reading-grade"] == "fail"
    # Scoring v2: our rules score in their own dimensions, never in accessibility.
    for key in ("accessibility", "compliant"):
        assert broken.scores[key] == clean.scores[key]
    assert broken.scores["plain-language"] < clean.scores["plain-language"]
    assert broken.scores["mobile-bandwidth"] < clean.scores["mobile-bandwidth"]


def test_judge_uses_the_sites_thresholds(catalogue):
    artifacts = page(set_text(DENSE, DENSE))
    strict = judge(artifacts, catalogue)
    lenient = judge(
        artifacts, catalogue, CheckSettings(reading_grade_pass=30, reading_grade_warn=30)
    )
    assert "reading-grade" in {f.rule_id for f in strict.findings}
    assert "reading-grade" not in {f.rule_id for f in lenient.findings}
    assert lenient.rule_outcomes["reading-grade"] == "pass"


# --- readability and language detection on texts with known grades and languages --------------


def test_readability_of_known_texts():
    plain = readability(PLAIN)
    assert plain.grade <= 4 and plain.words >= 90
    assert plain.average_sentence_words < 10 and plain.long_sentence_share == 0
    dense = readability(DENSE)
    assert dense.grade >= 16
    assert dense.average_sentence_words > 20 and dense.long_sentence_share == 1.0
    # The classic: Flesch-Kincaid grade of "The cat sat on the mat." is below first grade.
    assert readability("The cat sat on the mat.").grade < 1


@pytest.mark.parametrize(
    ("text", "lang"),
    [(PLAIN, "en"), (DENSE, "en"), (SPANISH, "es"), (PORTUGUESE, "pt")],
)
def test_language_detection_of_known_texts(text, lang):
    detected, probability = detect_language(text)
    assert detected == lang and probability >= 0.95


def test_language_detection_without_words():
    assert detect_language(" … 123 ") == (None, 0.0) or detect_language(" … ")[0] is None


# --- settings from sites.toml ------------------------------------------------------------------


def test_check_option_names_agree_between_crawler_and_rules():
    assert set(CHECK_OPTIONS) == set(OPTION_NAMES)


def test_sites_toml_validation_reads_the_declared_options():
    """Each option is declared once, next to its check; sites.toml and CheckSettings use that."""
    from massaudit.rules.checks import plain_language
    from massaudit.rules.checks import settings as settings_module

    assert CHECK_OPTIONS is settings_module.CHECK_OPTIONS
    declared = {o.name: o for o in plain_language.OPTIONS}
    assert CHECK_OPTIONS["reading_grade_pass"] is declared["reading_grade_pass"]
    defaults = CheckSettings()
    for name, option in CHECK_OPTIONS.items():
        assert getattr(defaults, name) == option.default and option.doc
        if option.minimum is not None:
            below = option.minimum - 1
            with pytest.raises(SitesConfigError) as info:
                _parse(f"checks = {{ {name} = {below} }}\n")
            assert f"checks.{name}: must be at least {option.minimum:,}" in str(info.value)


def test_every_check_declares_the_facts_it_reads():
    """A check that reads facts["key"] lists "key" in reads=, so missing facts never reach it."""
    import ast
    import inspect
    import textwrap

    checks = {**registry().page, **registry().document}
    for rule_id, check in checks.items():
        tree = ast.parse(textwrap.dedent(inspect.getsource(check.function)))
        read = {
            node.slice.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute | ast.Name)
            and (getattr(node.value, "attr", None) or getattr(node.value, "id", None)) == "facts"
            and isinstance(node.slice, ast.Constant)
        }
        # Facts the check tests itself: `"title" not in facts` (doc-title and doc-language tell
        # an absent fact from a null one, "no title") or facts.get("scan_limit") (optional).
        guarded = {
            node.left.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Compare)
            and isinstance(node.left, ast.Constant)
            and isinstance(node.ops[0], ast.NotIn)
        } | {
            node.args[0].value
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        }
        unread = read - guarded - set(check.reads)
        assert not unread, f"{rule_id} reads {sorted(unread)} without declaring it"


@pytest.mark.parametrize(
    "rule_id", sorted(rule_id for rule_id, c in registry().page.items() if c.reads)
)
@pytest.mark.parametrize("missing", ["absent", "null"])
def test_a_missing_fact_makes_the_check_inapplicable(catalogue, rule_id, missing):
    check = registry().page[rule_id]
    for key in check.reads:
        data = load_clean()
        if missing == "absent":
            del data["facts"][key]
        else:
            data["facts"][key] = None
        artifacts = PageArtifacts.from_dict(data)
        result = check(artifacts, CheckSettings(expected_languages=("es",)))
        assert result.outcome == "inapplicable" and key in result.note
        assert judge_checks(artifacts, catalogue)[1][rule_id] == "inapplicable"


SITES = """
[checks]
reading_grade_pass = 7
[[agency]]
id = "a"
name = "A"
[[site]]
id = "s"
agency = "a"
name = "S"
start_urls = ["https://www.mass.gov/"]
allowed_hosts = ["www.mass.gov"]
"""


def _parse(extra_site: str = "", extra_top: str = ""):
    import tomllib

    return parse_sites(tomllib.loads(extra_top + SITES + extra_site), "sites.toml")


def test_site_checks_override_global_checks():
    sites = _parse('checks = { reading_grade_warn = 9, expected_languages = ["es", "pt"] }\n')
    assert sites.sites[0].checks == {
        "reading_grade_pass": 7,
        "reading_grade_warn": 9,
        "expected_languages": ["es", "pt"],
    }
    settings = check_settings(sites.to_dict())["s"]
    assert settings == CheckSettings(
        reading_grade_pass=7, reading_grade_warn=9, expected_languages=("es", "pt")
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "checks = { reading_grade = 6 }",
            "site[0] (s).checks.reading_grade: unknown check option",
        ),
        (
            'checks = { reading_grade_pass = "6" }',
            "checks.reading_grade_pass: must be a number, got str",
        ),
        (
            "checks = { max_sentence_words = 0 }",
            "checks.max_sentence_words: must be at least 1, got 0",
        ),
        ('checks = { expected_languages = ["Spanish"] }', "'Spanish' is not a language tag"),
        ("checks = { disabled = [3] }", "checks.disabled[0]: must be a non-empty string"),
        (
            "checks = { reading_grade_warn = 5 }",
            "reading_grade_warn: must not be below reading_grade_pass",
        ),
        ("checks = 3", "site[0].checks: must be a table, got int"),
    ],
)
def test_bad_check_options_are_refused_in_one_line(line, message):
    with pytest.raises(SitesConfigError) as info:
        _parse(line + "\n")
    assert message in str(info.value) and "\n" not in str(info.value)
    assert str(info.value).startswith("sites.toml: ")


def test_unknown_disabled_rule_is_refused(catalogue):
    from massaudit.pipeline.site_level import check_disabled_rules

    sites = _parse('checks = { disabled = ["no-such-rule"] }\n')
    with pytest.raises(SitesConfigError, match=r"checks.disabled\[0\]: 'no-such-rule' is not"):
        check_disabled_rules(sites, catalogue)
    check_disabled_rules(_parse('checks = { disabled = ["https-hsts"] }\n'), catalogue)


def test_fixture_copy_is_not_shared():
    first = load_clean()
    second = copy.deepcopy(first)
    first["facts"]["links"].clear()
    assert load_clean()["facts"]["links"] == second["facts"]["links"]
