"""The rule catalogue: real data loads and maps correctly; broken data is refused in one line."""

from __future__ import annotations

import ast
import dataclasses
import json
import re
import shutil
import sys
from collections import Counter
from pathlib import Path

import pytest

from massaudit.rules import catalogue as cat
from massaudit.rules.catalogue import (
    LEVEL_EXCEPTIONS,
    CatalogueError,
    level_from_tags,
    load_catalogue,
    rule_from_axe,
    validate_catalogue,
    wcag_from_tags,
)

RULES_DIR = Path(cat.__file__).parent
AXE_LABEL = "rules/data/axe-rules.json"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture()
def data_copy(tmp_path):
    """A writable copy of rules/data for tests that break a file."""
    target = tmp_path / "data"
    shutil.copytree(cat.DATA_DIR, target)
    return target


# --- the real catalogue ------------------------------------------------------------------------


def test_real_catalogue_loads(catalogue):
    from massaudit.audits.axe import AXE_VERSION

    assert len(catalogue.rules) >= 90
    assert catalogue.axe_version == AXE_VERSION == "4.14.1"
    assert re.fullmatch(r"1\+axe4\.14\.1\+[0-9a-f]{12}", catalogue.version)
    assert load_catalogue() is catalogue  # cached
    assert list(catalogue.rules) == sorted(catalogue.rules)
    axe = [r for r in catalogue.rules.values() if r.source == "axe"]
    ours = [r for r in catalogue.rules.values() if r.source == "massaudit"]
    assert len(axe) + len(ours) == len(catalogue.rules) and len(ours) >= 20
    assert all(rule.category == "accessibility" for rule in axe)
    # Our rules live in their own categories, so they never move the accessibility score.
    assert all(rule.category != "accessibility" for rule in ours)
    assert all(rule.why and rule.how_to_fix and rule.description for rule in ours)


def test_wcag_criteria(catalogue):
    criteria = catalogue.criteria
    current = [sc for sc in criteria.values() if sc.removed is None]
    assert len(current) == 86
    assert Counter(sc.level for sc in current) == {"A": 31, "AA": 24, "AAA": 31}
    assert Counter(sc.version for sc in current) == {"2.0": 60, "2.1": 17, "2.2": 9}
    parsing = catalogue.sc("4.1.1")
    assert (parsing.title, parsing.level, parsing.removed) == ("Parsing", "A", "2.2")
    reflow = catalogue.sc("1.4.10")
    assert (reflow.title, reflow.level, reflow.version) == ("Reflow", "AA", "2.1")
    assert reflow.understanding_url == "https://www.w3.org/WAI/WCAG22/Understanding/reflow"
    assert catalogue.sc("1.1.1").understanding_url.endswith("/Understanding/non-text-content")
    new_in_22 = {n for n, sc in criteria.items() if sc.version == "2.2"}
    assert new_in_22 == {
        "2.4.11", "2.4.12", "2.4.13", "2.5.7", "2.5.8", "3.2.6", "3.3.7", "3.3.8", "3.3.9"
    }  # fmt: skip
    with pytest.raises(KeyError, match="1.4.99"):
        catalogue.sc("1.4.99")


def test_categories_and_weights(catalogue):
    assert catalogue.categories["accessibility"].title == "Accessibility (WCAG 2.1 A/AA)"
    assert set(catalogue.categories) == {
        "accessibility",
        "plain-language",
        "language-access",
        "mobile-bandwidth",
        "digital-service",
        "documents",
    }
    assert catalogue.impact_weights == {"critical": 10, "serious": 7, "moderate": 3, "minor": 1}
    for rule in catalogue.rules.values():
        assert rule.weight == catalogue.impact_weights[rule.impact]


@pytest.mark.parametrize(
    ("rule_id", "wcag", "level", "version"),
    [
        ("image-alt", ("1.1.1",), "A", "2.0"),
        ("color-contrast", ("1.4.3",), "AA", "2.0"),
        ("meta-viewport", ("1.4.4",), "AA", "2.0"),
        ("link-name", ("2.4.4", "4.1.2"), "A", "2.0"),
        ("autocomplete-valid", ("1.3.5",), "AA", "2.1"),
        ("target-size", ("2.5.8",), "AA", "2.2"),
        ("duplicate-id", ("4.1.1",), "A", "2.0"),  # tagged wcag2a-obsolete
        ("scrollable-region-focusable", ("2.1.1", "2.1.3"), "A", "2.0"),
        ("region", (), None, None),
        ("heading-order", (), None, None),
    ],
)
def test_known_mappings(catalogue, rule_id, wcag, level, version):
    rule = catalogue.get(rule_id)
    assert (rule.wcag, rule.level, rule.wcag_version) == (wcag, level, version)


