"""Site-level settings for judging (pipeline/site_level.py): a site's [checks] override the global
ones, and a disabled rule must exist in the catalogue."""

from __future__ import annotations

import pytest
from sites_examples import parse_with_checks as _parse

from massaudit.crawler.sites import SitesConfigError
from massaudit.pipeline.site_level import check_settings
from massaudit.rules.catalogue import load_catalogue
from massaudit.rules.checks.settings import CheckSettings


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


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


def test_unknown_disabled_rule_is_refused(catalogue):
    from massaudit.pipeline.site_level import check_disabled_rules

    sites = _parse('checks = { disabled = ["no-such-rule"] }\n')
    with pytest.raises(SitesConfigError, match=r"checks.disabled\[0\]: 'no-such-rule' is not"):
        check_disabled_rules(sites, catalogue)
    check_disabled_rules(_parse('checks = { disabled = ["https-hsts"] }\n'), catalogue)
