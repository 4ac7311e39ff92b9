"""Write rules/data/axe-rules.json: the metadata of every rule in the vendored axe-core.

The catalogue (rules/catalogue.py) reads that file instead of a browser, so this script runs only
when the pinned axe-core changes:

    .venv/bin/python scripts/generate_axe_catalogue.py           # rewrite rules/data/axe-rules.json
    .venv/bin/python scripts/generate_axe_catalogue.py --check   # exit 1 if the file is stale

It starts Chromium (audits.browser), injects the vendored axe.min.js (audits.axe) into a blank page
and reads, per rule:

- `axe.getRules()`: id, description, help (our "title"), helpUrl, tags, actIds, and `enabled` as
  axe itself reports it: `rule.enabled` and not tagged `experimental`/`deprecated` (axe's
  `_audit.tagExclude`). That is "runs when axe is called without options" and is what we store as
  `enabled_by_default`. The raw `_audit.rules[i].enabled` flag is kept as `axe_enabled`
  (target-size, for one, is off there; css-orientation-lock is on there but experimental).
- impact: a rule has no impact in getRules(). Since axe-core 4.x rules carry their own `impact`,
  and when set it overrides the impact of every check in the rule's results; otherwise a node's
  impact is the highest impact among its checks. So: the rule's own impact when set
  (`impact_source: "rule"`), else the highest impact in the metadata of its any/all/none checks
  (`impact_source: "checks"`).

`--sample-fixture PATH` instead renders a small built-in page and writes the PageArtifacts of one
real axe run to PATH (tests/fixtures/artifacts/sample-page.json was made this way).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = ROOT / "rules" / "data" / "axe-rules.json"

_IMPACT_ORDER = ("minor", "moderate", "serious", "critical")

# Runs in the page after axe is injected. Returns plain JSON data only.
_COLLECT_JS = """() => {
  const audit = axe._audit;
  const checkData = audit.data.checks || {};
  const checkId = (c) => (typeof c === 'string' ? c : c.id);
  const byId = {};
  for (const rule of audit.rules) {
    const checks = [...rule.any, ...rule.all, ...rule.none].map(checkId);
    byId[rule.id] = {
      axe_enabled: rule.enabled !== false,
      rule_impact: rule.impact || null,
      check_impacts: checks.map((id) => (checkData[id] || {}).impact || null),
    };
  }
  return {version: axe.version, tagExclude: audit.tagExclude || [],
          rules: axe.getRules().map((r) => ({...r, ...byId[r.ruleId]}))};
}"""

SAMPLE_URL = "https://www.example.mass.gov/sample-page"
SAMPLE_HTML = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sample page</title></head>
<body>
<main id="main-content">
  <h1>Apply for a sample permit</h1>
  <img id="seal" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="40" height="40">
  <form action="#">
    <input type="text" id="permit-number" name="permit-number">
    <button type="submit">Search</button>
  </form>
  <p id="hero" style="background-image: linear-gradient(#ffffff, #cccccc); color: #777777">
    Applications open on 1 June.
  </p>
</main>
</body>
</html>
"""


def _highest(impacts: list[str | None]) -> str | None:
    known = [i for i in impacts if i in _IMPACT_ORDER]
    return max(known, key=_IMPACT_ORDER.index) if known else None


def build_catalogue(collected: dict[str, Any]) -> dict[str, Any]:
    """Turn what the page returned into the axe-rules.json document (pure)."""
    rules = []
    for raw in collected["rules"]:
        rule_id = raw["ruleId"]
        if raw.get("rule_impact"):
            impact, source = raw["rule_impact"], "rule"
        else:
            impact, source = _highest(raw.get("check_impacts") or []), "checks"
        if impact is None:
            raise SystemExit(f"axe rule {rule_id!r} has no impact on the rule or its checks")
        rules.append(
            {
                "id": rule_id,
                "title": raw["help"],
                "description": raw["description"],
                "help_url": raw["helpUrl"],
                "tags": list(raw["tags"]),
                "act_ids": list(raw.get("actIds") or []),
                "impact": impact,
                "impact_source": source,
                "enabled_by_default": bool(raw["enabled"]),
                "axe_enabled": bool(raw["axe_enabled"]),
            }
        )
    rules.sort(key=lambda r: r["id"])
    return {
        "axe_version": collected["version"],
        "generated_by": "scripts/generate_axe_catalogue.py",
        "default_excluded_tags": sorted(collected["tagExclude"]),
        "rules": rules,
    }


def dump(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


async def _with_axe_page(html: str, url: str | None, action):
    from playwright.async_api import async_playwright

    from massaudit.audits.axe import axe_source
    from massaudit.audits.browser import launch_chromium

    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        try:
            page = await browser.new_page()
            if url is None:
                await page.set_content(html)
            else:

                async def fulfil(route):
                    await route.fulfill(status=200, content_type="text/html", body=html)

                await page.route(url, fulfil)
                await page.goto(url)
            await page.add_script_tag(content=axe_source())
            return await action(page)
        finally:
            await browser.close()


async def collect() -> dict[str, Any]:
    async def read(page):
        return await page.evaluate(_COLLECT_JS)

    return await _with_axe_page("<!doctype html><html><body></body></html>", None, read)


async def sample_artifacts() -> dict[str, Any]:
    from massaudit.audits.axe import AXE_TAGS
    from massaudit.rules.model import PageArtifacts

    async def run(page):
        result = await page.evaluate(
            "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", list(AXE_TAGS)
        )
        return PageArtifacts(
            url=SAMPLE_URL,
            final_url=page.url,
            status=200,
            title=await page.title(),
            axe=result,
        )

    artifacts = await _with_axe_page(SAMPLE_HTML, SAMPLE_URL, run)
    return artifacts.to_dict()


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    from massaudit.audits.axe import AXE_VERSION

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--check", action="store_true", help="do not write; exit 1 if --output is out of date"
    )
    parser.add_argument(
        "--sample-fixture",
        type=Path,
        metavar="PATH",
        help="write the PageArtifacts of one axe run over a built-in sample page to PATH",
    )
    args = parser.parse_args(argv)

    if args.sample_fixture:
        text = json.dumps(asyncio.run(sample_artifacts()), indent=2, ensure_ascii=False) + "\n"
        args.sample_fixture.parent.mkdir(parents=True, exist_ok=True)
        args.sample_fixture.write_text(text, encoding="utf-8")
        print(f"wrote {args.sample_fixture}")
        return 0

    document = build_catalogue(asyncio.run(collect()))
    if document["axe_version"] != AXE_VERSION:
        print(
            f"axe in the page reports {document['axe_version']}, vendored VERSION says "
            f"{AXE_VERSION}; fix audits/vendor/axe-core first",
            file=sys.stderr,
        )
        return 1
    text = dump(document)
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date; run {Path(__file__).name}", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date ({len(document['rules'])} rules)")
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}: {len(document['rules'])} rules, axe-core {AXE_VERSION}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
