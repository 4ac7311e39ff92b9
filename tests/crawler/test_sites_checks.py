"""The [checks] options of sites.toml (crawler/sites.py): validation reads the options each
check declares next to itself (rules/checks/), and a bad option is refused in one line."""

from __future__ import annotations

import pytest
from sites_examples import parse_with_checks as _parse

from massaudit.crawler.sites import SitesConfigError
from massaudit.crawler.sites_validation import CHECK_OPTIONS
from massaudit.rules.checks.settings import OPTION_NAMES, CheckSettings


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
