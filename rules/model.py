"""Records that cross the collect/judge boundary.

`PageArtifacts` is what the browser stage gathers about one page; `Finding` is what judging
yields. Both are plain data so a stored run can be judged again without a browser.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal

Outcome = Literal["fail", "needs-review"]
Impact = Literal["critical", "serious", "moderate", "minor"]
IMPACTS: tuple[Impact, ...] = ("critical", "serious", "moderate", "minor")


@dataclass(frozen=True)
class PageArtifacts:
    """Facts about one rendered page. `axe` holds axe-core's result object with its four buckets."""

    url: str
    final_url: str
    status: int | None
    title: str
    axe: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    # Facts for massaudit's own checks (rules/checks/): text, links, images, lang, head,
    # features, headers, network, performance, reflow_320, target_size, not_found_probe.
    # Empty for artifacts stored before those checks existed; their checks are inapplicable.
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def axe_version(self) -> str | None:
        return (self.axe.get("testEngine") or {}).get("version")

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict; nested values are shared, not copied (axe-core's
        results are large, and a deep copy per page was most of the cost of storing one)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PageArtifacts:
        return cls(
            url=data["url"],
            final_url=data.get("final_url") or data["url"],
            status=data.get("status"),
            title=data.get("title") or "",
            axe=data.get("axe") or {},
            timings=dict(data.get("timings") or {}),
            error=data.get("error"),
            facts=dict(data.get("facts") or {}),
        )


@dataclass(frozen=True)
class Finding:
    """One rule outcome on one element of one page."""

    rule_id: str
    category: str
    outcome: Outcome
    impact: Impact | None
    selector: str
    html: str
    wcag: tuple[str, ...]
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)} | {"wcag": list(self.wcag)}


@dataclass(frozen=True)
class Rule:
    """Catalogue metadata for one rule, whatever its source (axe-core or our own checks)."""

    id: str
    source: Literal["axe", "massaudit"]
    title: str
    description: str
    help: str
    help_url: str
    category: str
    impact: Impact
    weight: float
    wcag: tuple[str, ...]
    level: Literal["A", "AA", "AAA"] | None
    wcag_version: str | None
    tags: tuple[str, ...] = ()
    why: str = ""
    how_to_fix: str = ""
    enabled_by_default: bool = True
