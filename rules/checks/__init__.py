"""massaudit's own checks: small pure functions over a page's collected facts.

Each check is named after its rule id (`reading-grade` -> `reading_grade`); its metadata (title,
why it matters, how to fix, category, WCAG criteria, impact) is data in
rules/data/massaudit-rules.toml. A check returns a `CheckResult`: the rule's outcome on the page
("pass", "fail", "needs-review" or "inapplicable") and the items behind a failure or a review.
Checks that cannot apply (too little text, facts not collected) are "inapplicable", never "pass".

A check declares the facts it reads (`reads=`, as Lighthouse audits declare `requiredArtifacts`);
when one of them was not collected (absent or null), the check is not run and the rule is
"inapplicable": `Check.__call__` decides that for every check, so no check tests for it itself.
A check's thresholds are `Option`s declared in its module (`OPTIONS`); rules/checks/settings.py
builds `CheckSettings` from them and crawler/sites.py validates sites.toml's `checks` tables
against them.

The facts (`PageArtifacts.facts`, gathered by audits/facts.js and audits/collector.py):
  text.blocks[]        {tag, text, lang} main-content blocks (no nav, header, footer, forms)
  links[]              {text, href, raw_href, in_main, visible, adjacent_same_href, selector, html}
  images[]             {alt (null when absent), src, selector, html}
  lang.html            the <html lang> attribute, or null
  head                 {title, description, canonical, viewport, mg_organization, alternates[]}
  features             {brand_banner, feedback_form, search, translation_widget,
                        translation_links[]}
  headers              kept response headers of the page (strict-transport-security, ...)
  network              {requests, bytes, bytes_by_type}
  performance          {lcp_ms, cls, dom_content_loaded_ms, load_ms}
  reflow_320           {width, scroll_width, client_width, offenders[]} at 320 CSS px
  target_size          axe-core's target-size results at 320 CSS px {violations, incomplete}
  not_found_probe      {url, status, final_url, location} of a missing address on the page's
                       host (location: a redirect off the site's hosts, not followed)
  refused_requests[]   {url, reason} requests to internal addresses the browser refused
  keyboard             the keyboard walk (audits/keyboard.py): stops[] with focused and unfocused
                       styles, ended/cycled_to, backward, skip_links[], fields[], pointer_only[],
                       hover_only[], tabbable, viewport, budget, truncated
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from massaudit.rules.model import PageArtifacts

if TYPE_CHECKING:
    from massaudit.rules.checks.settings import CheckSettings

RuleOutcome = Literal["pass", "fail", "needs-review", "inapplicable"]


@dataclass(frozen=True)
class Item:
    """One element (or the page) behind a failure or a review."""

    outcome: Literal["fail", "needs-review"]
    message: str
    selector: str = "html"
    html: str = ""


@dataclass(frozen=True)
class CheckResult:
    outcome: RuleOutcome
    items: tuple[Item, ...] = ()
    note: str = ""  # what was measured, for passes and inapplicable results

    @classmethod
    def passed(cls, note: str = "") -> CheckResult:
        return cls("pass", note=note)

    @classmethod
    def inapplicable(cls, note: str = "") -> CheckResult:
        return cls("inapplicable", note=note)

    @classmethod
    def of(cls, items: Sequence[Item], note: str = "") -> CheckResult:
        """fail if any item fails, needs-review if any needs review, else pass."""
        items = tuple(items)
        if any(i.outcome == "fail" for i in items):
            return cls("fail", items, note)
        if items:
            return cls("needs-review", items, note)
        return cls("pass", note=note)


@dataclass(frozen=True)
class Option:
    """One setting of the checks, declared once next to the checks that read it.

    `kind` is float (any number), int, or tuple (a list of non-empty strings); `minimum` the
    lowest value sites.toml may set; `not_below` another option this one must not be below;
    `item_pattern` a regular expression every list item must match, else `item_problem`.
    """

    name: str
    kind: type
    default: Any
    doc: str
    minimum: float | None = None
    not_below: str | None = None
    item_pattern: str | None = None
    item_problem: str = ""


PageCheck = Callable[[PageArtifacts, "CheckSettings"], CheckResult]
# Site checks see every page of a site at once: {page key: artifacts} -> {page key: result}.
SiteCheck = Callable[[Mapping[Any, PageArtifacts], "CheckSettings"], dict[Any, CheckResult]]
# Document checks see one linked document's facts (audits/document_facts.py; document_rules.py).
DocumentCheck = Callable[[Mapping[str, Any], "CheckSettings"], CheckResult]
Level = Literal["page", "site", "document"]


def not_collected(reads: Sequence[str], facts: Mapping[str, Any] | None) -> list[str]:
    """The facts of `reads` that were not collected: absent from `facts`, or null."""
    facts = facts or {}
    return [key for key in reads if facts.get(key) is None]


class Check:
    """A registered check: its function, the facts it reads, and the rule for missing facts.

    A page or document check whose facts were not all collected is "inapplicable" without being
    run. A site check sees only the pages that have every fact it reads.
    """

    def __init__(self, rule_id: str, level: Level, function: Callable, reads: Sequence[str]):
        _check_name(rule_id, function)
        functools.update_wrapper(self, function)
        self.rule_id = rule_id
        self.level = level
        self.function = function
        self.reads = tuple(reads)

    def __call__(self, subject: Any, settings: CheckSettings) -> Any:
        if self.level == "site":
            pages = {k: a for k, a in subject.items() if not not_collected(self.reads, a.facts)}
            return self.function(pages, settings)
        facts = subject.facts if self.level == "page" else subject
        missing = not_collected(self.reads, facts)
        if missing:
            return CheckResult.inapplicable(f"not collected: {', '.join(missing)}")
        return self.function(subject, settings)

    def __repr__(self) -> str:
        return f"Check({self.rule_id!r}, reads={self.reads!r})"


@dataclass
class Registry:
    page: dict[str, Check] = field(default_factory=dict)
    site: dict[str, Check] = field(default_factory=dict)
    document: dict[str, Check] = field(default_factory=dict)

    def page_check(self, rule_id: str, reads: Sequence[str] = ()) -> Callable[[PageCheck], Check]:
        return self._register(self.page, rule_id, "page", reads)

    def site_check(self, rule_id: str, reads: Sequence[str] = ()) -> Callable[[SiteCheck], Check]:
        return self._register(self.site, rule_id, "site", reads)

    def document_check(
        self, rule_id: str, reads: Sequence[str] = ()
    ) -> Callable[[DocumentCheck], Check]:
        return self._register(self.document, rule_id, "document", reads)

    def _register(
        self, checks: dict[str, Check], rule_id: str, level: Level, reads: Sequence[str]
    ) -> Callable[[Callable], Check]:
        def register(function: Callable) -> Check:
            checks[rule_id] = Check(rule_id, level, function, reads)
            return checks[rule_id]

        return register

    @property
    def rule_ids(self) -> set[str]:
        return set(self.page) | set(self.site) | set(self.document)


def _check_name(rule_id: str, function: Callable) -> None:
    if function.__name__ != rule_id.replace("-", "_"):
        raise ValueError(f"check for {rule_id!r} must be named {rule_id.replace('-', '_')}")


REGISTRY = Registry()


def registry() -> Registry:
    """All checks (importing the modules registers them)."""
    from massaudit.rules.checks import (  # noqa: F401
        digital_service,
        document_rules,
        keyboard,
        language_access,
        mobile,
        plain_language,
    )

    return REGISTRY