def test_axe_rule_details(catalogue):
    image_alt = catalogue.get("image-alt")
    assert image_alt.title == "Images must have alternative text"
    assert image_alt.impact == "critical" and image_alt.weight == 10
    assert image_alt.help_url.startswith("https://dequeuniversity.com/rules/axe/4.14/image-alt")
    assert "best-practice" in catalogue.get("region").tags
    assert catalogue.get("region").enabled_by_default is True
    # Off unless asked for: disabled in axe (target-size) or experimental/deprecated.
    for rule_id in ("target-size", "css-orientation-lock", "duplicate-id", "audio-caption"):
        assert catalogue.get(rule_id).enabled_by_default is False
    assert catalogue.get("no-such-rule") is None


def test_axe_rules_json_is_sorted_and_complete():
    data = json.loads((cat.DATA_DIR / cat.AXE_FILE).read_text())
    ids = [r["id"] for r in data["rules"]]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    for record in data["rules"]:
        assert record["impact"] in ("critical", "serious", "moderate", "minor"), record["id"]
        assert record["title"] and record["help_url"], record["id"]


# --- the adapter -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["wcag111"], ("1.1.1",)),
        (["wcag1410"], ("1.4.10",)),
        (["wcag2411"], ("2.4.11",)),
        (["wcag412", "wcag244", "wcag2a", "best-practice", "EN-9.4.1.2"], ("2.4.4", "4.1.2")),
        (["wcag2a", "wcag21aa", "cat.color"], ()),
    ],
)
def test_wcag_from_tags(tags, expected):
    assert wcag_from_tags(tags) == expected


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["wcag2a"], ("A", "2.0")),
        (["wcag2aa"], ("AA", "2.0")),
        (["wcag2aaa"], ("AAA", "2.0")),
        (["wcag21a"], ("A", "2.1")),
        (["wcag21aa"], ("AA", "2.1")),
        (["wcag22aa"], ("AA", "2.2")),
        (["wcag2a-obsolete"], ("A", "2.0")),
        (["wcag2aa", "wcag21a"], ("A", "2.1")),
        (["best-practice"], (None, None)),
    ],
)
def test_level_from_tags(tags, expected):
    assert level_from_tags(tags) == expected


def test_adapter_builds_rule():
    rule = rule_from_axe(
        {
            "id": "x",
            "title": "X must be y",
            "description": "Ensure x",
            "help_url": "https://example.test/x",
            "tags": ["wcag21aa", "wcag1410"],
            "impact": "serious",
            "enabled_by_default": False,
        },
        {"serious": 7},
    )
    assert (rule.id, rule.source, rule.category) == ("x", "axe", "accessibility")
    assert (rule.title, rule.help, rule.description) == ("X must be y", "X must be y", "Ensure x")
    assert (rule.wcag, rule.level, rule.wcag_version) == (("1.4.10",), "AA", "2.1")
    assert (rule.impact, rule.weight, rule.enabled_by_default) == ("serious", 7.0, False)


# --- validation --------------------------------------------------------------------------------


def _real_parts():
    catalogue = load_catalogue()
    return list(catalogue.rules.values()), catalogue.criteria, catalogue.categories


