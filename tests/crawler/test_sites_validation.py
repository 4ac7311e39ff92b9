"""The table checks of sites.toml, each raising the caller's one-line error."""

from __future__ import annotations

import pytest

from massaudit.crawler.sites_validation import check_range, check_table, check_unique, check_url


class Problem(Exception):
    pass


def fail(key_path: str, problem: str) -> Problem:
    return Problem(f"{key_path}: {problem}")


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1, 61])
def test_a_number_outside_its_range_or_not_finite_names_the_range(value):
    with pytest.raises(Problem, match=r"site\.download_delay: must be at least 0 and at most 60"):
        check_range(value, 0, 60, "site.download_delay", fail)


def test_a_number_inside_its_range_passes():
    check_range(0.5, 0, 60, "site.download_delay", fail)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://user:secret@example.org/", "user name or password"),
        ("ftp://example.org/", "not an absolute http"),
        ("/relative", "not an absolute http"),
        ("https://example.org:99999/", "bad port"),
    ],
)
def test_bad_urls_are_named(url, problem):
    with pytest.raises(Problem, match=problem):
        check_url(url, "site.start_urls[0]", fail)


def test_unknown_missing_and_wrongly_typed_keys():
    spec = {"id": (str, True), "max_pages": (int, False)}
    with pytest.raises(Problem, match=r"t\.color: unknown key; allowed: id, max_pages"):
        check_table({"id": "a", "color": "red"}, spec, "t", fail)
    with pytest.raises(Problem, match=r"t\.id: missing required key"):
        check_table({}, spec, "t", fail)
    with pytest.raises(Problem, match=r"t\.max_pages: must be an integer, got bool"):
        check_table({"id": "a", "max_pages": True}, spec, "t", fail)


def test_duplicate_ids_point_at_the_second():
    with pytest.raises(Problem, match=r"site\[2\]\.id: duplicate id 'a'"):
        check_unique(["a", "b", "a"], "site", fail)
