"""Catalogue validation (rules/catalogue_validation.py): the real rules pass; each inconsistency
is refused in one line naming the file and the rule."""

from __future__ import annotations

import dataclasses
import re

import pytest

from massaudit.rules.catalogue import (
    LEVEL_EXCEPTIONS,
    CatalogueError,
    load_catalogue,
    validate_catalogue,
)

AXE_LABEL = "rules/data/axe-rules.json"


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
