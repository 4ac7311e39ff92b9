"""The scripts each audited page runs: axe-core, the facts script, the 320 px pass.

Results come back as JSON text: Playwright's own transfer of a large object (axe-core's results,
the facts) walks and validates every value in Python, several times the cost of json.loads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from playwright.async_api import Page

from massaudit.audits.axe import AXE_TAGS

# Passes and inapplicable keep every rule id but only one sample node each: judging needs the
# rule-level outcome, and full node lists for passing rules are most of axe's cost.
AXE_RUN_OPTIONS: dict[str, Any] = {
    "runOnly": {"type": "tag", "values": list(AXE_TAGS)},
    "resultTypes": ["violations", "incomplete"],
}
# JSON.stringify is captured before the page's scripts run, so a page cannot replace it.
CAPTURE_STRINGIFY = """(() => {
  const key = Symbol.for("massaudit.stringify");
  if (!window[key]) Object.defineProperty(window, key, { value: JSON.stringify.bind(JSON) });
})();"""


def as_json(function: str) -> str:
    """`function` (JS, may return a promise) wrapped to return its result as JSON text."""
    return (
        "async (arg) => (window[Symbol.for('massaudit.stringify')] || JSON.stringify)"
        f"(await ({function})(arg))"
    )


# The main audit also reads the title and how long the document itself took to download (the
# browser fetches what the crawler fetched; the bench reports that cost): one round trip.
RUN_AXE_AND_TITLE = as_json(
    "(options) => axe.run(document, options).then((r) => {"
    " const n = performance.getEntriesByType('navigation')[0];"
    " return [r, document.title, n ? n.responseEnd - n.requestStart : null]; })"
)
# WCAG 2.2 2.5.8 Target Size (Minimum), run apart from the 2.1 AA set at the 320 px width.
TARGET_SIZE_OPTIONS: dict[str, Any] = {
    "runOnly": ["target-size"],
    "resultTypes": ["violations", "incomplete"],
}
REFLOW_VIEWPORT = {"width": 320, "height": 640}
FACTS_JS = as_json((Path(__file__).parent / "facts.js").read_text(encoding="utf-8"))
_REFLOW_JS = (Path(__file__).parent / "reflow.js").read_text(encoding="utf-8")
PERFORMANCE_JS = (Path(__file__).parent / "performance.js").read_text(encoding="utf-8")
# At 320 px, one animation frame after the resize (the page's resize handlers and media queries
# have run; at most 100 ms, should the page have replaced requestAnimationFrame): reflow, then
# axe-core's target-size rule.
AT_320 = as_json(
    "async (options) => {"
    " await new Promise((r) => { requestAnimationFrame(r); setTimeout(r, 100); });"
    f" const reflow = ({_REFLOW_JS.strip().rstrip(';')})();"
    " const target = await axe.run(document, options);"
    " return { reflow, target }; }"
)


async def evaluate_json(page: Page, function: str, arg: Any = None) -> Any:
    """Run one of the scripts above (wrapped by `as_json`) and parse its answer."""
    text = await page.evaluate(function, arg)
    if not isinstance(text, str):
        raise ValueError("the page's script returned no result")
    return json.loads(text)
