"""SQL views of the store for analysts' tools (Power BI, Tableau, Metabase, Datasette): plain
columns where the tables keep JSON (page scores, a run's agencies and sites), one row per page,
finding, failing rule of a site, and site or agency per run; the same names on SQLite and
PostgreSQL. docs/data.md lists their columns with example queries.

They are not in the tables' metadata (store/schema.py): store.migrate creates them with a new
store, drops them before an upgrade and creates them again after it, so no revision has to mind
them (SQLite cannot rebuild a table a view reads; PostgreSQL cannot change the type of a column
a view reads). A change here is a schema change all the same (docs/store.md): the stores that
are at the head already only get the new views through a new revision."""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.engine import Connection

from massaudit.rules.scoring import DIMENSIONS, EQUITY

# Created in this order (a view may read one before it), dropped in the reverse.
VIEW_NAMES = (
    "v_runs",
    "v_agencies",
    "v_sites",
    "v_page_scores",
    "v_findings",
    "v_rule_failures",
    "v_site_scores",
    "v_agency_scores",
)
COMPLETE = "r.status = 'complete'"
_KEY = re.compile(r"[a-z][a-z0-9-]*")


def score_column(key: str) -> str:
    """The view column of a stored score key: `plain-language` -> `plain_language`."""
    if not _KEY.fullmatch(key):  # keys come from rules/data/scoring.toml, never from a page
        raise ValueError(f"not a score key a view can name: {key!r}")
    return key.replace("-", "_")


SCORE_COLUMNS = tuple(score_column(key) for key in (EQUITY, *(d.id for d in DIMENSIONS)))


def create_views(conn: Connection) -> None:
    for name, select in view_selects(conn.dialect.name).items():
        conn.execute(text(f"CREATE VIEW {name} AS {select}"))


def drop_views(conn: Connection) -> None:
    for name in reversed(VIEW_NAMES):
        conn.execute(text(f"DROP VIEW IF EXISTS {name}"))


def view_selects(dialect: str) -> dict[str, str]:
    """View name -> its SELECT in `dialect` ("sqlite" or "postgresql")."""
    sql = _Dialect(dialect)
    run_date = sql.date("r.started_at")
    dimensions = ",\n  ".join(
        f"{sql.number('p.scores', d.id)} AS {score_column(d.id)}" for d in DIMENSIONS
    )
    selects = {
        "v_runs": f"""SELECT r.id AS run_id, r.status, r.started_at, r.finished_at,
  {run_date} AS run_date, r.tool_version, r.axe_version, r.catalogue_version, r.scoring_version,
  (SELECT COUNT(*) FROM pages p WHERE p.run_id = r.id) AS pages
FROM runs r""",
        "v_agencies": f"""SELECT r.id AS run_id, {run_date} AS run_date,
  {sql.field("a", "id")} AS agency_id, {sql.field("a", "name")} AS name
FROM runs r {sql.each("r.config", "agencies", "a")}
WHERE {COMPLETE}""",
        "v_sites": f"""SELECT r.id AS run_id, {run_date} AS run_date,
  {sql.field("s", "id")} AS site_id, {sql.field("s", "agency")} AS agency_id,
  {sql.field("s", "name")} AS name
FROM runs r {sql.each("r.config", "sites", "s")}
WHERE {COMPLETE}""",
        "v_page_scores": f"""SELECT p.id AS page_id, r.id AS run_id, {run_date} AS run_date,
  r.scoring_version, p.agency_id, p.site_id, p.url, p.final_url, p.status_code, p.title,
  p.error, (p.reused_from IS NOT NULL) AS reused,
  {sql.boolean("p.scores", "compliant")} AS compliant,
  {sql.number("p.scores", EQUITY)} AS {score_column(EQUITY)},
  {dimensions}
FROM pages p JOIN runs r ON r.id = p.run_id
WHERE {COMPLETE}""",
        "v_findings": f"""SELECT f.id AS finding_id, r.id AS run_id, {run_date} AS run_date,
  p.agency_id, p.site_id, p.url AS page_url, f.rule_id, f.category, f.outcome, f.impact,
  f.wcag, f.selector, f.html, f.message
FROM findings f JOIN pages p ON p.id = f.page_id JOIN runs r ON r.id = f.run_id
WHERE {COMPLETE}""",
        "v_rule_failures": f"""SELECT r.id AS run_id, {run_date} AS run_date, p.agency_id,
  p.site_id, f.rule_id, f.category,
  CASE MIN(CASE f.impact WHEN 'critical' THEN 1 WHEN 'serious' THEN 2 WHEN 'moderate' THEN 3
    WHEN 'minor' THEN 4 END)
    WHEN 1 THEN 'critical' WHEN 2 THEN 'serious' WHEN 3 THEN 'moderate' WHEN 4 THEN 'minor'
  END AS impact,
  COUNT(DISTINCT f.page_id) AS pages, COUNT(*) AS occurrences
FROM findings f JOIN pages p ON p.id = f.page_id JOIN runs r ON r.id = f.run_id
WHERE {COMPLETE} AND f.outcome = 'fail'
GROUP BY r.id, r.started_at, p.agency_id, p.site_id, f.rule_id, f.category""",
        "v_site_scores": _group_scores(sql, ("agency_id", "site_id")),
        "v_agency_scores": _group_scores(sql, ("agency_id",)),
    }
    assert tuple(selects) == VIEW_NAMES
    return selects


