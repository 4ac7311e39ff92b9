"""The stored databases that the migration tests upgrade: two runs of a small site (pages with
findings and links, URL states, a checked document) written through `Store`, as `massaudit run`
writes them, and dumped as SQL for SQLite and PostgreSQL into tests/store/fixtures/.

A fixture keeps the tables of the massaudit that wrote it: regenerate it only for the store
schema its name carries, and add a new fixture (`--schema N`) when a migration changes it.

    .venv/bin/python tests/support/store_fixture.py --schema 4 \\
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres

PostgreSQL's dump needs `pg_dump` of the server's major version. `load_dump` (used by the tests)
reads a dump back into an SQLite file or an empty PostgreSQL database.
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "store" / "fixtures"
CONFIG = {
    "agencies": [{"id": "parks", "name": "Department of Parks"}],
    "sites": [
        {"id": "parks-site", "agency": "parks", "name": "Parks", "start_urls": ["http://x/"]}
    ],
}
PATHS = ("/", "/visit/", "/permits/")


def dump_path(schema: int, backend: str) -> Path:
    return FIXTURES / f"store_schema_{schema}.{backend}.sql"


def load_dump(sql: str, url: str) -> None:
    """Execute a dump made by this script in a new SQLite file or an empty PostgreSQL database
    (`url` is an SQLAlchemy URL or an SQLite path)."""
    if "://" not in url or url.startswith("sqlite:"):
        path = url.split("sqlite:///", 1)[-1]
        with sqlite3.connect(path) as conn:
            conn.executescript(sql)
        conn.close()
        return
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        raw = engine.raw_connection()
        try:
            raw.cursor().execute(sql)  # no parameters: several statements at once
            raw.commit()
        finally:
            raw.close()
    finally:
        engine.dispose()


def write_runs(url: str) -> None:
    """Two complete runs of the same three pages; run 2 fixes one image."""
    from massaudit.rules.catalogue import load_catalogue
    from massaudit.rules.checks.document_rules import judge_document
    from massaudit.rules.judge import judge
    from massaudit.rules.model import PageArtifacts
    from massaudit.store.db import RunVersions, Store

    catalogue = load_catalogue()
    versions = RunVersions(tool="0.1.0", axe="4.14.1", catalogue=catalogue.version, scoring="2")
    store = Store(url)
    for run in (1, 2):
        run_id = store.begin_run(CONFIG, {"audit": {"concurrency": 2}}, versions)
        for depth, path in enumerate(PATHS):
            page_url = f"http://x{path}"
            image = {"id": "image-alt", "impact": "critical", "nodes": [_node(path)]}
            bucket = "violations" if run == 1 or path != "/" else "passes"
            axe = {"violations": [], "passes": [], bucket: [image]}
            artifacts = PageArtifacts(page_url, page_url, 200, f"Page {path}", axe)
            store.save_page(
                run_id,
                site_id="parks-site",
                agency_id="parks",
                depth=depth,
                artifacts=artifacts,
                judgement=judge(artifacts, catalogue),
                links=tuple(f"http://x{p}" for p in PATHS if p != path) + ("http://x/a.pdf",),
                etag=f'"{run}-{depth}"',
                last_modified="Thu, 01 Jan 2026 00:00:00 GMT",
                content_hash=f"{run:02d}{depth:062d}",
                url_state=_state(page_url, "audited", depth, status=200),
                discovered=[_state("http://x/a.pdf", "queued", depth + 1, document="pdf")],
            )
        facts = {"pages": 2, "tagged": False, "title": "", "lang": "", "encrypted": False}
        findings, outcomes = judge_document(facts, catalogue, None)
        store.save_document(
            run_id,
            site_id="parks-site",
            agency_id="parks",
            url="http://x/a.pdf",
            kind="pdf",
            content_type="application/pdf",
            size=5_000_000_000,
            sha256="a" * 64,
            last_modified="Thu, 01 Jan 2026 00:00:00 GMT",
            reused_from=None,
            facts=facts,
            rule_outcomes=outcomes,
            findings=findings,
            linked_from=["http://x/"],
            url_state=_state("http://x/a.pdf", "audited", 1, document="pdf", size=5_000_000_000),
        )
        store.record_url_states(
            run_id, [_state("http://x/gone/", "skipped", 1, reason="http_error", status=404)]
        )
        store.finish_run(run_id, "complete", {"pages_audited": len(PATHS), "documents": 1})
    store.close()


def _node(path: str) -> dict:
    return {
        "target": ["main > img"],
        "html": f'<img src="{path}hero.png">',
        "impact": "critical",
        "failureSummary": "Fix any of the following: Element does not have an alt attribute",
    }


def _state(url: str, state: str, depth: int, **fields: object) -> dict:
    return {"site_id": "parks-site", "url": url, "state": state, "depth": depth, **fields}


def sqlite_dump() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "audit.sqlite"
        write_runs(str(path))
        conn = sqlite3.connect(path)
        try:
            return "\n".join(conn.iterdump()) + "\n"
        finally:
            conn.close()


def postgres_dump(admin_url: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"massaudit_fixture_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(admin_url).set(database=name)
        write_runs(url.render_as_string(hide_password=False))
        dumped = subprocess.run(
            ["pg_dump", "--inserts", "--no-owner", "--no-privileges", "--no-comments"]
            + [url.set(drivername="postgresql").render_as_string(hide_password=False)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    # psql meta-commands (\restrict of recent pg_dump releases) are not SQL: the dump is loaded
    # through the driver, without psql.
    return "".join(line for line in dumped.splitlines(True) if not line.startswith("\\"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schema", type=int, required=True, help="the store schema written")
    parser.add_argument("--postgres", metavar="URL", help="server for the PostgreSQL dump")
    args = parser.parse_args(argv)
    from massaudit.store.schema import SCHEMA_VERSION

    if args.schema != SCHEMA_VERSION:
        parser.error(f"this massaudit writes store schema {SCHEMA_VERSION}, not {args.schema}")
    FIXTURES.mkdir(parents=True, exist_ok=True)
    dump_path(args.schema, "sqlite").write_text(sqlite_dump(), encoding="utf-8")
    if args.postgres:
        dump_path(args.schema, "postgresql").write_text(
            postgres_dump(args.postgres), encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
