"""Mobile and bandwidth: viewport, reflow and target size at 320 px, page weight, LCP and CLS."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from massaudit.rules.axe_findings import selector_from_target, truncate_html
from massaudit.rules.checks import REGISTRY, CheckResult, Item, Option
from massaudit.rules.model import PageArtifacts

if TYPE_CHECKING:
    from massaudit.rules.checks.settings import CheckSettings

MIB = 1024 * 1024

# Defaults, overridable per site in sites.toml's `checks` table.
OPTIONS = (
    Option("page_weight_good_mib", float, 2.6, "page weight at or below: pass", minimum=0),
    Option(
        "page_weight_fail_mib",
        float,
        4.0,
        "page weight above: fail; in between: needs review",
        minimum=0,
        not_below="page_weight_good_mib",
    ),
    Option("lcp_ms", float, 2500.0, "Largest Contentful Paint at or below: pass", minimum=0),
    Option("cls", float, 0.1, "Cumulative Layout Shift at or below: pass", minimum=0),
)


def _viewport_properties(content: str) -> dict[str, str]:
    props = {}
    for part in re.split(r"[,;]", content):
        if "=" in part:
            key, value = part.split("=", 1)
            props[key.strip().lower()] = value.strip().lower()
    return props


@REGISTRY.page_check("viewport-zoom", reads=("head",))
def viewport_zoom(artifacts: PageArtifacts, settings: CheckSettings) -> CheckResult:
    head = artifacts.facts["head"]
    content = head.get("viewport")
    if content is None:
        return CheckResult.of(
            [
                Item(
                    "fail",
                    'no <meta name="viewport">: phones show a zoomed-out desktop page',
                    "head",
                )
            ]
        )
    props = _viewport_properties(content)
    problems = []
    if "width" not in props:
        problems.append("no width= (use width=device-width)")
    if props.get("user-scalable") in ("no", "0"):
        problems.append("user-scalable=no stops people from zooming")
    try:
        if "maximum-scale" in props and float(props["maximum-scale"]) < 2:
            problems.append(f"maximum-scale={props['maximum-scale']} stops zooming to 200%")
    except ValueError:
        problems.append(f"maximum-scale={props['maximum-scale']!r} is not a number")
    html = f'<meta name="viewport" content="{content}">'
    return CheckResult.of([Item("fail", p, 'meta[name="viewport"]', html) for p in problems])


@REGISTRY.page_check("reflow-320", reads=("reflow_320",))
def reflow_320(artifacts: PageArtifacts, settings: CheckSettings) -> CheckResult:
    reflow = artifacts.facts["reflow_320"]
    overflow = int(reflow.get("scroll_width") or 0) - int(reflow.get("client_width") or 0)
    note = f"page is {reflow.get('scroll_width')} px wide in a {reflow.get('client_width')} px viewport"
    if overflow <= 1:
        return CheckResult.passed(note)
    offenders = reflow.get("offenders") or []
    # Tables, code, maps and media may need two-dimensional scrolling (1.4.10 exception).
    two_d_only = bool(offenders) and all(o.get("in_two_d") for o in offenders)
    outcome = "needs-review" if two_d_only else "fail"
    items = [
        Item(
            outcome,
            f"{note}; this element ends at {o.get('right')} px",
            o.get("selector") or "",
            o.get("html") or "",
        )
        for o in offenders
    ] or [Item(outcome, note)]
    return CheckResult.of(items, note)


@REGISTRY.page_check("target-size-320", reads=("target_size",))
def target_size_320(artifacts: PageArtifacts, settings: CheckSettings) -> CheckResult:
    target = artifacts.facts["target_size"]
    items = []
    for bucket, outcome in (("violations", "fail"), ("incomplete", "needs-review")):
        for result in target.get(bucket) or ():
            for node in result.get("nodes") or ():
                items.append(
                    Item(
                        outcome,
                        (node.get("failureSummary") or "target smaller than 24 by 24 px").strip(),
                        selector_from_target(node.get("target")),
                        truncate_html(node.get("html") or ""),
                    )
                )
    return CheckResult.of(items)


@REGISTRY.page_check("page-weight", reads=("network",))
def page_weight(artifacts: PageArtifacts, settings: CheckSettings) -> CheckResult:
    network = artifacts.facts["network"]
    if not network.get("requests"):
        return CheckResult.inapplicable("no request was recorded")
    size = network.get("bytes") or 0
    note = f"{size / MIB:.2f} MiB in {network['requests']} requests"
    if size <= settings.page_weight_good_mib * MIB:
        return CheckResult.passed(note)
    outcome = "fail" if size > settings.page_weight_fail_mib * MIB else "needs-review"
    limits = f"(good: up to {settings.page_weight_good_mib:g} MiB, fail: over {settings.page_weight_fail_mib:g} MiB)"
    return CheckResult.of([Item(outcome, f"the page loads {note} {limits}")], note)


@REGISTRY.page_check("largest-contentful-paint", reads=("performance",))
def largest_contentful_paint(artifacts: PageArtifacts, settings: CheckSettings) -> CheckResult:
    lcp = artifacts.facts["performance"].get("lcp_ms")
    if lcp is None:
        return CheckResult.inapplicable("no Largest Contentful Paint entry")
    note = f"Largest Contentful Paint at {lcp / 1000:.2f} s"
    if lcp <= settings.lcp_ms:
        return CheckResult.passed(note)
    return CheckResult.of([Item("fail", f"{note} (target {settings.lcp_ms / 1000:g} s)")], note)


@REGISTRY.page_check("layout-shift", reads=("performance",))
def layout_shift(artifacts: PageArtifacts, settings: CheckSettings) -> CheckResult:
    cls = artifacts.facts["performance"].get("cls")
    if cls is None:
        return CheckResult.inapplicable("layout shifts were not measured")
    note = f"Cumulative Layout Shift {cls:g}"
    if cls <= settings.cls:
        return CheckResult.passed(note)
    return CheckResult.of([Item("fail", f"{note} (target {settings.cls:g})")], note)
