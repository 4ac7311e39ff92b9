"""Store schema 3, the oldest this massaudit upgrades: the tables as they were before
migrations. A database of schema 3 is stamped here and upgraded from here; nothing to run."""

from __future__ import annotations

revision = "0003"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass
