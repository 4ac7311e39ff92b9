"""The page a fragment on standard input is checked in: the `--template FILE` or the built-in
Mass.gov-like page, with the fragment at its `{{ content }}` placeholder, marked so that only
the fragment's own findings count (pipeline/check/fragment.py)."""

from __future__ import annotations

import re
from pathlib import Path

from massaudit.pipeline.check.exit_codes import CheckUsageError

PLACEHOLDER = re.compile(r"\{\{\s*content\s*\}\}")
FRAGMENT_ATTRIBUTE = "data-massaudit-fragment"

BUILTIN_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Preview | Mass.gov</title>
<meta name="description" content="Preview of content before publication on Mass.gov.">
<link rel="canonical" href="/preview">
<style>
body { font-family: sans-serif; color: #141414; background: #fff; line-height: 1.5; }
header a, nav a, footer a { display: inline-block; min-height: 24px; min-width: 24px; padding: 4px 0; }
nav ul { list-style: none; padding: 0; }
</style>
</head>
<body>
<a href="#main-content">Skip to main content</a>
<header>
  <div class="ma__brand-banner">An official website of the Commonwealth of Massachusetts</div>
  <form role="search" action="/search" method="get">
    <label for="site-search">Search Mass.gov</label>
    <input id="site-search" type="search" name="q">
    <button type="submit">Search</button>
  </form>
  <nav aria-label="Main">
    <ul><li><a href="/">Mass.gov home</a></li><li><a href="/topics">Living</a></li></ul>
  </nav>
</header>
<main id="main-content">
<h1>Content preview</h1>
{{ content }}
</main>
<footer>
  <nav aria-label="Footer">
    <ul>
      <li><a href="/privacypolicy">Privacy policy</a></li>
      <li><a href="/accessibility">Accessibility statement</a></li>
      <li><a href="/contact">Contact us</a></li>
      <li><a href="/feedback">Give feedback</a></li>
    </ul>
  </nav>
</footer>
</body>
</html>
"""


def read_template(path: str | None) -> tuple[str, Path | None]:
    """(the template, the folder its relative URLs resolve against); the built-in one for None."""
    if path is None:
        return BUILTIN_TEMPLATE, None
    try:
        template = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckUsageError(f"--template {path}: cannot read it ({exc})") from None
    return template, Path(path).resolve().parent


def wrap_fragment(fragment: str, template: str) -> str:
    if not PLACEHOLDER.search(template):
        raise CheckUsageError("--template: no {{ content }} placeholder in the template")
    body = f"<div {FRAGMENT_ATTRIBUTE}>\n{fragment}\n</div>"
    return PLACEHOLDER.sub(lambda _m: body, template, count=1)


def with_base(page: str, base_url: str) -> str:
    """Make the template's relative URLs resolve against the folder the template came from."""
    tag = f'<base href="{base_url}/">'
    match = re.search(r"<head(?=[\s>])[^>]*>", page, re.IGNORECASE)
    if match:
        return page[: match.end()] + tag + page[match.end() :]
    return tag + page
