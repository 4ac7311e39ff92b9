"""Readability and language detection (rules/checks/text.py) on texts with known grades and
languages."""

from __future__ import annotations

import pytest
from check_fixtures import DENSE, PLAIN, PORTUGUESE, SPANISH

from massaudit.rules.checks.text import detect_language, readability


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
