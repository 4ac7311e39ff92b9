"""The Redis server the distributed tests use, or a skip saying why there is none.

.ci/run sets MASSAUDIT_TEST_REDIS (and MASSAUDIT_REQUIRE_REDIS) when a server answers on
127.0.0.1, so there a Redis that does not answer fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

REDIS_ENV = "MASSAUDIT_TEST_REDIS"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_url_or_skip() -> str:
    """The server's URL once it has answered a PING."""
    import redis

    url = os.environ.get(REDIS_ENV) or DEFAULT_REDIS_URL
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.exceptions.RedisError as exc:
        if os.environ.get("MASSAUDIT_REQUIRE_REDIS") == "1":
            raise
        pytest.skip(f"no Redis at {url} ({exc}): start one there or set {REDIS_ENV}")
    finally:
        client.close()
    return url


def unique_prefix() -> str:
    return f"massaudit-test:{uuid.uuid4().hex[:12]}"


def delete_prefix(url: str, prefix: str) -> None:
    """Remove every key a test wrote under its prefix."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def prefixed_redis(url: str) -> Iterator[tuple[str, str]]:
    """(url, prefix) for one test, its keys removed afterwards (a fixture body)."""
    prefix = unique_prefix()
    try:
        yield url, prefix
    finally:
        delete_prefix(url, prefix)
