"""`massaudit worker` on a PostgreSQL database the first `run --distributed` has not yet made a
store of: it waits for the store (saying so once) instead of exiting; a database that holds
something else is refused at once."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, text

from massaudit.store.connection import StoreError
from massaudit.store.db import Store
from massaudit.worker_command import open_worker_store


def test_a_worker_waits_for_the_store_the_coordinator_creates(postgres_url, capsys):
    opened: list[Store] = []
    waiting = threading.Thread(
        target=lambda: opened.append(open_worker_store(postgres_url, poll_seconds=0.1))
    )
    waiting.start()
    time.sleep(1.0)
    assert not opened  # no store yet: still waiting
    Store(postgres_url, create=True).close()  # the coordinator's run creates it
    waiting.join(timeout=60)
    (store,) = opened
    store.close()
    said = capsys.readouterr().err
    assert said.count("waiting for `massaudit run --distributed` to create it") == 1


def test_a_database_holding_something_else_is_refused_at_once(postgres_url):
    engine = create_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE other_app (id integer)"))
    engine.dispose()
    with pytest.raises(StoreError, match="no massaudit store here"):
        open_worker_store(postgres_url, poll_seconds=0.1)
