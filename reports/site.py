"""Rendering the static scorecard site with Jinja2 (autoescape on: page content is untrusted).

The site needs no JavaScript: the overview's sort orders are separate pre-rendered pages, the
charts are inline SVG (reports/charts.py), each next to a table or text with its numbers.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from datetime import datetime
from functools import partial
from pathlib import Path

from jinja2 import Environment, FileSystemBytecodeCache, PackageLoader, select_autoescape
from jinja2.bccache import Bucket

from massaudit.reports import charts
from massaudit.reports.compliance import MATRIX_STATUS_TEXT
from massaudit.reports.document_list import write_documents_csv
from massaudit.reports.export import export_agency_json, export_json, findings_csv, issues_csv
from massaudit.reports.safe_output import dumps_json
from massaudit.reports.scoring import (
    COMPLIANCE_STATUS_TEXT,
    DIMENSIONS,
    EQUITY,
    GRADES,
    SCORING_VERSION,
    grade,
)
from massaudit.reports.screenshots import write_screenshots
from massaudit.reports.views import SKIP_REASON_TEXT, GroupView, Scorecard
from massaudit.rules.catalogue import Catalogue

STATIC_DIR = Path(__file__).parent / "static"
STAMP_FILE = ".massaudit-scorecard.json"  # {"run": id} of the scorecard shown
STAGING_DIR = ".rendering"  # the next scorecard while it is written
REPLACED_DIR = ".replaced"  # the previous scorecard's folders while they are swapped out
SCORE_KEYS = (EQUITY, *(d.id for d in DIMENSIONS))
SCORE_TITLES = {EQUITY: "Equity score (overall)"} | {d.id: d.title for d in DIMENSIONS}
# The compliance status in a table cell, under the heading "WCAG status" (the overview's)
STATUS_SHORT = {
    "compliant": "No failure found",
    "partly": "Some pages fail",
    "not-compliant": "All pages fail",
    "not-tested": "Not tested",
}

# Overview sort orders: file name, label, key. Each is its own page, so no script is needed.
SORTS = (
    (
        "index.html",
        "lowest share of pages without critical or serious WCAG failures first",
        "compliance",
    ),
    ("index-by-equity.html", "lowest equity score first", "equity"),
    ("index-by-name.html", "name", "name"),
    ("index-by-accessibility.html", "lowest accessibility score first", "accessibility"),
    ("index-by-change.html", "biggest drop since the last audit first", "change"),
)


class _QuietBytecodeCache(FileSystemBytecodeCache):
    def dump_bytecode(self, bucket: Bucket) -> None:
        # A full or read-only disk: the next run compiles the template again.
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _bytecode_cache() -> FileSystemBytecodeCache | None:
    """Compiled templates kept between runs in the user's temporary folder (checked by Jinja):
    compiling them costs a fifth of rendering a 300-page scorecard. None where it cannot be."""
    try:
        return _QuietBytecodeCache()
    except (OSError, RuntimeError):
        return None


def make_environment(catalogue: Catalogue) -> Environment:
    env = Environment(
        loader=PackageLoader("massaudit.reports", "templates"),
        bytecode_cache=_bytecode_cache(),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["datetime"] = _format_datetime
    env.filters["grade"] = grade
    env.filters["count_of"] = _count_of
    env.filters["reviews_by_rule"] = reviews_by_rule
    env.filters["signed"] = _signed
    env.filters["occurrences_of"] = _occurrences_of
    env.filters["anchor"] = anchor

    def sc_label(number: str) -> str:
        sc = catalogue.criteria.get(number)
        return f"{number} {sc.title} ({sc.level})" if sc else number

    env.filters["sc_label"] = sc_label
    env.globals.update(
        dimensions=DIMENSIONS,
        score_keys=SCORE_KEYS,
        score_titles=SCORE_TITLES,
        status_text=COMPLIANCE_STATUS_TEXT,
        status_short=STATUS_SHORT,
        matrix_text=MATRIX_STATUS_TEXT,
        sorts=SORTS,
        equity_key=EQUITY,
        formula_version=SCORING_VERSION,
        score_bars=partial(charts.score_bars, keys=SCORE_KEYS, titles=SCORE_TITLES),
        history_chart=charts.history_chart,
        history_legend=lambda keys: charts.legend(charts.history_series([], keys)),
        history_sparkline=charts.history_sparkline,
        impact_bars=charts.impact_bars,
        impact_counts=charts.impact_counts,
    )
    return env


def render_scorecard(scorecard: Scorecard, catalogue: Catalogue, out_dir: Path) -> Path:
    """Write the scorecard site into `out_dir`; returns the path of its index.html.

    The site is rendered into a hidden folder inside `out_dir` and only then moved into place,
    so a render that is killed or fails leaves the previous scorecard as it was. A stamp
    written last names the run shown (`scorecard_run`).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = out_dir / STAGING_DIR
    if staging.exists():
        shutil.rmtree(staging)  # left by a render that was killed
    staging.mkdir()
    try:
        _render_into(scorecard, catalogue, staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # e.g. a full disk: give the space back
        raise
    _swap_in(staging, out_dir)
    stamp = out_dir / STAMP_FILE
    stamp.with_suffix(".tmp").write_text(dumps_json({"run": scorecard.run.id}), encoding="utf-8")
    stamp.with_suffix(".tmp").replace(stamp)
    return out_dir / "index.html"


def scorecard_run(out_dir: Path) -> int | None:
    """The id of the run whose complete scorecard is in `out_dir`; None if there is none."""
    try:
        run_id = json.loads((out_dir / STAMP_FILE).read_text(encoding="utf-8")).get("run")
    except (OSError, ValueError, AttributeError):
        return None
    return run_id if isinstance(run_id, int) and (out_dir / "index.html").is_file() else None


def _swap_in(staging: Path, out_dir: Path) -> None:
    """Move each rendered file and folder over the old one (renames on one file system)."""
    (out_dir / STAMP_FILE).unlink(missing_ok=True)  # the mix during the swap is no run's
    replaced = out_dir / REPLACED_DIR
    if replaced.exists():
        shutil.rmtree(replaced)
    replaced.mkdir()
    entries = sorted(staging.iterdir(), key=lambda p: (p.name.startswith("index"), p.name))
    for entry in entries:
        target = out_dir / entry.name
        if target.is_dir() and not target.is_symlink():
            target.rename(replaced / entry.name)
        entry.replace(target)
    shutil.rmtree(replaced)
    staging.rmdir()


def _render_into(scorecard: Scorecard, catalogue: Catalogue, out_dir: Path) -> None:
    for sub in ("agency", "site", "page", "issue", "export", "export/agency", "assets"):
        (out_dir / sub).mkdir()
    shutil.copy2(STATIC_DIR / "scorecard.css", out_dir / "assets" / "scorecard.css")
    write_screenshots(scorecard.screenshots, out_dir)  # before the pages that show them

    env = make_environment(catalogue)
    pages_by_id = {p.row.id: p for p in scorecard.pages}
    agencies = {a.id: a for a in scorecard.agencies}
    sites = {s.id: s for s in scorecard.sites}
    issues_by_fp = {i.fingerprint: i for i in scorecard.issues}
    common = {
        "run": scorecard.run,
        "scorecard": scorecard,
        "catalogue": catalogue,
        "pages_by_id": pages_by_id,
        "sites_by_id": sites,
        "agencies_by_id": agencies,
        "issues_by_fp": issues_by_fp,
        "fingerprints": scorecard.fingerprints,
        "skip_text": SKIP_REASON_TEXT,
    }

    def write(relative: str, template: str, **context: object) -> None:
        root = "../" * relative.count("/")
        html = env.get_template(template).render(root=root, **common, **context)
        (out_dir / relative).write_text(html, encoding="utf-8")

    for filename, label, key in SORTS:
        write(
            filename,
            "index.html",
            rows=sort_groups(scorecard.agencies, key),
            site_rows=sort_groups(scorecard.sites, key),
            sort_file=filename,
            sort_label=label,
        )
    write(
        "scoring.html",
        "scoring.html",
        scoring_version=SCORING_VERSION,
        grades=GRADES,
        weights=catalogue.impact_weights,
    )
    for agency in scorecard.agencies:
        write(f"agency/{agency.id}.html", "agency.html", agency=agency, group=agency)
    for site in scorecard.sites:
        write(
            f"site/{site.id}.html",
            "site.html",
            site=site,
            group=site,
            agency=agencies.get(site.agency_id),
        )
    for page in scorecard.pages:
        site = sites.get(page.row.site_id)
        write(
            f"page/{page.row.id}.html",
            "page.html",
            page=page,
            site=site,
            agency=agencies.get(site.agency_id) if site else None,
        )
    for issue in scorecard.issues:
        write(f"issue/{issue.fingerprint}.html", "issue.html", issue=issue)

    export = out_dir / "export"
    _write_json(export / "run.json", export_json(scorecard, catalogue))
    (export / "run-findings.csv").write_text(
        findings_csv(scorecard, scorecard.pages, catalogue), encoding="utf-8"
    )
    (export / "run-issues.csv").write_text(
        issues_csv(scorecard.issues, scorecard.pages), encoding="utf-8"
    )
    for agency in scorecard.agencies:
        _write_json(
            export / "agency" / f"{agency.id}.json",
            export_agency_json(scorecard, agency, catalogue),
        )
        (export / "agency" / f"{agency.id}-findings.csv").write_text(
            findings_csv(scorecard, agency.pages, catalogue), encoding="utf-8"
        )
        (export / "agency" / f"{agency.id}-issues.csv").write_text(
            issues_csv(agency.issues, agency.pages), encoding="utf-8"
        )
    write_documents_csv(scorecard, export)  # reports/document_list.py


def _write_json(path: Path, data: object) -> None:
    path.write_text(dumps_json(data) + "\n", encoding="utf-8")


def sort_groups(groups: list[GroupView], key: str) -> list[GroupView]:
    """Groups in one of the overview's orders; groups without a value go last."""
    if key == "name":
        return sorted(groups, key=lambda g: g.name.lower())

    def value(group: GroupView) -> float | None:
        if key == "change":
            return group.trend.equity_change
        if key == "compliance":
            return group.compliance.value
        return group.scores.value(key)

    return sorted(
        groups,
        key=lambda g: (value(g) is None, value(g) if value(g) is not None else 0, g.name.lower()),
    )


def _format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.strftime("%Y-%m-%d %H:%M UTC")


def _count_of(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


_ID_SAFE = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


def anchor(value: str, prefix: str) -> str:
    """The HTML id (and URL fragment) `prefix-value` of a value from the store, such as a rule
    id: a valid id that no other value of the same prefix gives, so ids built from crawled data
    never collide. Lower-case letters, digits and `-` stay; any other character is `_<hex>_`."""
    return f"{prefix}-" + "".join(c if c in _ID_SAFE else f"_{ord(c):x}_" for c in str(value))


def _occurrences_of(page: object, fp: str, fingerprints: dict[int, str]) -> int:
    return sum(1 for f in page.failures if fingerprints.get(f.id) == fp)  # type: ignore[attr-defined]


def _signed(value: float | None) -> str:
    if value is None:
        return ""
    if value == 0:
        return "no change"
    return f"{value:+.1f}"


def reviews_by_rule(pages: list) -> list[dict]:
    """The "needs review" list of a site: per rule, the pages and how many items on each."""
    rules: dict[str, dict] = {}
    for page in pages:
        for finding in page.reviews:
            entry = rules.setdefault(
                finding.rule_id, {"rule_id": finding.rule_id, "pages": [], "counts": {}}
            )
            if page.row.id not in entry["counts"]:
                entry["pages"].append(page)
                entry["counts"][page.row.id] = 0
            entry["counts"][page.row.id] += 1
    return sorted(rules.values(), key=lambda e: (-len(e["pages"]), e["rule_id"]))
