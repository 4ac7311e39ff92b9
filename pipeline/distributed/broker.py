"""The queue between a distributed run's coordinator and its workers: Celery on RabbitMQ.

One durable quorum queue (`massaudit.audit` unless named otherwise); a job is acknowledged only
after its page and final URL state are committed (`acks_late`), and put back when its worker
dies (`reject_on_worker_lost`); each worker process takes one job more than it audits
(prefetch 1); RabbitMQ counts deliveries, and the worker stores a job delivered
`POISON_DELIVERIES` times already as `skipped: browser_error` without auditing it again
(the queue's own `x-delivery-limit`, above that, is a backstop). Publishing waits for the
broker's confirm.
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from kombu import Exchange, Queue

from massaudit.pipeline.distributed.jobs import AuditJob

TASK_NAME = "massaudit.audit_page"
DEFAULT_QUEUE = "massaudit.audit"
POISON_DELIVERIES = 2  # deliveries that ended without an acknowledgement (the worker died)
DELIVERY_LIMIT = POISON_DELIVERIES + 3
BROKER_ENV = "MASSAUDIT_BROKER"
DEFAULT_BROKER = "amqp://guest:guest@127.0.0.1:5672//"


def audit_queue(name: str) -> Queue:
    return Queue(
        name,
        Exchange(name, type="direct", durable=True),
        routing_key=name,
        durable=True,
        queue_arguments={"x-queue-type": "quorum", "x-delivery-limit": DELIVERY_LIMIT},
    )


def celery_app(broker_url: str, queue: str = DEFAULT_QUEUE) -> Celery:
    """A Celery app for the run's queue: the coordinator's publisher and a worker's consumer."""
    app = Celery("massaudit", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_queues=[audit_queue(queue)],
        task_default_queue=queue,
        task_default_exchange=queue,
        task_default_routing_key=queue,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_transport_options={"confirm_publish": True},
        broker_connection_retry_on_startup=True,
        broker_heartbeat=30,
        worker_enable_remote_control=False,
        worker_send_task_events=False,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        worker_cancel_long_running_tasks_on_connection_loss=True,
    )
    return app


class JobPublisher:
    """Publishes jobs (each waits for the broker's confirm) and reads the queue's depth.
    Used from one thread at a time."""

    def __init__(self, broker_url: str, queue: str = DEFAULT_QUEUE) -> None:
        self.queue = queue
        self.app = celery_app(broker_url, queue)
        self._connection = self.app.connection_for_write()
        self._connection.ensure_connection(max_retries=3)
        audit_queue(queue).bind(self._connection.default_channel).declare()
        self.published = 0

    def publish(self, job: AuditJob) -> None:
        self.app.send_task(
            TASK_NAME, args=[job.to_message()], task_id=job.key, queue=self.queue, retry=True
        )
        self.published += 1

    def depth(self) -> int:
        """Jobs waiting in the queue (not those a worker holds)."""
        return _declared(self._connection, self.queue).message_count

    def close(self) -> None:
        self._connection.release()
        self.app.close()


def _declared(connection: Any, queue: str) -> Any:
    def declare(channel: Any = None) -> Any:
        return connection.default_channel.queue_declare(queue=queue, passive=True)

    return connection.ensure(connection, declare, max_retries=3)()
