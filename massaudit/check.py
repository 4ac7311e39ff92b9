"""`massaudit check`: the CI gate for pages and HTML before they go live.

Inputs are URLs, local HTML files or folders (served from a temporary 127.0.0.1 server rooted at
their common folder, so relative CSS, images and scripts load as they would live), and `-`: an
HTML fragment on standard input (a CMS body field), put into a page template at the
`{{ content }}` placeholder (`--template FILE`, or the built-in Mass.gov-like page). For a
fragment only findings on the fragment's own elements (and page-level plain-language and
language-access results) count, not the wrapper's.

Pages are audited by one warm Chromium (`audits.collector.Auditor`), `--concurrency` at a time,
and judged by exactly the nightly audit's judging (`massaudit.run.judge` and the site-level
checks), then filtered (`--rules`, `--categories`), matched against suppressions
(`--config`, massaudit/check_config.py) and the baseline (`--baseline`), and gated.

Exit codes: 0 passed; 1 findings over the gate; 2 usage or configuration error; 3 could not
check (a page failed to load, no browser) — never a silent pass.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from massaudit import __version__, arguments
from massaudit.check_config import CheckConfig, CheckConfigError, load_check_config
from massaudit.reports.ci_formats import (
    FORMATS,
    CheckedFinding,
    CheckedPage,
    CheckReport,
    impact_rank,
    write,
)
from massaudit.reports.safe_output import dumps_json
from massaudit.rules.catalogue import Catalogue, CatalogueError, load_catalogue
from massaudit.rules.fingerprint import fingerprint
from massaudit.rules.model import IMPACTS, Finding, PageArtifacts

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CANNOT_RUN = 0, 1, 2, 3
PLACEHOLDER = re.compile(r"\{\{\s*content\s*\}\}")
FRAGMENT_ATTRIBUTE = "data-massaudit-fragment"
STDIN_KEY = "-"
BASELINE_FORMAT = 1
HTML_SUFFIXES = (".html", ".htm")
# Checks about how a page is served, not what it says: meaningless for content served from our
# temporary 127.0.0.1 server (local files and fragments).
LOCAL_DISABLED = ("https-hsts",)
# Page-level results (selector html/head/body) kept for a fragment: those about its content.
FRAGMENT_PAGE_CATEGORIES = ("plain-language", "language-access")
_PAGE_SELECTORS = ("", "html", "head", "body")

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


class CheckUsageError(Exception):
    """Bad flags, config, baseline or template: exit code 2 with one line."""


# --- command line ------------------------------------------------------------------------------


def add_check_parser(commands: Any) -> argparse.ArgumentParser:
    check = commands.add_parser(
        "check",
        help="check pages, HTML files or a fragment before they go live (CI gate)",
        description=(
            "Check URLs, local HTML files or folders, or an HTML fragment on standard input (-) "
            "with the nightly audit's rules. Exit codes: 0 passed, 1 findings over the gate, "
            "2 usage or configuration error, 3 could not check (page failed to load, no browser)."
        ),
    )
    check.add_argument("inputs", nargs="+", metavar="INPUT", help="URL, HTML file, folder, or -")
    check.add_argument(
        "--fail-on",
        choices=IMPACTS,
        default="serious",
        help="fail on findings of this impact or worse (default: serious)",
    )
    check.add_argument(
        "--max-failures",
        action="append",
        default=[],
        metavar="CATEGORY=N",
        help="allow at most N new failures of a category, of any impact; replaces --fail-on "
        "for that category (repeatable)",
    )
    check.add_argument("--baseline", metavar="FILE", help="findings in this baseline do not fail")
    check.add_argument(
        "--write-baseline", metavar="FILE", help="record the current failures as a baseline"
    )
    check.add_argument(
        "--rules",
        action="append",
        default=[],
        metavar="IDS",
        help="only these rule ids (comma-separated, repeatable)",
    )
    check.add_argument(
        "--categories",
        action="append",
        default=[],
        metavar="NAMES",
        help="only rules of these categories (comma-separated, repeatable)",
    )
    check.add_argument("--config", metavar="FILE", help="check config file (suppressions, TOML)")
    check.add_argument(
        "--report",
        action="append",
        default=[],
        metavar="FORMAT[:PATH]",
        help=f"report format ({', '.join(FORMATS)}) and file; repeatable; default text to stdout",
    )
    check.add_argument(
        "--template", metavar="FILE", help="page template for a fragment on stdin ({{ content }})"
    )
    check.add_argument(
        "--concurrency",
        type=arguments.concurrency,
        default=min(4, os.cpu_count() or 1),
        help="pages checked at once, 1 to 32 (default: min(4, CPUs))",
    )
    check.add_argument(
        "--page-timeout",
        type=arguments.page_timeout,
        default=30.0,
        help="seconds to load and audit one page, 1 to 300 (default 30)",
    )
    return check


def cmd_check(args: argparse.Namespace) -> int:
    from massaudit.audits.browser import BrowserNotFound

    try:
        return run_check(args)
    except (CheckUsageError, CheckConfigError, CatalogueError, arguments.PathProblem) as exc:
        print(f"massaudit check: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrowserNotFound as exc:
        print(f"massaudit check: could not check: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN


# --- options -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportTarget:
    fmt: str
    path: str | None  # None: standard output


@dataclass
class Target:
    key: str
    kind: str  # "url" | "file" | "fragment"
    url: str = ""
    path: Path | None = None  # the local file
    html: str | None = None  # the wrapped fragment page


def parse_reports(values: list[str]) -> list[ReportTarget]:
    targets = []
    for value in values or ["text"]:
        fmt, _, path = value.partition(":")
        fmt = fmt.strip().lower()
        if fmt not in FORMATS:
            raise CheckUsageError(
                f"--report {value}: unknown format {fmt!r}; known: {', '.join(FORMATS)}"
            )
        targets.append(ReportTarget(fmt, path or None))
    to_stdout = [t.fmt for t in targets if t.path is None]
    if len(to_stdout) > 1:
        raise CheckUsageError(
            f"--report: {' and '.join(to_stdout)} both go to standard output; give one a :PATH"
        )
    return targets


def parse_max_failures(values: list[str], catalogue: Catalogue) -> dict[str, int]:
    out = {}
    for value in values:
        name, sep, number = value.partition("=")
        name = name.strip()
        if not sep or not number.strip().isdigit():
            raise CheckUsageError(
                f"--max-failures {value}: expected CATEGORY=N, e.g. plain-language=3"
            )
        if name not in catalogue.categories:
            raise CheckUsageError(
                f"--max-failures {value}: unknown category {name!r}; known: "
                f"{', '.join(sorted(catalogue.categories))}"
            )
        out[name] = int(number)
    return out


def selected_rules(
    rules: list[str], categories: list[str], catalogue: Catalogue
) -> set[str] | None:
    """Rule ids chosen by --rules and --categories (their union); None: every rule."""
    rule_ids = _split(rules)
    category_ids = _split(categories)
    for rule_id in rule_ids:
        if rule_id not in catalogue.rules:
            raise CheckUsageError(f"--rules: unknown rule {rule_id!r} (see rules/data/)")
    for category in category_ids:
        if category not in catalogue.categories:
            raise CheckUsageError(
                f"--categories: unknown category {category!r}; known: "
                f"{', '.join(sorted(catalogue.categories))}"
            )
    if not rule_ids and not category_ids:
        return None
    chosen = set(rule_ids)
    chosen |= {r.id for r in catalogue.rules.values() if r.category in category_ids}
    return chosen


def _split(values: Iterable[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def load_baseline(path: str) -> Counter[tuple[str, str, str]]:
    """(page key, rule id, fingerprint) -> how many such findings the baseline holds."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckUsageError(f"--baseline {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckUsageError(f"--baseline {path}: cannot read it ({exc})") from None
    except json.JSONDecodeError as exc:
        raise CheckUsageError(f"--baseline {path}: not JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != BASELINE_FORMAT:
        raise CheckUsageError(
            f"--baseline {path}: not a massaudit baseline (format {BASELINE_FORMAT}); "
            f"write one with --write-baseline"
        )
    findings = data.get("findings")
    if not isinstance(findings, list):
        raise CheckUsageError(f"--baseline {path}: findings must be a list")
    counts: Counter[tuple[str, str, str]] = Counter()
    for index, entry in enumerate(findings):
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), str) for k in ("page", "rule", "fingerprint")
        ):
            raise CheckUsageError(
                f"--baseline {path}: findings[{index}] needs string page, rule and fingerprint"
            )
        counts[(entry["page"], entry["rule"], entry["fingerprint"])] += 1
    return counts


