"""Store schema 6: SQL views for analysts' tools (store/views.py, docs/data.md).

The views are not created here: store.migrate drops them before every upgrade and creates them
after it (and with every new store), so no revision has to mind them. This revision is the
schema number that makes a store of schema 5 upgrade, and so get them."""

from __future__ import annotations

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass
