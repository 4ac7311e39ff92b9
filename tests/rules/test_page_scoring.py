"""Page scoring (rules/scoring.py) as pure functions of rule outcomes: the worked examples of
docs/scoring.md for single pages, and the score dimensions read from rules/data/scoring.toml."""

from __future__ import annotations

import re
import shutil

import pytest
from repo_paths import REPO
from scoring_examples import PAGE_P, PAGE_Q

from massaudit.reports.scoring import grade
from massaudit.rules.catalogue import load_catalogue
from massaudit.rules.model import PageArtifacts
from massaudit.rules.outcomes import rule_outcomes
from massaudit.rules.scoring import DIMENSION_IDS, SCORING_VERSION, page_scores


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_version_is_three():
    assert SCORING_VERSION == "3"


def test_impacts_and_categories_used_by_the_worked_example(catalogue):
    table = {r: (catalogue.rules[r].impact, catalogue.rules[r].category) for r in PAGE_P}
    assert table == {
        "image-alt": ("critical", "accessibility"),
        "color-contrast": ("serious", "accessibility"),
        "label": ("critical", "accessibility"),
        "link-name": ("serious", "accessibility"),
        "html-has-lang": ("serious", "accessibility"),
        "document-title": ("serious", "accessibility"),
        "video-caption": ("critical", "accessibility"),
        "region": ("moderate", "accessibility"),
        "reading-grade": ("moderate", "plain-language"),
        "generic-link-text": ("moderate", "plain-language"),
        "sentence-length": ("minor", "plain-language"),
        "alt-text-quality": ("moderate", "plain-language"),
        "page-language-matches": ("serious", "language-access"),
        "passage-lang": ("moderate", "language-access"),
        "machine-translation-only": ("moderate", "language-access"),
        "viewport-zoom": ("serious", "mobile-bandwidth"),
        "reflow-320": ("serious", "mobile-bandwidth"),
        "page-weight": ("moderate", "mobile-bandwidth"),
        "brand-banner": ("minor", "digital-service"),
        "required-links": ("moderate", "digital-service"),
        "feedback": ("minor", "digital-service"),
    }
    assert catalogue.rules["region"].wcag == ()
    assert {r: catalogue.rules[r].weight for r in ("image-alt", "color-contrast")} == {
        "image-alt": 10,
        "color-contrast": 7,
    }


def test_worked_example_page_p(catalogue):
    assert page_scores(PAGE_P, catalogue) == {
        "accessibility": 75.6,
        "plain-language": 70.0,
        "language-access": 100.0,
        "mobile-bandwidth": 58.8,
        "digital-service": 80.0,
        "documents": None,
        "equity": 76.6,
        "compliant": False,
        "review": {"accessibility": 1, "language-access": 1},
    }
    assert grade(75.6) == "C" and grade(76.6) == "C"
    assert grade(76.6, False) == "D"  # image-alt, a critical WCAG failure, fails on the page


def test_worked_example_page_q(catalogue):
    scores = page_scores(PAGE_Q, catalogue)
    assert scores["accessibility"] == 79.4
    assert scores["plain-language"] == 100.0
    assert scores["language-access"] is None  # no language check applied: no credit
    assert scores["mobile-bandwidth"] == 100.0
    assert scores["digital-service"] == 25.0
    assert scores["equity"] == 77.1
    assert scores["compliant"] is False


def test_checks_that_do_not_apply_give_no_credit(catalogue):
    only_na = {"video-caption": "inapplicable", "document-title": "needs-review", "region": "pass"}
    scores = page_scores(only_na, catalogue)
    assert all(scores[dim] is None for dim in DIMENSION_IDS)
    assert scores["equity"] is None and scores["compliant"] is None
    assert scores["review"] == {"accessibility": 1}
    scores = page_scores({"image-alt": "pass"}, catalogue)
    assert (scores["accessibility"], scores["equity"], scores["compliant"]) == (100.0, 100.0, True)


def test_moderate_failure_keeps_page_compliant(catalogue):
    scores = page_scores({"image-alt": "pass", "heading-order": "fail"}, catalogue)
    assert scores["compliant"] is True  # heading-order is best practice: not scored at all
    assert scores["accessibility"] == 100.0


def test_wcag22_only_rules_do_not_count_for_accessibility(catalogue):
    wcag22 = [
        r
        for r in catalogue.rules.values()
        if r.category == "accessibility" and r.wcag and r.wcag_version == "2.2"
    ]
    for rule in wcag22:
        assert page_scores({rule.id: "fail"}, catalogue)["accessibility"] is None


def test_rule_outcomes_worst_bucket_wins():
    artifacts = PageArtifacts(
        url="u",
        final_url="u",
        status=200,
        title="t",
        axe={
            "violations": [{"id": "image-alt"}],
            "incomplete": [{"id": "image-alt"}, {"id": "color-contrast"}],
            "passes": [{"id": "color-contrast"}, {"id": "label"}],
            "inapplicable": [{"id": "video-caption"}],
        },
    )
    assert rule_outcomes(artifacts) == {
        "color-contrast": "needs-review",
        "image-alt": "fail",
        "label": "pass",
        "video-caption": "inapplicable",
    }
    failed = PageArtifacts("u", "u", None, "", {}, error="TimeoutError: x")
    assert rule_outcomes(failed) == {}


# --- the dimensions are data (rules/data/scoring.toml) -----------------------------------------


DOCS = REPO / "docs" / "scoring.md"


def test_docs_weight_table_matches_the_data_file():
    """docs/scoring.md's dimension table lists the ids and weights of rules/data/scoring.toml."""
    from massaudit.rules.scoring import load_dimensions

    rows = re.findall(r"^\| `([a-z-]+)` \| .* \| (\d+(?:\.\d+)?) \|$", DOCS.read_text(), re.M)
    assert rows, "docs/scoring.md has no dimension table"
    assert [(d, float(w)) for d, w in rows] == [(d.id, float(d.weight)) for d in load_dimensions()]


def test_dimensions_are_read_from_the_data_file():
    from massaudit.rules.scoring import DIMENSIONS, load_dimensions

    assert load_dimensions() == DIMENSIONS
    assert [(d.id, d.weight, d.wcag_only) for d in DIMENSIONS] == [
        ("accessibility", 40, True),
        ("plain-language", 15, False),
        ("language-access", 15, False),
        ("mobile-bandwidth", 15, False),
        ("digital-service", 15, False),
        ("documents", 15, False),
    ]


def test_docs_grade_table_matches_the_data_file():
    """docs/scoring.md's grade table lists the letters and minimums of rules/data/scoring.toml."""
    from massaudit.rules.scoring import load_grades

    rows = re.findall(r"^\| ([A-Z]) \| (\d+) or more \| (\d+) %", DOCS.read_text(), re.M)
    assert rows, "docs/scoring.md has no grade table"
    assert [(g, float(s), float(c)) for g, s, c in rows] == [
        (g.letter, float(g.min_score), float(g.min_compliant)) for g in load_grades()
    ]


@pytest.fixture()
def scoring_data(tmp_path):
    from massaudit.rules.data_files import DATA_DIR

    for name in ("categories.toml", "scoring.toml"):
        shutil.copy(DATA_DIR / name, tmp_path / name)
    return tmp_path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("weight = 40", "weight = 0", "dimension 'accessibility': weight 0 must be a number > 0"),
        ("weight = 40", 'weight = "40"', "dimension 'accessibility': weight '40' must be"),
        (
            'categories = ["documents"]',
            'categories = ["paperwork"]',
            "dimension 'documents': unknown category 'paperwork'",
        ),
        (
            'categories = ["documents"]',
            'categories = ["plain-language"]',
            "category 'plain-language' is already scored by 'plain-language'",
        ),
        ('id = "documents"', 'id = "plain-language"', "dimension 'plain-language': id is already"),
        ('id = "documents"', 'id = "equity"', "dimension 'equity': id is already taken"),
        ("wcag_only = true", "wcag_only = 1", "wcag_only must be true or false"),
        ("wcag_only = true", "wcag-only = true", "unknown key 'wcag-only'"),
        ('id = "accessibility"', 'id = "a11y"', "no dimension 'accessibility'"),
        ('letter = "B"', 'letter = "A"', "grade 'A': letter is already taken"),
        ('letter = "B"', 'letter = "b+"', "grade 'b+': letter must be one capital letter"),
        ("min_compliant = 50", "min_compliant = 95", "grade 'B': min_compliant must not be"),
        ("min_score = 80", "min_score = 101", "grade 'B': min_score 101 must be a number from"),
        ("min_score = 80", "min-score = 80", "grade 'B': unknown key 'min-score'"),
        ('letter = "F"\nmin_score = 0', 'letter = "F"\nmin_score = 10', "the last grade must"),
    ],
)
def test_broken_scoring_data_is_refused_in_one_line(scoring_data, old, new, message):
    from massaudit.rules.data_files import CatalogueError
    from massaudit.rules.scoring import load_dimensions, load_grades

    path = scoring_data / "scoring.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(CatalogueError) as info:
        load_dimensions(scoring_data)
        load_grades(scoring_data)
    assert message in str(info.value) and "\n" not in str(info.value)
    assert str(info.value).startswith(f"{path}: ")
