"""The report of `massaudit check`, as every CI format reads it.

The report says, per page, every finding with its fingerprint (rules/fingerprint.py) and its
status against the gate:

- `new`: a failure not in the baseline and not suppressed; `blocking` when it is over the gate;
- `baselined`: a failure recorded in the baseline file (does not fail the gate);
- `suppressed`: matched by a suppression of the check config (does not fail the gate);
- `review`: axe `incomplete` or a check that cannot tell: needs a human, never fails the gate.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from massaudit.rules.model import Finding, Rule

Status = Literal["new", "baselined", "suppressed", "review"]
PageKind = Literal["url", "file", "fragment"]


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