def baseline_data(pages: list[CheckedPage], catalogue_version: str) -> dict[str, Any]:
    findings = [
        {
            "page": page.key,
            "rule": item.finding.rule_id,
            "fingerprint": item.fingerprint,
            "impact": item.finding.impact,
            "selector": item.finding.selector,
        }
        for page in pages
        for item in page.findings
        if item.status in ("new", "baselined")
    ]
    return {
        "format": BASELINE_FORMAT,
        "tool": f"massaudit {__version__}",
        "catalogue": catalogue_version,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "findings": findings,
    }


# --- inputs ------------------------------------------------------------------------------------


def resolve_inputs(inputs: list[str]) -> tuple[list[str], list[Path], bool]:
    """(URLs, local HTML files, whether `-` was given); CheckUsageError for anything else."""
    urls: list[str] = []
    files: list[Path] = []
    stdin = False
    for value in inputs:
        if value == STDIN_KEY:
            if stdin:
                raise CheckUsageError("-: standard input can be given only once")
            stdin = True
        elif urlsplit(value).scheme in ("http", "https"):
            urls.append(value)
        else:
            path = Path(value)
            if path.is_dir():
                found = sorted(
                    p for p in path.rglob("*") if p.suffix.lower() in HTML_SUFFIXES and p.is_file()
                )
                if not found:
                    raise CheckUsageError(f"{value}: no .html or .htm files in this folder")
                files.extend(found)
            elif path.is_file():
                files.append(path)
            else:
                raise CheckUsageError(f"{value}: not a URL (http/https), a file or a folder")
    seen: set[Path] = set()
    unique = []
    for path in files:
        resolved = path.resolve()
        if resolved not in seen:
            seen.add(resolved)
            unique.append(resolved)
    return urls, unique, stdin


