"""Reports of `massaudit check` for CI: text, JSON, JUnit XML, SARIF 2.1.0 and Markdown.

Each writer is a pure function from a `CheckReport` to a string. The report says, per page,
every finding with its fingerprint (rules/fingerprint.py) and its status against the gate:

- `new`: a failure not in the baseline and not suppressed; `blocking` when it is over the gate;
- `baselined`: a failure recorded in the baseline file (does not fail the gate);
- `suppressed`: matched by a suppression of the check config (does not fail the gate);
- `review`: axe `incomplete` or a check that cannot tell: needs a human, never fails the gate.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

from massaudit.reports.safe_output import dumps_json, markdown_text, xml_text
from massaudit.rules.model import IMPACTS, Finding, Rule

Status = Literal["new", "baselined", "suppressed", "review"]
PageKind = Literal["url", "file", "fragment"]
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
FINGERPRINT_KEY = "massaudit/v1"
INFORMATION_URI = "https://www.mass.gov/"
FORMATS = ("text", "json", "junit", "sarif", "markdown")
_SARIF_LEVELS = {"critical": "error", "serious": "error", "moderate": "warning", "minor": "note"}


@dataclass(frozen=True)
class CheckedFinding:
    finding: Finding
    fingerprint: str
    status: Status
    blocking: bool = False
    note: str = ""  # why suppressed (the suppression's reason and where it is)
    line: int | None = None  # line of the element's opening tag in the local source file


@dataclass
class CheckedPage:
    key: str  # baseline page key: file path relative to the served root, the URL, or "-"
    url: str  # the URL the browser loaded
    kind: PageKind
    source: str | None = None  # local file, relative to the working directory (posix)
    error: str | None = None  # why the page could not be checked
    status: int | None = None
    title: str = ""
    findings: list[CheckedFinding] = field(default_factory=list)
    rule_outcomes: dict[str, str] = field(default_factory=dict)  # rule id -> outcome
    seconds: float = 0.0

    def count(self, status: Status) -> int:
        return sum(1 for f in self.findings if f.status == status)

    @property
    def blocking(self) -> list[CheckedFinding]:
        return [f for f in self.findings if f.blocking]


@dataclass
class CheckReport:
    pages: list[CheckedPage]
    rules: dict[str, Rule]  # catalogue metadata of every rule named in the pages
    exit_code: int
    fail_on: str = "serious"
    max_failures: dict[str, int] = field(default_factory=dict)
    baseline: str | None = None
    tool_version: str = ""
    axe_version: str | None = None
    catalogue_version: str = ""
    seconds: float = 0.0

    @property
    def verdict(self) -> str:
        return {0: "passed", 1: "failed"}.get(self.exit_code, "could not check")

    def totals(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for page in self.pages:
            for f in page.findings:
                counts[f.status] += 1
                counts["blocking"] += f.blocking
            counts["errors"] += page.error is not None
        return counts


def write(report: CheckReport, fmt: str) -> str:
    return {
        "text": to_text,
        "json": to_json,
        "junit": to_junit,
        "sarif": to_sarif,
        "markdown": to_markdown,
    }[fmt](report)


_SUMMARY_HEADS = ("fix any of the following:", "fix all of the following:")


def _first_line(text: str) -> str:
    """The first informative line of a message (axe's "Fix any of the following:" is skipped)."""
    for line in (text or "").splitlines():
        line = line.strip()
        if line and line.lower() not in _SUMMARY_HEADS:
            return line
    return ""


def _summary_line(report: CheckReport) -> str:
    totals = report.totals()
    pages = len(report.pages)
    head = {
        "passed": "PASSED",
        "failed": "FAILED",
        "could not check": "COULD NOT CHECK",
    }[report.verdict]
    parts = [
        f"{totals['blocking']} over the gate",
        f"{totals['new']} new failures",
        f"{totals['baselined']} in the baseline",
        f"{totals['suppressed']} suppressed",
        f"{totals['review']} to review",
    ]
    if totals["errors"]:
        parts.append(f"{totals['errors']} not checked")
    gate = f"fail on {report.fail_on} or worse"
    if report.max_failures:
        gate += ", " + ", ".join(f"{k} at most {v}" for k, v in sorted(report.max_failures.items()))
    return (
        f"massaudit check {head}: {pages} {'page' if pages == 1 else 'pages'}; "
        f"{'; '.join(parts)} ({gate}; {report.seconds:.1f} s)"
    )


# --- text -------------------------------------------------------------------------------------


def to_text(report: CheckReport) -> str:
    lines: list[str] = []
    for page in report.pages:
        where = page.source or page.url
        if page.error:
            lines.append(f"{page.key}: NOT CHECKED: {page.error}")
            continue
        lines.append(
            f"{page.key}: {len(page.blocking)} over the gate, {page.count('new')} new, "
            f"{page.count('baselined')} baselined, {page.count('suppressed')} suppressed, "
            f"{page.count('review')} to review"
        )
        for item in page.findings:
            if item.status != "new":
                continue
            f = item.finding
            mark = "FAIL" if item.blocking else "warn"
            loc = f"{where}:{item.line}" if item.line else where
            lines.append(
                f"  {mark} {f.impact or '-'} {f.rule_id} {f.selector}  [{item.fingerprint}]"
            )
            lines.append(f"       {loc}: {_first_line(_rule_title(report, f.rule_id))}")
            detail = _first_line(f.message)
            if detail:
                lines.append(f"       {detail}")
    lines.append(_summary_line(report))
    return "\n".join(lines) + "\n"


def _rule_title(report: CheckReport, rule_id: str) -> str:
    rule = report.rules.get(rule_id)
    return rule.title if rule else rule_id


# --- JSON -------------------------------------------------------------------------------------


def to_json(report: CheckReport) -> str:
    data: dict[str, Any] = {
        "format": 1,
        "tool": {
            "name": "massaudit",
            "version": report.tool_version,
            "axe_core": report.axe_version,
            "catalogue": report.catalogue_version,
        },
        "result": report.verdict,
        "exit_code": report.exit_code,
        "gate": {
            "fail_on": report.fail_on,
            "max_failures": dict(sorted(report.max_failures.items())),
            "baseline": report.baseline,
        },
        "totals": dict(sorted(report.totals().items())),
        "seconds": round(report.seconds, 2),
        "pages": [
            {
                "key": page.key,
                "url": page.url,
                "kind": page.kind,
                "source": page.source,
                "status": page.status,
                "title": page.title,
                "error": page.error,
                "seconds": round(page.seconds, 2),
                "rule_outcomes": page.rule_outcomes,
                "findings": [
                    {
                        **item.finding.to_dict(),
                        "fingerprint": item.fingerprint,
                        "status": item.status,
                        "blocking": item.blocking,
                        "line": item.line,
                        "note": item.note,
                        "help_url": _help_url(report, item.finding.rule_id),
                    }
                    for item in page.findings
                ],
            }
            for page in report.pages
        ],
    }
    return dumps_json(data) + "\n"


def _help_url(report: CheckReport, rule_id: str) -> str:
    rule = report.rules.get(rule_id)
    return rule.help_url if rule else ""


# --- JUnit XML --------------------------------------------------------------------------------


def to_junit(report: CheckReport) -> str:
    """One <testsuite> per page, one <testcase> per rule checked on it.

    A rule with findings over the gate is a <failure>; a page that could not be checked is one
    <testcase name="load"> with an <error>; rules that did not apply are <skipped>.
    """
    root = ET.Element("testsuites", name="massaudit check")
    totals = Counter()
    for page in report.pages:
        suite = ET.SubElement(root, "testsuite", name=page.key)
        counts = Counter()
        if page.error:
            case = ET.SubElement(suite, "testcase", name="load", classname=page.key)
            ET.SubElement(
                case, "error", message=page.error, type="could-not-check"
            ).text = f"{page.url}: {page.error}"
            counts.update(tests=1, errors=1)
        by_rule: dict[str, list[CheckedFinding]] = {}
        for item in page.findings:
            by_rule.setdefault(item.finding.rule_id, []).append(item)
        for rule_id in sorted(set(page.rule_outcomes) | set(by_rule)):
            outcome = page.rule_outcomes.get(rule_id, "fail")
            items = by_rule.get(rule_id, [])
            case = ET.SubElement(
                suite,
                "testcase",
                name=f"{rule_id}: {_rule_title(report, rule_id)}",
                classname=page.key,
            )
            counts["tests"] += 1
            blocking = [i for i in items if i.blocking]
            if blocking:
                counts["failures"] += 1
                failure = ET.SubElement(
                    case,
                    "failure",
                    type=rule_id,
                    message=f"{len(blocking)} over the gate: {_rule_title(report, rule_id)}",
                )
                failure.text = "\n".join(_finding_line(page, i) for i in blocking)
            elif outcome == "inapplicable" and not items:
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message="not applicable on this page")
            others = [i for i in items if not i.blocking]
            if others:
                ET.SubElement(case, "system-out").text = "\n".join(
                    _finding_line(page, i) for i in others
                )
        for key in ("tests", "failures", "errors", "skipped"):
            suite.set(key, str(counts[key]))
        suite.set("time", f"{page.seconds:.3f}")
        totals.update(counts)
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(totals[key]))
    root.set("time", f"{report.seconds:.3f}")
    # File names, messages and selectors may hold characters XML cannot: drop them everywhere.
    for element in root.iter():
        element.attrib = {key: xml_text(value) for key, value in element.attrib.items()}
        if element.text:
            element.text = xml_text(element.text)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _finding_line(page: CheckedPage, item: CheckedFinding) -> str:
    f = item.finding
    where = page.source or page.url
    if item.line:
        where += f":{item.line}"
    text = f"[{item.status}] {f.impact or '-'} {f.selector} ({where}) [{item.fingerprint}]"
    detail = _first_line(f.message)
    return f"{text}: {detail}" if detail else text


