"""Rendering the static scorecard site with Jinja2 (autoescape on: page content is untrusted)."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from reports.scoring import GRADE_BANDS, SCORING_VERSION, grade
from reports.views import SKIP_REASON_TEXT, Scorecard
from rules.catalogue import Catalogue

STATIC_DIR = Path(__file__).parent / "static"


def make_environment(catalogue: Catalogue) -> Environment:
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["datetime"] = _format_datetime
    env.filters["grade"] = grade
    env.filters["count_of"] = _count_of
    env.filters["reviews_by_rule"] = reviews_by_rule

    def sc_label(number: str) -> str:
        sc = catalogue.criteria.get(number)
        return f"{number} {sc.title} ({sc.level})" if sc else number

    env.filters["sc_label"] = sc_label
    return env


def render_scorecard(scorecard: Scorecard, catalogue: Catalogue, out_dir: Path) -> Path:
    """Write the scorecard site into `out_dir`; returns the path of its index.html."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for sub in ("agency", "site", "page"):
        stale = out_dir / sub
        if stale.is_dir():
            shutil.rmtree(stale)
        stale.mkdir()
    (out_dir / "assets").mkdir(exist_ok=True)
    shutil.copy2(STATIC_DIR / "scorecard.css", out_dir / "assets" / "scorecard.css")

    env = make_environment(catalogue)
    pages_by_id = {p.row.id: p for p in scorecard.pages}
    common = {
        "run": scorecard.run,
        "catalogue": catalogue,
        "pages_by_id": pages_by_id,
        "skip_text": SKIP_REASON_TEXT,
    }
    agencies = {a.id: a for a in scorecard.agencies}
    sites = {s.id: s for s in scorecard.sites}

    def write(relative: str, template: str, **context: object) -> None:
        root = "../" * relative.count("/")
        html = env.get_template(template).render(root=root, **common, **context)
        (out_dir / relative).write_text(html, encoding="utf-8")

    write("index.html", "index.html", scorecard=scorecard)
    write(
        "scoring.html",
        "scoring.html",
        scoring_version=SCORING_VERSION,
        bands=GRADE_BANDS,
        weights=catalogue.impact_weights,
    )
    for agency in scorecard.agencies:
        write(f"agency/{agency.id}.html", "agency.html", agency=agency)
    for site in scorecard.sites:
        write(f"site/{site.id}.html", "site.html", site=site, agency=agencies.get(site.agency_id))
    for page in scorecard.pages:
        site = sites.get(page.row.site_id)
        write(
            f"page/{page.row.id}.html",
            "page.html",
            page=page,
            site=site,
            agency=agencies.get(site.agency_id) if site else None,
        )
    return out_dir / "index.html"


def _format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.strftime("%Y-%m-%d %H:%M UTC")


def _count_of(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


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
