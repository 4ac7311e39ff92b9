"""Store schema 4: URL and document sizes are BIGINT (a file may declare more than 2 GiB) and
Last-Modified is TEXT (a server sends any length). PostgreSQL only: SQLite enforces neither."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in ("url_states", "documents"):
        op.alter_column(table, "size", type_=sa.BigInteger(), existing_type=sa.Integer())
    for table in ("pages", "documents"):
        op.alter_column(table, "last_modified", type_=sa.Text(), existing_type=sa.String(64))
