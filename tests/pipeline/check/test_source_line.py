"""Source lines of `massaudit check` findings (pipeline/check/source_line.py): a second copy of
the same element is reported at its own line, never at the first copy's."""

from __future__ import annotations

from massaudit.pipeline.check.source_line import find_line, source_lines
from massaudit.rules.model import Finding

# Two copies of one element, on lines 8 and 10 (a copy pasted below a known problem).
SOURCE = "\n".join(
    [
        "<!doctype html>",
        "<html lang=en>",
        "<head><title>t</title></head>",
        "<body>",
        "<main>",
        "<h1>Parks</h1>",
        '<p>Intro <img alt="ok" src="b.png"></p>',
        '<img src="a.png">',
        "<p>More</p>",
        '<img src="a.png">',
        "</main>",
        "</body>",
    ]
)


def finding(rule_id: str, selector: str, html: str) -> Finding:
    return Finding(rule_id, "accessibility", "fail", "critical", selector, html, ("1.1.1",))


def test_the_nth_copy_of_a_snippet_is_on_the_nth_matching_line():
    assert find_line(SOURCE, '<img src="a.png">') == 8
    assert find_line(SOURCE, '<img src="a.png">', occurrence=1) == 10
    assert find_line(SOURCE, '<img src="a.png">', occurrence=2) is None  # no third copy
    # Not written as in the source (the browser's serialisation): matched by attributes.
    assert find_line(SOURCE, "<img src='a.png'>", occurrence=1) == 10


def test_source_lines_count_copies_per_rule_in_document_order():
    findings = [  # as judged: sorted by selector text, so position 10 comes before 8
        finding("image-alt", "main > img:nth-child(10)", '<img src="a.png">'),
        finding("image-alt", "main > img:nth-child(8)", '<img src="a.png">'),
        finding("image-redundant-alt", "main > img:nth-child(8)", '<img src="a.png">'),
        finding("image-alt", "main > p > img", '<img alt="ok" src="b.png">'),
    ]
    assert source_lines(SOURCE, findings) == [10, 8, 8, 7]
    assert source_lines(None, findings) == [None] * 4
