"""`massaudit worker` and `run --distributed`: a distributed run's options and its worker command
(docs/distributed.md). Celery and Redis are imported only when a distributed command runs."""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
import time
from typing import TYPE_CHECKING, Any

from massaudit import __version__, arguments

if TYPE_CHECKING:
    from massaudit.store.db import Store

DEFAULT_BROKER = "amqp://guest:guest@127.0.0.1:5672//"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
DEFAULT_QUEUE = "massaudit.audit"
STORE_POLL_SECONDS = 2.0


class DistributedUsageError(ValueError):
    """A distributed command asked for what it cannot do; one line."""


def _add_services(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--broker", default=DEFAULT_BROKER, help="RabbitMQ URL of the run's job queue"
    )
    parser.add_argument(
        "--redis", default=DEFAULT_REDIS, help="Redis URL of the hosts' politeness leases"
    )
    parser.add_argument(
        "--queue", default=DEFAULT_QUEUE, help=f"name of the job queue (default {DEFAULT_QUEUE})"
    )


def add_distributed_options(run: argparse.ArgumentParser) -> None:
    """`run --distributed`: coordinate the run; workers audit its pages."""
    run.add_argument(
        "--distributed",
        action="store_true",
        help="crawl here and let `massaudit worker` processes audit the pages "
        "(needs a PostgreSQL --db, RabbitMQ and Redis)",
    )
    _add_services(run)
    run.add_argument(
        "--max-queue-depth",
        type=arguments.bounded_int(1, 1_000_000),
        default=200,
        metavar="N",
        help="--distributed: pause the crawl while more jobs than this wait (default 200)",
    )
    run.add_argument(
        "--republish-after",
        type=arguments.bounded_float(1, 86_400),
        default=600.0,
        metavar="SECONDS",
        help="--distributed: publish again a page `auditing` this long while the queue is "
        "empty (default 600)",
    )


def add_worker_parser(commands: Any) -> None:
    worker = commands.add_parser(
        "worker", help="audit the pages of distributed runs (`run --distributed`)"
    )
    worker.add_argument("--db", required=True, help="the runs' PostgreSQL URL")
    _add_services(worker)
    worker.add_argument(
        "--concurrency",
        type=arguments.concurrency,
        default=2,
        help="pages in this worker's browser at once, 1 to 32 (default 2)",
    )


def distributed_crawl_of(args: argparse.Namespace) -> Any:
    """The coordinator's crawl for `run --distributed`, or None for a single-process run."""
    if not getattr(args, "distributed", False):
        return None
    _check_postgres("--db", args.db)
    from massaudit.pipeline.distributed.coordinator import DistributedOptions, distributed_crawl

    return distributed_crawl(
        DistributedOptions(
            broker_url=args.broker,
            redis_url=args.redis,
            queue=args.queue,
            max_queue_depth=args.max_queue_depth,
            republish_after=args.republish_after,
        )
    )


def cmd_worker(args: argparse.Namespace) -> int:
    """Consume the queue until stopped (SIGTERM or Ctrl-C finish the pages in hand first)."""
    _check_postgres("--db", args.db)
    from massaudit.audits.browser import check_chromium
    from massaudit.pipeline.distributed.broker import TASK_NAME, celery_app
    from massaudit.pipeline.distributed.worker import AuditWorker

    check_chromium()
    store = open_worker_store(args.db)
    worker = AuditWorker(store, args.redis, concurrency=args.concurrency, tool_version=__version__)
    app = celery_app(args.broker, args.queue)

    @app.task(name=TASK_NAME, bind=True)
    def audit_page(task: Any, message: Any) -> str:
        return worker.handle(message, deliveries=_deliveries(task.request))

    logging.getLogger("celery").setLevel(logging.WARNING)
    # Says the queue's direct exchange takes no delayed tasks: massaudit publishes none.
    logging.getLogger("kombu.transport.native_delayed_delivery").setLevel(logging.ERROR)
    try:
        app.worker_main(
            [
                "worker",
                "--pool=threads",
                f"--concurrency={args.concurrency}",
                f"--queues={args.queue}",
                f"--hostname=massaudit-{os.getpid()}@{socket.gethostname()}",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ]
        )
    finally:
        worker.close()
    return 0


def open_worker_store(db: str, poll_seconds: float = STORE_POLL_SECONDS) -> Store:
    """The runs' store. Workers may start before the first `run --distributed` has created it
    (services started together): then the worker waits for it, saying so once, instead of
    exiting; any other problem with --db is the usual one-line error."""
    from massaudit.db_command import open_store
    from massaudit.store.connection import StoreError

    said = False
    while True:
        try:
            return open_store(db)
        except StoreError:
            if not _no_store_yet(db):
                raise
        if not said:
            print(
                f"massaudit: no massaudit store at --db {_shown(db)} yet: waiting for "
                "`massaudit run --distributed` to create it",
                file=sys.stderr,
                flush=True,
            )
            said = True
        time.sleep(poll_seconds)


def _no_store_yet(db: str) -> bool:
    """Whether the database answers and holds no massaudit store (nor part of one)."""
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.exc import SQLAlchemyError

    from massaudit.store.connection import database_url

    engine = create_engine(database_url(db))
    try:
        with engine.connect() as connection:
            return not inspect(connection).get_table_names()
    except SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def _shown(db: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(db).render_as_string(hide_password=True)


def _deliveries(request: Any) -> int:
    """How often RabbitMQ delivered the job before without an acknowledgement (a quorum
    queue's x-delivery-count)."""
    count = getattr(request, "x-delivery-count", None)
    if count is None:
        headers = getattr(request, "headers", None) or {}
        count = headers.get("x-delivery-count", 0)
    try:
        return int(count)
    except (TypeError, ValueError):
        return 0


def _check_postgres(flag: str, url: str) -> None:
    if not url.startswith("postgresql"):
        raise DistributedUsageError(
            f"{flag} {url}: a distributed run needs a PostgreSQL store that every worker "
            "reaches, e.g. postgresql+psycopg://user@db-host/massaudit"
        )
