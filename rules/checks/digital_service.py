"""Digital-service basics from the Mass.gov website domain policy (HTTPS, brand banner, footer links, feedback, search, real 404s, working links)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from massaudit.rules.checks import REGISTRY, CheckResult, Item
from massaudit.rules.model import PageArtifacts

if TYPE_CHECKING:
    from massaudit.rules.checks.settings import CheckSettings

REQUIRED_LINKS = {
    "privacy policy": re.compile(r"privacy|privacidad|privacidade", re.IGNORECASE),
    "accessibility statement": re.compile(r"accessib|accesibilidad|acessibilidade", re.IGNORECASE),
    "contact": re.compile(r"cont[aá]ct|contato", re.IGNORECASE),
}
_FEEDBACK = re.compile(r"feedback|comentarios|opini", re.IGNORECASE)


@REGISTRY.page_check("https-hsts", reads=("headers",))
def https_hsts(artifacts: PageArtifacts, settings: CheckSettings) -> CheckResult:
    headers = artifacts.facts["headers"]
    url = artifacts.final_url or artifacts.url
    if not url.lower().startswith("https://"):
        return CheckResult.of([Item("fail", f"the page is served over plain HTTP: {url}")])
    hsts = headers.get("strict-transport-security")
    if not hsts:
        return CheckResult.of([Item("fail", "HTTPS without a Strict-Transport-Security header")])
    match = re.search(r"max-age\s*=\s*\"?(\d+)", hsts, re.IGNORECASE)
    if not match or int(match.group(1)) <= 0:
        return CheckResult.of([Item("fail", f"Strict-Transport-Security has no max-age: {hsts!r}")])
    return CheckResult.passed(f"HTTPS with Strict-Transport-Security: {hsts}")


def _feature(artifacts: PageArtifacts, name: str) -> bool:
    return bool(artifacts.facts["features"].get(name))


def _feature_check(artifacts: PageArtifacts, name: str, missing: str) -> CheckResult:
    """Pass when the page has the feature `name`, fail with `missing` when it does not."""
    if _feature(artifacts, name):
        return CheckResult.passed()
    return CheckResult.of([Item("fail", missing, "body")])


@REGISTRY.page_check("brand-banner", reads=("features",))
def brand_banner(artifacts: PageArtifacts, settings: CheckSettings) -> CheckResult:
    return _feature_check(artifacts, "brand_banner", "no Mass.gov brand banner (.ma__brand-banner)")


@REGISTRY.page_check("required-links", reads=("links",))
def required_links(artifacts: PageArtifacts, settings: CheckSettings) -> CheckResult:
    links = artifacts.facts["links"]
    missing = [
        name
        for name, pattern in REQUIRED_LINKS.items()
        if not any(pattern.search(link.get("text") or "") for link in links)
    ]
    if not missing:
        return CheckResult.passed()
    return CheckResult.of([Item("fail", f"no link to: {', '.join(missing)}", "body")])


@REGISTRY.page_check("feedback", reads=("features", "links"))
def feedback(artifacts: PageArtifacts, settings: CheckSettings) -> CheckResult:
    form = _feature(artifacts, "feedback_form")
    links = artifacts.facts["links"]
    if form or any(_FEEDBACK.search(link.get("text") or "") for link in links):
        return CheckResult.passed()
    return CheckResult.of([Item("fail", "no feedback form or feedback link", "body")])


@REGISTRY.page_check("site-search", reads=("features",))
def site_search(artifacts: PageArtifacts, settings: CheckSettings) -> CheckResult:
    return _feature_check(artifacts, "search", "no site search (a search form or search field)")


@REGISTRY.page_check("meta-description", reads=("head",))
def meta_description(artifacts: PageArtifacts, settings: CheckSettings) -> CheckResult:
    head = artifacts.facts["head"]
    if (head.get("description") or "").strip():
        return CheckResult.passed()
    return CheckResult.of([Item("fail", 'no <meta name="description"> (or it is empty)', "head")])


@REGISTRY.page_check("canonical-link", reads=("head",))
def canonical_link(artifacts: PageArtifacts, settings: CheckSettings) -> CheckResult:
    head = artifacts.facts["head"]
    if head.get("canonical"):
        return CheckResult.passed(f"canonical: {head['canonical']}")
    return CheckResult.of([Item("fail", 'no <link rel="canonical">', "head")])


# --- site-level checks: every page of a site at once -------------------------------------------


@REGISTRY.site_check("page-title-unique")
def page_title_unique(
    pages: Mapping[Any, PageArtifacts], settings: CheckSettings
) -> dict[Any, CheckResult]:
    """Every page has a title, and no two pages of the site share one."""
    tested = {key: a for key, a in pages.items() if not a.error}
    by_title: dict[str, list[Any]] = defaultdict(list)
    for key, artifacts in tested.items():
        by_title[" ".join((artifacts.title or "").split()).casefold()].append(key)
    results = {}
    for key, artifacts in tested.items():
        title = " ".join((artifacts.title or "").split())
        if not title:
            results[key] = CheckResult.of([Item("fail", "the page has no title", "title")])
            continue
        same = by_title[title.casefold()]
        if len(same) > 1:
            others = [pages[k].url for k in same if k != key][:3]
            results[key] = CheckResult.of(
                [Item("fail", f"title {title!r} is also used by {', '.join(others)}", "title")]
            )
        else:
            results[key] = CheckResult.passed()
    return results


@REGISTRY.site_check("not-found-status", reads=("not_found_probe",))
def not_found_status(
    pages: Mapping[Any, PageArtifacts], settings: CheckSettings
) -> dict[Any, CheckResult]:
    """A missing address answers 404 (or 410): judged once per host, on its first page."""
    first_by_host: dict[str, tuple[Any, dict]] = {}
    for key, artifacts in pages.items():
        probe = artifacts.facts["not_found_probe"]
        if not probe.get("url"):
            continue
        host = probe["url"].split("/massaudit-404-probe", 1)[0]
        first_by_host.setdefault(host, (key, probe))
    results = {}
    for key, probe in first_by_host.values():
        status = probe.get("status")
        if status is None:
            results[key] = CheckResult.of(
                [Item("needs-review", f"the probe of {probe['url']} got no answer", probe["url"])]
            )
        elif status in (404, 410):
            results[key] = CheckResult.passed(f"{probe['url']} answered {status}")
        else:
            results[key] = CheckResult.of(
                [
                    Item(
                        "fail",
                        f"a missing page ({probe['url']}) answered {status} instead of 404: "
                        "a 'soft 404' that people and search engines take for a real page",
                        probe["url"],
                    )
                ]
            )
    return results