def _refused(rules, match, **kwargs):
    _, criteria, categories = _real_parts()
    with pytest.raises(CatalogueError) as info:
        validate_catalogue({AXE_LABEL: rules}, criteria, categories, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(AXE_LABEL + ": ")
    assert re.search(match, message), message
    return message


def _with(rule_id, **changes):
    rules, _, _ = _real_parts()
    return [dataclasses.replace(r, **changes) if r.id == rule_id else r for r in rules]


def test_validation_accepts_real_rules():
    rules, criteria, categories = _real_parts()
    validate_catalogue({AXE_LABEL: rules}, criteria, categories)


def test_rejects_duplicate_ids():
    rules, _, _ = _real_parts()
    _refused(rules + [rules[0]], rf"rule '{rules[0].id}': duplicate id")


def test_rejects_duplicate_ids_across_files():
    rules, criteria, categories = _real_parts()
    with pytest.raises(CatalogueError, match=r"^rules/data/own\.toml: rule 'image-alt': dup"):
        validate_catalogue(
            {AXE_LABEL: rules, "rules/data/own.toml": [r for r in rules if r.id == "image-alt"]},
            criteria,
            categories,
        )


def test_rejects_unknown_sc():
    _refused(_with("image-alt", wcag=("1.1.9",)), r"rule 'image-alt': 1\.1\.9 is not a WCAG")


def test_rejects_level_mismatch():
    _refused(
        _with("color-contrast", level="A"),
        r"rule 'color-contrast': level A does not match SC 1\.4\.3 .* level AA",
    )


def test_rejects_level_mismatch_in_any_of_several_scs():
    _refused(
        _with("link-name", wcag=("2.4.4", "2.4.5")),
        r"rule 'link-name': level A does not match SC 2\.4\.5",
    )


def test_axe_inconsistency_needs_its_exception():
    # axe 4.14.1 really tags scrollable-region-focusable wcag2a with 2.1.3 (AAA): without the
    # documented exception the real data is refused.
    rules, _, _ = _real_parts()
    _refused(
        rules,
        r"rule 'scrollable-region-focusable': level A does not match SC 2\.1\.3",
        level_exceptions={},
    )


def test_rejects_stale_exception():
    message = _refused(
        _with("scrollable-region-focusable", wcag=("2.1.1",)),
        r"rule 'scrollable-region-focusable': level exception for SC 2\.1\.3 is no longer needed",
    )
    assert "LEVEL_EXCEPTIONS" in message
    assert ("scrollable-region-focusable", "2.1.3") in LEVEL_EXCEPTIONS


def test_rejects_wrong_wcag_version():
    _refused(_with("target-size", wcag_version="2.1"), r"rule 'target-size': WCAG version 2\.1")


def test_rejects_sc_without_level_and_level_without_sc():
    _refused(
        _with("region", wcag=("2.4.1",)), r"rule 'region': maps to SC 2\.4\.1 but has no level"
    )
    _refused(_with("region", level="A"), r"rule 'region': has level A but no success criterion")


def test_rejects_unknown_category():
    _refused(_with("image-alt", category="seo"), r"rule 'image-alt': unknown category 'seo'")


def test_rejects_bad_impact():
    _refused(_with("image-alt", impact="blocker"), r"rule 'image-alt': impact 'blocker' is not")


@pytest.mark.parametrize("weight", [0, -1.5, "10", None])
def test_rejects_non_positive_weight(weight):
    _refused(_with("image-alt", weight=weight), r"rule 'image-alt': weight .* must be a number > 0")


# --- broken data files -------------------------------------------------------------------------


def _edit_json(path, edit):
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))


def _load_error(directory) -> str:
    with pytest.raises(CatalogueError) as info:
        load_catalogue(directory)
    assert "\n" not in str(info.value)
    return str(info.value)


def test_file_with_bad_tag_is_refused(data_copy):
    def edit(data):
        rule = next(r for r in data["rules"] if r["id"] == "image-alt")
        rule["tags"].append("wcag119")

    _edit_json(data_copy / "axe-rules.json", edit)
    expected = "rule 'image-alt': 1.1.9 is not a WCAG success criterion"
    assert _load_error(data_copy) == f"{data_copy / 'axe-rules.json'}: {expected}"


def test_file_with_missing_field_is_refused(data_copy):
    _edit_json(data_copy / "axe-rules.json", lambda d: d["rules"][3].pop("impact"))
    assert re.search(r"axe-rules\.json: rule '[a-z-]+': malformed record", _load_error(data_copy))


def test_file_with_bad_impact_is_refused(data_copy):
    _edit_json(data_copy / "axe-rules.json", lambda d: d["rules"][0].update(impact="severe"))
    assert "rule 'accesskeys': impact 'severe' is not one of" in _load_error(data_copy)


def test_wcag_file_with_duplicate_sc_is_refused(data_copy):
    path = data_copy / "wcag.toml"
    text = path.read_text()
    line = next(ln for ln in text.splitlines() if '"1.4.10"' in ln)
    path.write_text(text.replace(line, line + "\n" + line))
    assert _load_error(data_copy) == f"{path}: SC 1.4.10: listed twice"


def test_categories_file_with_zero_weight_is_refused(data_copy):
    path = data_copy / "categories.toml"
    path.write_text(path.read_text().replace("minor = 1", "minor = 0"))
    assert _load_error(data_copy) == f"{path}: impact_weights: weight of 'minor' must be > 0"


def test_invalid_toml_is_refused(data_copy):
    (data_copy / "categories.toml").write_text("[categories\n")
    assert "categories.toml: not valid TOML" in _load_error(data_copy)


def test_version_follows_data(data_copy):
    original = load_catalogue().version
    copy = load_catalogue(data_copy)
    assert copy.version == original
    path = data_copy / "categories.toml"
    path.write_text(path.read_text() + "\n# edited\n")
    load_catalogue.cache_clear()
    try:
        assert load_catalogue(data_copy).version != original
    finally:
        load_catalogue.cache_clear()


# --- the package boundary ----------------------------------------------------------------------


# Pure text libraries the checks use (readability, offline language detection); no I/O.
TEXT_LIBRARIES = {"textstat", "py3langid"}


