"""The rule catalogue: real data loads and maps correctly; broken data is refused in one line."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter

import pytest

from massaudit.rules import catalogue as cat
from massaudit.rules.catalogue import (
    CatalogueError,
    load_catalogue,
)


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
        "keyboard",
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