def served_root(files: list[Path]) -> Path:
    """The common folder of the local inputs (each file's folder)."""
    return Path(os.path.commonpath([str(p.parent) for p in files]))


def wrap_fragment(fragment: str, template: str) -> str:
    if not PLACEHOLDER.search(template):
        raise CheckUsageError("--template: no {{ content }} placeholder in the template")
    body = f"<div {FRAGMENT_ATTRIBUTE}>\n{fragment}\n</div>"
    return PLACEHOLDER.sub(lambda _m: body, template, count=1)


def _with_base(page: str, base_url: str) -> str:
    """Make the template's relative URLs resolve against the folder the template came from."""
    tag = f'<base href="{base_url}/">'
    match = re.search(r"<head(?=[\s>])[^>]*>", page, re.IGNORECASE)
    if match:
        return page[: match.end()] + tag + page[match.end() :]
    return tag + page


# --- running -----------------------------------------------------------------------------------


def run_check(args: argparse.Namespace) -> int:
    started = time.monotonic()
    catalogue = load_catalogue()
    reports = parse_reports(args.report)
    max_failures = parse_max_failures(args.max_failures, catalogue)
    chosen = selected_rules(args.rules, args.categories, catalogue)
    config = load_check_config(args.config, catalogue.rules) if args.config else CheckConfig()
    baseline = load_baseline(args.baseline) if args.baseline else Counter()
    for target in reports:
        if target.path is not None:
            arguments.output_file("--report", target.path)
    if args.write_baseline:
        arguments.output_file("--write-baseline", args.write_baseline)
    urls, files, stdin = resolve_inputs(args.inputs)
    if args.template and not stdin:
        raise CheckUsageError("--template: only used with a fragment on standard input (-)")
    template = BUILTIN_TEMPLATE
    template_dir = None
    if args.template:
        try:
            template = Path(args.template).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CheckUsageError(f"--template {args.template}: cannot read it ({exc})") from None
        template_dir = Path(args.template).resolve().parent
    fragment = None
    if stdin:
        fragment = sys.stdin.read()
        if not fragment.strip():
            raise CheckUsageError("-: standard input is empty; pipe an HTML fragment in")
        wrap_fragment("", template)  # placeholder present?

    from massaudit.audits.browser import check_chromium
    from massaudit.pipeline.static_server import serve_directory

    check_chromium()
    targets: list[Target] = [Target(key=url, kind="url", url=url) for url in urls]
    with ExitStack() as stack:
        if files:
            root = served_root(files)
            base = stack.enter_context(serve_directory(root))
            for path in files:
                rel = path.relative_to(root).as_posix()
                targets.append(Target(key=rel, kind="file", url=f"{base}/{quote(rel)}", path=path))
        if fragment is not None:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="massaudit-check-")))
            page = wrap_fragment(fragment, template)
            if template_dir is not None:
                page = _with_base(page, stack.enter_context(serve_directory(template_dir)))
            (tmp / "fragment.html").write_text(page, encoding="utf-8")
            base = stack.enter_context(serve_directory(tmp))
            targets.append(
                Target(key=STDIN_KEY, kind="fragment", url=f"{base}/fragment.html", html=page)
            )
        artifacts, axe_version = asyncio.run(
            audit_all([t.url for t in targets], args.concurrency, args.page_timeout)
        )
    pages = judge_targets(targets, artifacts, catalogue, chosen)
    apply_gate(pages, catalogue, config, baseline, args.fail_on, max_failures)
    if any(page.error for page in pages):
        code = EXIT_CANNOT_RUN
    elif args.write_baseline:
        code = EXIT_OK
    else:
        code = EXIT_FAILED if any(page.blocking for page in pages) else EXIT_OK
    if args.write_baseline and code != EXIT_CANNOT_RUN:
        data = baseline_data(pages, catalogue.version)
        Path(args.write_baseline).write_text(dumps_json(data) + "\n", encoding="utf-8")
    named = {i.finding.rule_id for p in pages for i in p.findings} | {
        r for p in pages for r in p.rule_outcomes
    }
    report = CheckReport(
        pages=pages,
        rules={r: catalogue.rules[r] for r in sorted(named) if r in catalogue.rules},
        exit_code=code,
        fail_on=args.fail_on,
        max_failures=max_failures,
        baseline=args.baseline,
        tool_version=__version__,
        axe_version=axe_version,
        catalogue_version=catalogue.version,
        seconds=time.monotonic() - started,
    )
    for target in reports:
        text = write(report, target.fmt)
        if target.path is None:
            sys.stdout.write(text)
        else:
            path = Path(target.path)
            path.parent.mkdir(parents=True, exist_ok=True)
            # $GITHUB_STEP_SUMMARY is shared by the job's steps: add to it, never replace it.
            mode = "a" if target.path == os.environ.get("GITHUB_STEP_SUMMARY") else "w"
            with path.open(mode, encoding="utf-8") as out:
                out.write(text)
    if all(t.path is not None for t in reports):
        print(write(report, "text").splitlines()[-1], file=sys.stderr)
    if args.write_baseline and code != EXIT_CANNOT_RUN:
        print(f"Baseline written: {args.write_baseline}", file=sys.stderr)
    return code