def test_rules_package_imports_only_stdlib_and_itself():
    allowed = set(sys.stdlib_module_names) | TEXT_LIBRARIES
    for path in sorted(RULES_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [] if node.level else [node.module or ""]
            else:
                continue
            for name in names:
                ours = name == "massaudit.rules" or name.startswith("massaudit.rules.")
                assert ours or name.split(".")[0] in allowed, f"{path.name} imports {name}"


# --- massaudit's own rules (rules/data/massaudit-rules.toml) ----------------------------------


def test_massaudit_rule_takes_level_and_version_from_its_sc(catalogue):
    reflow = catalogue.rules["reflow-320"]
    assert (reflow.source, reflow.category) == ("massaudit", "mobile-bandwidth")
    assert (reflow.wcag, reflow.level, reflow.wcag_version) == (("1.4.10",), "AA", "2.1")
    assert reflow.help_url.endswith("/Understanding/reflow")
    target = catalogue.rules["target-size-320"]
    assert (target.wcag, target.level, target.wcag_version) == (("2.5.8",), "AA", "2.2")
    assert catalogue.rules["reading-grade"].wcag == ()


def _edit_ours(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_massaudit_rule_with_unknown_category_is_refused(data_copy):
    path = data_copy / "massaudit-rules.toml"
    _edit_ours(path, 'category = "plain-language"', 'category = "plainness"')
    assert _load_error(data_copy).startswith(
        f"{path}: rule 'reading-grade': unknown category 'plainness'"
    )


def test_massaudit_rule_with_fake_sc_is_refused(data_copy):
    path = data_copy / "massaudit-rules.toml"
    _edit_ours(path, 'wcag = ["1.4.10"]', 'wcag = ["1.4.99"]')
    assert _load_error(data_copy) == (
        f"{path}: rule 'reflow-320': 1.4.99 is not a WCAG success criterion"
    )


def test_massaudit_rule_with_wrong_level_is_refused(data_copy):
    path = data_copy / "massaudit-rules.toml"
    _edit_ours(path, 'wcag = ["1.4.10"]', 'wcag = ["1.4.10"]\nlevel = "A"')
    assert "rule 'reflow-320': level A does not match SC 1.4.10" in _load_error(data_copy)


def test_massaudit_rule_missing_why_or_duplicate_id_is_refused(data_copy):
    path = data_copy / "massaudit-rules.toml"
    _edit_ours(path, 'id = "sentence-length"', 'id = "reading-grade"')
    assert "rule 'reading-grade': duplicate id" in _load_error(data_copy)
    shutil.copy(cat.DATA_DIR / "massaudit-rules.toml", path)
    _edit_ours(path, "why = ", "whyy = ")
    assert _load_error(data_copy) == f"{path}: rule 'reading-grade': unknown key 'whyy'"


# --- the ADA Title II compliance date (rules/data/title-ii.toml) -------------------------------


def test_compliance_date_is_read_from_the_data_file():
    from massaudit.crawler.sites import Site
    from massaudit.rules.checks.document_rules import DEFAULT_COMPLIANCE_DATE, load_compliance_date

    assert load_compliance_date() == DEFAULT_COMPLIANCE_DATE == "2027-04-26"
    site = Site(id="s", agency="a", name="S", start_urls=(), allowed_hosts=())
    assert site.document_compliance_date == DEFAULT_COMPLIANCE_DATE


def test_compliance_date_is_written_once_in_the_code():
    root = RULES_DIR.parent
    folders = ("rules", "crawler", "audits", "store", "reports", "pipeline", "massaudit")
    writers = [
        str(path.relative_to(root))
        for folder in folders
        for path in sorted((root / folder).rglob("*.py"))
        if DATE in path.read_text(encoding="utf-8")
    ]
    assert writers == []
    assert DATE in (cat.DATA_DIR / "title-ii.toml").read_text()


DATE = "2027" + "-04-26"  # split, so this file does not count as a writer


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('document_compliance_date = "2027-04-26"', "must be a date (YYYY-MM-DD, no quotes)"),
        ("document_compliance_date = 2027-04-26T00:00:00", "must be a date"),
        ("", "must be a date"),
        ("document_compliance_date = 2027-04-26\nextra = 1", "unknown key 'extra'"),
        ("document_compliance_date = ", "not valid TOML"),
    ],
)
def test_broken_compliance_date_is_refused(tmp_path, content, problem):
    from massaudit.rules.checks.document_rules import load_compliance_date

    path = tmp_path / "title-ii.toml"
    path.write_text(content + "\n")
    with pytest.raises(CatalogueError) as info:
        load_compliance_date(tmp_path)
    assert str(info.value).startswith(f"{path}: ") and problem in str(info.value)
    assert "\n" not in str(info.value)