# --- SARIF 2.1.0 ------------------------------------------------------------------------------


def to_sarif(report: CheckReport) -> str:
    rule_ids = sorted({i.finding.rule_id for p in report.pages for i in p.findings})
    index = {rule_id: n for n, rule_id in enumerate(rule_ids)}
    results = []
    for page in report.pages:
        for item in page.findings:
            results.append(_sarif_result(report, page, item, index))
    notifications = [
        {
            "level": "error",
            "message": {"text": f"{page.key}: could not check: {page.error}"},
            "descriptor": {"id": "could-not-check"},
        }
        for page in report.pages
        if page.error
    ]
    invocation: dict[str, Any] = {
        "executionSuccessful": report.exit_code in (0, 1),
        "exitCode": report.exit_code,
    }
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "massaudit",
                "version": report.tool_version or "0",
                "informationUri": INFORMATION_URI,
                "rules": [_sarif_rule(report, rule_id) for rule_id in rule_ids],
            }
        },
        "invocations": [invocation],
        "results": results,
        "properties": {
            "axeCoreVersion": report.axe_version or "",
            "catalogueVersion": report.catalogue_version,
        },
    }
    sarif = {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
    return dumps_json(sarif) + "\n"


def _sarif_rule(report: CheckReport, rule_id: str) -> dict[str, Any]:
    rule = report.rules.get(rule_id)
    if rule is None:
        return {"id": rule_id, "name": rule_id, "shortDescription": {"text": rule_id}}
    tags = [rule.category, *(f"WCAG {sc}" for sc in rule.wcag)]
    if rule.level:
        tags.append(f"WCAG level {rule.level}")
    tags.extend(t for t in rule.tags if t not in tags)
    data: dict[str, Any] = {
        "id": rule.id,
        "name": rule.id,
        "shortDescription": {"text": rule.title or rule.id},
        "fullDescription": {"text": rule.description or rule.title or rule.id},
        "defaultConfiguration": {"level": _SARIF_LEVELS.get(rule.impact, "warning")},
        "properties": {
            "tags": tags,
            "impact": rule.impact,
            "category": rule.category,
            "source": rule.source,
        },
    }
    if rule.help_url:
        data["helpUri"] = rule.help_url
    help_text = rule.how_to_fix or rule.help
    if help_text:
        data["help"] = {"text": help_text}
    return data


def _sarif_result(
    report: CheckReport, page: CheckedPage, item: CheckedFinding, index: dict[str, int]
) -> dict[str, Any]:
    f = item.finding
    title = _rule_title(report, f.rule_id)
    detail = _first_line(f.message)
    result: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": index[f.rule_id],
        "message": {"text": f"{title}: {detail}" if detail else title},
        "locations": [_sarif_location(page, item)],
        "partialFingerprints": {FINGERPRINT_KEY: item.fingerprint},
        "properties": {
            "impact": f.impact,
            "status": item.status,
            "blocking": item.blocking,
            "page": page.key,
            "url": page.url,
            "wcag": list(f.wcag),
            "snippet": f.html,
        },
    }
    if item.status == "review":
        result["kind"] = "review"
        result["level"] = "none"
    else:
        result["kind"] = "fail"
        result["level"] = _SARIF_LEVELS.get(f.impact or "", "warning")
    if item.status == "suppressed":
        result["suppressions"] = [{"kind": "external", "justification": item.note or "suppressed"}]
    if item.status in ("new", "baselined"):
        result["baselineState"] = "new" if item.status == "new" else "unchanged"
    return result


