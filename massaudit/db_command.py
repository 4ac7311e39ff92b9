"""`massaudit db upgrade`, and `open_store`, with which every command opens its store: a store of
an older schema is upgraded on the way (store.migrate), and that is one line on standard error."""

from __future__ import annotations

import argparse
import sys

from massaudit.parser import EXIT_OK
from massaudit.store.connection import redact
from massaudit.store.db import Store
from massaudit.store.schema import SCHEMA_VERSION


def open_store(db: str, create: bool = False) -> Store:
    """The store at --db `db`; only with `create` may it be a new one (`massaudit run`)."""
    store = Store(db, create=create)
    if store.schema_change is not None:
        print(f"massaudit: {store.schema_change}", file=sys.stderr)
    return store


def cmd_db(args: argparse.Namespace) -> int:
    """`massaudit db upgrade`: the one `db` command so far."""
    store = Store(args.db, create=False)
    store.close()
    where = redact(store.engine)
    if store.schema_change is None:
        print(f"{where}: store schema {SCHEMA_VERSION}, the newest; nothing to upgrade")
    else:
        print(f"{where}: {store.schema_change}")
    return EXIT_OK
