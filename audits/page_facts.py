"""The facts our own checks judge, collected from a loaded page after axe-core has run: the DOM
facts script, response headers, network weight, the same page at 320 CSS px, and the 404 probe."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from typing import Any

from playwright.async_api import BrowserContext

from massaudit.audits.document_fetch import SUBRESOURCE
from massaudit.audits.not_found_probe import NotFoundProbes
from massaudit.audits.page_scripts import (
    AT_320,
    FACTS_JS,
    REFLOW_VIEWPORT,
    TARGET_SIZE_OPTIONS,
    evaluate_json,
)
from massaudit.audits.tabs import Tab
from massaudit.audits.time_limits import within

# Response headers kept for the checks (HSTS, declared language, type).
KEPT_HEADERS = ("strict-transport-security", "content-language", "content-type")
# Bytes a URL took over the network when first fetched, for later hits in the browser's cache.
_KNOWN_SIZES_LIMIT = 50_000


async def collect_facts(
    tab: Tab,
    response: Any,
    context: BrowserContext,
    final_url: str,
    *,
    timeout: float,
    probes: NotFoundProbes,
    known_sizes: dict[str, int],
    counts: Counter[str],
) -> dict[str, Any]:
    """DOM, network, header and 320 px facts of the loaded page (after axe has run); each script
    within `timeout`, the 404 probe asked in `context`; the page's requests that reached the
    network (not the browser's cache) are counted in `counts` as subresources."""
    page = tab.page
    facts = await within(evaluate_json(page, FACTS_JS), timeout, "the facts script")
    headers: dict[str, str] = {}
    if response is not None:
        with contextlib.suppress(Exception):
            all_headers = await response.all_headers()
            headers = {k: v for k, v in all_headers.items() if k in KEPT_HEADERS}
    facts["headers"] = headers
    facts["network"] = await network_summary(list(tab.network), known_sizes, counts)
    # The same page at 320 CSS px: reflow (1.4.10) and target size (2.5.8).
    tab.resized = True
    await page.set_viewport_size(REFLOW_VIEWPORT)
    at_320 = await within(
        evaluate_json(page, AT_320, TARGET_SIZE_OPTIONS), timeout, "the 320 px checks"
    )
    facts["reflow_320"] = at_320["reflow"]
    target = at_320["target"]
    facts["target_size"] = {
        bucket: target.get(bucket) or [] for bucket in ("violations", "incomplete")
    }
    facts["not_found_probe"] = await probes.ask(context, final_url, tab.guard.scope)
    facts["refused_requests"] = tab.guard.refused_requests()
    return facts


async def network_summary(
    requests: list[Any], known: dict[str, int], counts: Counter[str] | None = None
) -> dict[str, Any]:
    """Bytes and request count of everything the page loaded until now, as a first visit costs.

    A resource served from the browser's cache (or revalidated) reports no body; it counts the
    bytes it took when this run first fetched it, so a page's weight does not depend on the
    pages audited before it. Resources other than documents that took bytes over the network
    this time (a revalidation's headers included) are counted in `counts` as subresources.
    """

    async def size(request: Any) -> int:
        try:
            sizes = await asyncio.wait_for(request.sizes(), 5)
        except Exception:
            return known.get(request.url, 0)
        body = int(sizes.get("responseBodySize", 0))
        transferred = body + int(sizes.get("responseHeadersSize", 0))
        if counts is not None and transferred > 0 and request.resource_type != "document":
            counts[SUBRESOURCE] += 1
        if body <= 0 and request.url in known:  # from the cache, or revalidated (304)
            return known[request.url]
        fetched = transferred
        if len(known) >= _KNOWN_SIZES_LIMIT:
            known.clear()
        known[request.url] = fetched
        return fetched

    sizes = await asyncio.gather(*(size(r) for r in requests))
    by_type: dict[str, int] = {}
    for request, bytes_ in zip(requests, sizes, strict=True):
        by_type[request.resource_type] = by_type.get(request.resource_type, 0) + bytes_
    return {"requests": len(requests), "bytes": sum(sizes), "bytes_by_type": by_type}
