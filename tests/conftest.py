"""Shared fixtures: databases (SQLite always, PostgreSQL where a server answers)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

# Helpers in tests/support/ that assert: pytest explains their failures as it does in tests.
pytest.register_assert_rewrite("check_fixtures", "integration_helpers", "scorecard_runs")

POSTGRES_ENV = "MASSAUDIT_TEST_POSTGRES"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules marked `long` first, each kept whole: `make test`'s workers take a module at a
    time in this order, so the longest start at once and the workers finish together."""

    def is_long(item: pytest.Item) -> bool:
        return item.get_closest_marker("long") is not None

    long_modules = {getattr(item, "module", None) for item in items if is_long(item)}
    items.sort(key=lambda item: getattr(item, "module", None) not in long_modules)


def _postgres_admin_url() -> str | None:
    return os.environ.get(POSTGRES_ENV)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database; skipped with a reason when no server is configured.

    .ci/run sets MASSAUDIT_TEST_POSTGRES (and MASSAUDIT_REQUIRE_POSTGRES) when a server answers
    on 127.0.0.1, so there a connection failure fails the test instead of skipping it.
    """
    admin_url = _postgres_admin_url()
    required = os.environ.get("MASSAUDIT_REQUIRE_POSTGRES") == "1"
    if not admin_url:
        pytest.skip(f"no PostgreSQL: set {POSTGRES_ENV}=postgresql+psycopg://user@127.0.0.1/db")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"massaudit_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        if required:
            raise
        pytest.skip(f"PostgreSQL at {admin_url} did not answer: {exc}")
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