async def audit_all(
    urls: list[str], concurrency: int, page_timeout: float
) -> tuple[list[PageArtifacts], str | None]:
    """Audit every URL in one warm Chromium, `concurrency` pages at once, each within a timeout."""
    from massaudit.audits.collector import Auditor, AuditSettings

    settings = AuditSettings(
        concurrency=concurrency, navigation_timeout_s=page_timeout, axe_timeout_s=page_timeout
    )
    auditor = Auditor(settings)
    await auditor.start()  # BrowserNotFound here is exit code 3

    slots = asyncio.Semaphore(concurrency)

    async def one(url: str) -> PageArtifacts:
        # Navigation, axe and the facts each have their own timeout; this is the backstop.
        async with slots:
            try:
                return await asyncio.wait_for(auditor.audit(url), page_timeout * 4 + 10)
            except TimeoutError:
                error = f"timed out after {page_timeout * 4 + 10:.0f} s"
                return PageArtifacts(url, url, None, "", {}, error=error)

    try:
        results = await asyncio.gather(*(one(url) for url in urls))
    finally:
        await auditor.close()
    return list(results), auditor.axe_version


def load_error(artifacts: PageArtifacts) -> str | None:
    if artifacts.error:
        return artifacts.error
    if artifacts.status is None:
        return "no response"
    if artifacts.status >= 400:
        return f"HTTP {artifacts.status}"
    return None


