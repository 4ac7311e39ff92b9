"""What a file name or a message says cannot act in the CI reports of `massaudit check`: JUnit
stays parsable XML, JSON and SARIF are safe to inline in HTML, and Markdown shows file names as
text (no links, images, emphasis, HTML or mentions)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from integration_helpers import massaudit

from massaudit.reports.ci import CheckedFinding, CheckedPage, CheckReport, render
from massaudit.rules.model import Finding

HOSTILE_FILE = "x\x01[a](http://e)@team*b*.html"  # a page key or URL may hold a "/"


HOSTILE_FILE_NAME = "x\x01![i](e.png)[a](e.html)@team*b*.html"  # a file name cannot


def hostile_report() -> CheckReport:
    finding = Finding(
        rule_id="image-alt",
        category="images",
        outcome="fail",
        impact="critical",
        wcag="1.1.1",
        selector="img[alt='\x02x']",
        html='<img src="\x1b[31m.png">',
        message="Fix \x0b it: ![i](http://e/i.png) <img src=x onerror=alert(1)> @org/team",
    )
    page = CheckedPage(
        key=HOSTILE_FILE,
        url=f"http://127.0.0.1/{HOSTILE_FILE}",
        kind="file",
        source=HOSTILE_FILE,
        title="\x07title",
        findings=[CheckedFinding(finding, "f" * 16, "new", blocking=True, line=3)],
        rule_outcomes={"image-alt": "fail"},
    )
    broken = CheckedPage(
        key="y\x1f<b>**bold**</b>.html", url="http://127.0.0.1/y", kind="file", error="HTTP 404"
    )
    return CheckReport(pages=[page, broken], rules={}, exit_code=1)


def test_junit_is_parsable_whatever_the_file_names_and_messages_hold():
    xml = render(hostile_report(), "junit")
    root = ET.fromstring(xml)  # raised ParseError: "not well-formed (invalid token)"
    names = [suite.get("name") for suite in root.iter("testsuite")]
    assert names[0] == "x[a](http://e)@team*b*.html"
    assert not any(ch in xml for ch in "\x01\x02\x07\x0b\x1b\x1f")


def test_markdown_shows_file_names_and_messages_as_text():
    markdown = render(hostile_report(), "markdown")
    # No link or image can open, no emphasis start: outside code spans (literal text) every
    # [ and * is backslash-escaped.
    assert not re.search(r"(?<!\\)[\[*]", re.sub(r"`[^`]*`", "", markdown))
    assert "@team" not in markdown and "@org" not in markdown
    assert "<img" not in markdown and "<b>" not in markdown
    assert "\x01" not in markdown
    assert "x\\[a\\](http\\://e)@\u200bteam\\*b\\*.html" in markdown


def test_json_and_sarif_reports_escape_angle_brackets():
    for fmt in ("json", "sarif"):
        text = render(hostile_report(), fmt)
        assert "<" not in text and ">" not in text, fmt
        json.loads(text)


@pytest.mark.browser
def test_check_command_with_a_hostile_file_name(tmp_path):
    page = tmp_path / HOSTILE_FILE_NAME
    page.write_text(
        '<!doctype html><html lang="en"><head><title>t</title></head><body><main>'
        '<h1>T</h1><img src="a.png"></main></body></html>'
    )
    junit, markdown = tmp_path / "out.xml", tmp_path / "out.md"
    done = massaudit(
        "check",
        str(page),
        "--report",
        f"junit:{junit}",
        "--report",
        f"markdown:{markdown}",
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    suites = [s.get("name") for s in ET.parse(junit).getroot().iter("testsuite")]
    assert suites == ["x![i](e.png)[a](e.html)@team*b*.html"]
    text = Path(markdown).read_text(encoding="utf-8")
    text = re.sub(r"`[^`]*`", "", text.replace("[image-alt](https://", ""))
    assert not re.search(r"(?<!\\)[\[*]", text)
    assert "@team" not in text and "\x01" not in text
