"""Store schema 7: what a distributed run needs (docs/distributed.md): when each URL state was
last written (`auditing` ones gone stale are published again) and the coordinator's heartbeat."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("url_states", sa.Column("updated_at", sa.DateTime(timezone=True)))
    op.add_column("runs", sa.Column("heartbeat_at", sa.DateTime(timezone=True)))