def judge_targets(
    targets: list[Target],
    artifacts: list[PageArtifacts],
    catalogue: Catalogue,
    chosen: set[str] | None,
) -> list[CheckedPage]:
    """Judge every page exactly as the nightly audit does, then keep the chosen rules."""
    from massaudit.rules.checks.settings import CheckSettings
    from massaudit.rules.judge import judge, judge_site

    remote = CheckSettings()
    local = CheckSettings(disabled=LOCAL_DISABLED)
    pages: list[CheckedPage] = []
    judged: dict[int, tuple[list[Finding], dict[str, str]]] = {}
    by_origin: dict[tuple[str, bool], dict[int, PageArtifacts]] = {}
    for index, (target, art) in enumerate(zip(targets, artifacts, strict=True)):
        error = load_error(art)
        pages.append(
            CheckedPage(
                key=target.key,
                url=target.url,
                kind=target.kind,  # type: ignore[arg-type]
                source=_relative_source(target.path),
                error=error,
                status=art.status,
                title=art.title,
                seconds=(art.timings.get("total_ms") or 0) / 1000,
            )
        )
        if error:
            continue
        is_local = target.kind != "url"
        judgement = judge(art, catalogue, local if is_local else remote)
        judged[index] = (list(judgement.findings), dict(judgement.rule_outcomes))
        origin = urlsplit(art.final_url or art.url)
        by_origin.setdefault((f"{origin.scheme}://{origin.netloc}", is_local), {})[index] = art
    for (_origin, is_local), group in by_origin.items():
        site = judge_site(group, catalogue, local if is_local else remote)
        for index, (findings, outcomes) in site.items():
            judged[index][0].extend(findings)
            judged[index][1].update(outcomes)
    for index, (findings, outcomes) in judged.items():
        target, page = targets[index], pages[index]
        if chosen is not None:
            findings = [f for f in findings if f.rule_id in chosen]
            outcomes = {r: o for r, o in outcomes.items() if r in chosen}
        if target.kind == "fragment" and target.html is not None:
            findings = fragment_findings(findings, target.html, catalogue)
        source_text = _read_text(target.path) if target.path else None
        findings.sort(key=lambda f: (f.rule_id, f.selector, f.outcome, f.html, f.message))
        page.rule_outcomes = dict(sorted(outcomes.items()))
        page.findings = [
            CheckedFinding(
                finding=f,
                fingerprint=fingerprint(f.rule_id, f.selector, f.html),
                status="review" if f.outcome == "needs-review" else "new",
                line=find_line(source_text, f.html) if source_text else None,
            )
            for f in findings
        ]
    return pages


def apply_gate(
    pages: list[CheckedPage],
    catalogue: Catalogue,
    config: CheckConfig,
    baseline: Counter[tuple[str, str, str]],
    fail_on: str,
    max_failures: dict[str, int],
) -> None:
    """Set each finding's status (suppressed, baselined, new, review) and whether it blocks."""
    remaining = Counter(baseline)
    for page in pages:
        updated = []
        for item in page.findings:
            f = item.finding
            suppression = config.suppression_for(f.rule_id, f.selector, item.fingerprint, page.key)
            if suppression is not None:
                note = f"{suppression.where}: {suppression.reason}".rstrip(": ")
                updated.append(_replace(item, status="suppressed", note=note))
            elif item.status == "new" and remaining[(page.key, f.rule_id, item.fingerprint)] > 0:
                remaining[(page.key, f.rule_id, item.fingerprint)] -= 1
                updated.append(_replace(item, status="baselined"))
            else:
                updated.append(item)
        page.findings = updated
    limit = impact_rank(fail_on)
    new_per_category: Counter[str] = Counter(
        i.finding.category for p in pages for i in p.findings if i.status == "new"
    )
    for page in pages:
        page.findings = [
            _replace(item, blocking=_blocks(item, limit, max_failures, new_per_category))
            for item in page.findings
        ]


def _blocks(
    item: CheckedFinding, limit: int, max_failures: dict[str, int], per_category: Counter[str]
) -> bool:
    if item.status != "new":
        return False
    category = item.finding.category
    if category in max_failures:
        return per_category[category] > max_failures[category]
    return impact_rank(item.finding.impact) <= limit


def _replace(item: CheckedFinding, **changes: Any) -> CheckedFinding:
    from dataclasses import replace

    return replace(item, **changes)


def _relative_source(path: Path | None) -> str | None:
    if path is None:
        return None
    return Path(os.path.relpath(path, Path.cwd())).as_posix()


def _read_text(path: Path | None) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace") if path else None
    except OSError:
        return None


# --- fragments: the wrapper's findings do not count --------------------------------------------


def fragment_findings(
    findings: list[Finding], page_html: str, catalogue: Catalogue
) -> list[Finding]:
    """Keep findings on the fragment's elements; drop those on the template around it.

    Page-level results (selector html/head/body) are kept only for plain language and language
    access (they judge the text, which is the fragment's). A selector that cannot be resolved in
    the source is kept (never hide a problem we cannot place).
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page_html, "html.parser")
    kept = []
    for f in findings:
        selector = f.selector.split(" >>> ")[0].strip()
        if selector in _PAGE_SELECTORS:
            if f.category in FRAGMENT_PAGE_CATEGORIES:
                kept.append(f)
            continue
        try:
            elements = soup.select(selector)
        except Exception:
            elements = []
        if not elements or any(_in_fragment(e) for e in elements):
            kept.append(f)
    return kept


def _in_fragment(element: Any) -> bool:
    node = element
    while node is not None:
        if getattr(node, "attrs", None) is not None and FRAGMENT_ATTRIBUTE in node.attrs:
            return True
        node = node.parent
    return False


# --- where an element is in its source file -----------------------------------------------------


class _Attrs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tag: str | None = None
        self.attrs: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.tag is None:
            self.tag = tag
            self.attrs = [(k, v or "") for k, v in attrs]

    handle_startendtag = handle_starttag


def _start_tag(html: str) -> tuple[str | None, list[tuple[str, str]]]:
    parser = _Attrs()
    try:
        parser.feed(html)
        parser.close()
    except Exception:
        return None, []
    return parser.tag, parser.attrs


def find_line(source: str, html: str) -> int | None:
    """1-based line of the element's opening tag in `source`, best effort; None if unsure.

    The opening tag of the snippet is looked for as written first; then every `<tag ...>` of
    the same name is compared by attributes and the best match (all of the snippet's
    attributes, or the only one with the most) wins.
    """
    match = re.match(r"\s*(<[a-zA-Z][^>]*>)", html or "")
    if not match:
        return None
    opening = match.group(1)
    position = source.find(opening)
    if position >= 0 and source.find(opening, position + 1) < 0:
        return source.count("\n", 0, position) + 1
    tag, attrs = _start_tag(opening)
    if tag is None:
        return None
    wanted = set(attrs)
    scored = []
    for candidate in re.finditer(rf"<{re.escape(tag)}(?=[\s/>])[^>]*>", source, re.IGNORECASE):
        _tag, found = _start_tag(candidate.group(0))
        scored.append((len(wanted & set(found)), candidate.start()))
    if not scored:
        return None
    best = max(score for score, _ in scored)
    at_best = [start for score, start in scored if score == best]
    if (wanted and best == len(wanted)) or len(at_best) == 1:
        return source.count("\n", 0, at_best[0]) + 1
    return None