def _group_scores(sql: _Dialect, keys: tuple[str, ...]) -> str:
    """A group's scores per run as the scorecard computes them from its pages
    (reports/scoring.py): each dimension the mean of the page scores in it, equity the
    weighted mean of the dimension scores the group has, compliance the share of tested pages."""
    group = ", ".join(keys)
    means = ",\n    ".join(
        f"{sql.round1(f'AVG({score_column(d.id)})')} AS {score_column(d.id)}" for d in DIMENSIONS
    )
    weighted = " + ".join(f"COALESCE({d.weight} * {score_column(d.id)}, 0)" for d in DIMENSIONS)
    weights = " + ".join(
        f"CASE WHEN {score_column(d.id)} IS NULL THEN 0 ELSE {d.weight} END" for d in DIMENSIONS
    )
    dimensions = ", ".join(score_column(d.id) for d in DIMENSIONS)
    compliant = "SUM(CASE WHEN compliant THEN 1 ELSE 0 END)"
    return f"""SELECT run_id, run_date, {group}, pages, pages_tested, compliant_pages_percent,
  {sql.round1(f"({weighted}) / NULLIF({weights}, 0)")} AS {score_column(EQUITY)}, {dimensions}
FROM (
  SELECT run_id, run_date, {group}, COUNT(*) AS pages,
    SUM(CASE WHEN error IS NULL THEN 1 ELSE 0 END) AS pages_tested,
    {sql.round1(f"100.0 * {compliant} / NULLIF(COUNT(compliant), 0)")}
      AS compliant_pages_percent,
    {means}
  FROM v_page_scores
  GROUP BY run_id, run_date, {group}
) g"""


class _Dialect:
    """The few expressions SQLite and PostgreSQL write differently."""

    def __init__(self, name: str) -> None:
        if name not in ("sqlite", "postgresql"):
            raise ValueError(f"no views for {name}: massaudit stores on SQLite or PostgreSQL")
        self.postgres = name == "postgresql"

    def number(self, column: str, key: str) -> str:
        if self.postgres:
            return f"CAST({column} ->> '{key}' AS DOUBLE PRECISION)"
        return f"""json_extract({column}, '$."{key}"')"""

    def boolean(self, column: str, key: str) -> str:
        if self.postgres:
            return f"CAST({column} ->> '{key}' AS BOOLEAN)"
        return f"""json_extract({column}, '$."{key}"')"""

    def date(self, column: str) -> str:
        """The UTC date of a stored time (SQLite keeps UTC text)."""
        if self.postgres:
            return f"CAST({column} AT TIME ZONE 'UTC' AS DATE)"
        return f"date({column})"

    def round1(self, expression: str) -> str:
        if self.postgres:
            return f"CAST(ROUND(CAST({expression} AS NUMERIC), 1) AS DOUBLE PRECISION)"
        return f"ROUND({expression}, 1)"

    def each(self, column: str, key: str, alias: str) -> str:
        """Join each element of the JSON array `column`[`key`] as `alias`."""
        if self.postgres:
            return f"CROSS JOIN LATERAL json_array_elements({column} -> '{key}') AS {alias}(value)"
        return f"JOIN json_each({column}, '$.{key}') AS {alias}"

    def field(self, alias: str, key: str) -> str:
        if self.postgres:
            return f"{alias}.value ->> '{key}'"
        return f"json_extract({alias}.value, '$.{key}')"
