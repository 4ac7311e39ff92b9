"""Leased requests: each host's limit is the gentlest of its sites' (pure), and a worker's
document fetch goes through the host's lease in the real Redis (skipped without one), sends the
run's User-Agent, follows no redirect, refuses other hosts and moves the host's next allowed
time on a Retry-After."""

from __future__ import annotations

import asyncio
import time
import tomllib

import pytest
from local_server import QuietHandler, serve_handler
from redis_server import delete_prefix, redis_url_or_skip, unique_prefix

from massaudit.crawler.sites import parse_sites
from massaudit.pipeline.distributed.host_leases import HostLeases
from massaudit.pipeline.distributed.leased_requests import HostLimit, LeasedFetcher, host_limits


def sites(host: str) -> str:
    return (
        '[[agency]]\nid = "a"\nname = "A"\n'
        f'[[site]]\nid = "one"\nagency = "a"\nname = "One"\nstart_urls = ["http://{host}/"]\n'
        f'allowed_hosts = ["{host}"]\n'
        "download_delay = 0.5\nconcurrency_per_host = 4\n"
        f'[[site]]\nid = "two"\nagency = "a"\nname = "Two"\nstart_urls = ["http://{host}/two/"]\n'
        f'allowed_hosts = ["{host}"]\n'
        'include = ["^/two/"]\ndownload_delay = 0.2\nconcurrency_per_host = 1\n'
    )


def test_a_host_keeps_the_gentlest_limit_of_its_sites():
    limits = host_limits(parse_sites(tomllib.loads(sites("example.org:8080"))))
    limit = limits["example.org:8080"]
    assert (limit.concurrency, limit.delay) == (1, 0.5)


class Handler(QuietHandler):
    agents: list[str] = []

    def do_GET(self) -> None:
        Handler.agents.append(self.headers.get("User-Agent", ""))
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/busy":
            self.send_response(503)
            self.send_header("Retry-After", "2")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.answer(200, b"<html><title>Home</title></html>", "text/html")


@pytest.fixture
def redis_prefix():
    url = redis_url_or_skip()
    prefix = unique_prefix()
    yield url, prefix
    delete_prefix(url, prefix)


def test_a_document_is_fetched_under_the_hosts_lease(redis_prefix):
    url, prefix = redis_prefix

    async def fetch_all(base: str) -> tuple:
        host = base.split("//", 1)[1]
        leases = HostLeases(url, prefix=prefix)
        limits = {host: HostLimit(1, 0.0, 1000, 5.0)}
        fetcher = LeasedFetcher(leases, limits, "massaudit/test")
        try:
            home = await fetcher.fetch(f"{base}/", kind="browser")
            moved = await fetcher.fetch(f"{base}/moved", kind="browser")
            busy = await fetcher.fetch(f"{base}/busy", kind="browser")
            next_at = float(leases._sync.get(leases.keys(host)[1]) or 0)
            with pytest.raises(PermissionError):
                await fetcher.fetch("http://elsewhere.example/", kind="frame")
            held = leases._sync.zcard(leases.keys(host)[0])
            return home, moved, busy, next_at, held, fetcher.governs(f"{base}/x")
        finally:
            await fetcher.close()
            await leases.aclose()

    with serve_handler(Handler) as base:
        home, moved, busy, next_at, held, governs = asyncio.run(fetch_all(base))
    assert (home.status, home.body) == (200, b"<html><title>Home</title></html>")
    assert moved.status == 302  # the browser follows it, through the fetcher again
    assert busy.status == 503
    assert next_at / 1_000_000 > time.time() + 1  # Retry-After: 2 moved the next allowed time
    assert held == 0  # every lease given back
    assert governs
    assert set(Handler.agents) == {"massaudit/test"}


RUN_AGENT = "massaudit/0.1.0 (+https://www.mass.gov/; accessibility audit)"


class RobotsHandler(QuietHandler):
    paths: list[str] = []

    def do_GET(self) -> None:
        RobotsHandler.paths.append(self.path)
        if self.path == "/robots.txt":
            # Every other crawler is kept out; massaudit's own group lets it in but two folders.
            rules = (
                "User-agent: *\nDisallow: /\n\n"
                "User-agent: massaudit\nDisallow: /private/\nDisallow: /no-audits/\n"
            )
            self.answer(200, rules.encode(), "text/plain")
        else:
            self.answer(200, b"<html><title>Page</title></html>", "text/html")


def test_a_worker_obeys_robots_txt_read_once_under_the_lease(redis_prefix):
    url, prefix = redis_prefix

    async def fetch_all(base: str) -> tuple:
        host = base.split("//", 1)[1]
        leases = HostLeases(url, prefix=prefix)
        fetcher = LeasedFetcher(leases, {host: HostLimit(1, 0.0, 1000, 5.0)}, RUN_AGENT)
        refused = []
        try:
            for path in ("/public/frame", "/private/frame", "/no-audits/frame", "/public/two"):
                try:
                    await fetcher.fetch(f"{base}{path}", kind="frame")
                except PermissionError as exc:
                    refused.append((path, str(exc)))
            return refused, fetcher.requests
        finally:
            await fetcher.close()
            await leases.aclose()

    RobotsHandler.paths = []
    with serve_handler(RobotsHandler) as base:
        refused, counted = asyncio.run(fetch_all(base))
    assert [path for path, _ in refused] == ["/private/frame", "/no-audits/frame"]
    assert all("robots.txt" in reason for _, reason in refused)
    # robots.txt once, then only what massaudit's group allows.
    assert RobotsHandler.paths == ["/robots.txt", "/public/frame", "/public/two"]
    # The run's request counts get robots.txt too, and each frame sent (not the refused ones).
    assert counted == {"other": 1, "frame": 2}
