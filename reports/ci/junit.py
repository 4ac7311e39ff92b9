"""The JUnit XML report: one <testsuite> per page, one <testcase> per rule checked on it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter

from massaudit.reports.ci.model import CheckedFinding, CheckedPage, CheckReport
from massaudit.reports.ci.wording import first_line, rule_title
from massaudit.reports.safe_output import xml_text


def render(report: CheckReport) -> str:
    """A rule with findings over the gate is a <failure>; a page that could not be checked is
    one <testcase name="load"> with an <error>; rules that did not apply are <skipped>.
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
                name=f"{rule_id}: {rule_title(report, rule_id)}",
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
                    message=f"{len(blocking)} over the gate: {rule_title(report, rule_id)}",
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
    detail = first_line(f.message)
    return f"{text}: {detail}" if detail else text
