"""massaudit's own checks: small pure functions over a page's collected facts.

Each check is named after its rule id (`reading-grade` -> `reading_grade`); its metadata (title,
why it matters, how to fix, category, WCAG criteria, impact) is data in
rules/data/massaudit-rules.toml. A check returns a `CheckResult`: the rule's outcome on the page
("pass", "fail", "needs-review" or "inapplicable") and the items behind a failure or a review.
Checks that cannot apply (too little text, facts not collected) are "inapplicable", never "pass".

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
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from massaudit.rules.checks.settings import CheckSettings
from massaudit.rules.model import PageArtifacts

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


PageCheck = Callable[[PageArtifacts, CheckSettings], CheckResult]
# Site checks see every page of a site at once: {page key: artifacts} -> {page key: result}.
SiteCheck = Callable[[Mapping[Any, PageArtifacts], CheckSettings], dict[Any, CheckResult]]
# Document checks see one linked document's facts (audits/documents.py; rules/checks/documents.py).
DocumentCheck = Callable[[Mapping[str, Any], CheckSettings], CheckResult]


@dataclass
class Registry:
    page: dict[str, PageCheck] = field(default_factory=dict)
    site: dict[str, SiteCheck] = field(default_factory=dict)
    document: dict[str, DocumentCheck] = field(default_factory=dict)

    def page_check(self, rule_id: str) -> Callable[[PageCheck], PageCheck]:
        def register(function: PageCheck) -> PageCheck:
            _check_name(rule_id, function)
            self.page[rule_id] = function
            return function

        return register

    def site_check(self, rule_id: str) -> Callable[[SiteCheck], SiteCheck]:
        def register(function: SiteCheck) -> SiteCheck:
            _check_name(rule_id, function)
            self.site[rule_id] = function
            return function

        return register

    def document_check(self, rule_id: str) -> Callable[[DocumentCheck], DocumentCheck]:
        def register(function: DocumentCheck) -> DocumentCheck:
            _check_name(rule_id, function)
            self.document[rule_id] = function
            return function

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
        documents,
        language_access,
        mobile,
        plain_language,
    )

    return REGISTRY