def _sarif_location(page: CheckedPage, item: CheckedFinding) -> dict[str, Any]:
    location: dict[str, Any] = {
        "logicalLocations": [
            {"name": item.finding.selector or "html", "kind": "element"},
        ]
    }
    if page.kind == "file" and page.source:
        physical: dict[str, Any] = {"artifactLocation": {"uri": quote(page.source)}}
        if item.line:
            physical["region"] = {"startLine": item.line}
        location["physicalLocation"] = physical
    elif page.kind == "url":
        location["physicalLocation"] = {"artifactLocation": {"uri": page.url}}
    return location


# --- Markdown ---------------------------------------------------------------------------------


def to_markdown(report: CheckReport) -> str:
    """A summary table per page and the findings over the gate, for PR comments and
    $GITHUB_STEP_SUMMARY."""
    icon = {"passed": "✅", "failed": "❌", "could not check": "⚠️"}[report.verdict]
    lines = [
        f"## {icon} massaudit check: {report.verdict}",
        "",
        _md_escape(_summary_line(report)),
        "",
        "| page | over the gate | new | baselined | suppressed | to review |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for page in report.pages:
        if page.error:
            lines.append(
                f"| {_md_escape(page.key)} | not checked: {_md_escape(page.error)} | | | | |"
            )
            continue
        lines.append(
            f"| {_md_escape(page.key)} | {len(page.blocking)} | {page.count('new')} | "
            f"{page.count('baselined')} | {page.count('suppressed')} | {page.count('review')} |"
        )
    new = [(p, i) for p in report.pages for i in p.findings if i.status == "new"]
    if new:
        lines += ["", "### New failures", ""]
        lines += [
            "| | impact | rule | element | where |",
            "|---|---|---|---|---|",
        ]
        for page, item in new:
            f = item.finding
            rule = f.rule_id
            url = _help_url(report, rule)
            rule_cell = f"[{rule}]({url})" if url else rule
            where = page.source or page.key
            if item.line:
                where += f":{item.line}"
            lines.append(
                f"| {'❌' if item.blocking else '⚠️'} | {f.impact or '-'} | {rule_cell}: "
                f"{_md_escape(_rule_title(report, rule))} | `{_md_code(f.selector)}` | "
                f"{_md_escape(where)} |"
            )
    review = sum(p.count("review") for p in report.pages)
    if review:
        lines += ["", f"{review} items need a human review (see the JSON or SARIF report)."]
    return "\n".join(lines) + "\n"


def _md_escape(text: str) -> str:
    return markdown_text(text)


def _md_code(text: str) -> str:
    """Inside a code span nothing is markup; only the table's `|` and the span's end matter."""
    text = xml_text(text or "").replace("\r", " ").replace("\n", " ")
    return text.replace("|", "\\|").replace("`", "'")


def impact_rank(impact: str | None) -> int:
    """0 for critical .. 3 for minor; 4 for none."""
    return IMPACTS.index(impact) if impact in IMPACTS else len(IMPACTS)
