"""A job published again without its download: the worker fetches the page under the host's
lease in the real Redis (skipped without one), redirects through the lease too, and gets the
links, validators and content hash the crawler would have handed over; anything but an HTML
page is left to the browser."""

from __future__ import annotations

import asyncio
import hashlib
import tomllib
from collections import Counter

import pytest
from local_server import QuietHandler, serve_handler
from redis_server import prefixed_redis, redis_url_or_skip

from massaudit.crawler.sites import parse_sites
from massaudit.pipeline.distributed.host_leases import HostLeases
from massaudit.pipeline.distributed.jobs import AuditJob
from massaudit.pipeline.distributed.leased_requests import LeasedFetcher, host_limits
from massaudit.pipeline.distributed.refetch import refetch, with_download

PAGE = b'<html><body><a href="/a/?utm_source=news">A</a> <a href="b/">B</a></body></html>'


class Handler(QuietHandler):
    def do_GET(self) -> None:
        if self.path == "/old/":
            self.send_response(301)
            self.send_header("Location", "/page/")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/page/":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("ETag", '"v1"')
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)
        elif self.path == "/report.pdf":
            self.answer(200, b"%PDF-1.4", "application/pdf")
        else:
            self.answer(404, b"<html>gone</html>", "text/html")


@pytest.fixture
def redis_prefix():
    yield from prefixed_redis(redis_url_or_skip())


def test_a_page_fetched_again_carries_what_the_crawler_would_have(redis_prefix):
    url, prefix = redis_prefix

    async def fetch_all(base: str) -> tuple:
        host = base.split("//", 1)[1]
        sites = parse_sites(
            tomllib.loads(
                '[[agency]]\nid = "a"\nname = "A"\n[[site]]\nid = "one"\nagency = "a"\n'
                f'name = "One"\nstart_urls = ["{base}/"]\nallowed_hosts = ["{host}"]\n'
                "download_delay = 0.05\n"
            )
        )
        leases = HostLeases(url, prefix=prefix)
        fetcher = LeasedFetcher(leases, host_limits(sites), "massaudit/test")
        site = sites.sites[0]
        try:
            pages = [
                await refetch(fetcher, site, f"{base}/old/"),
                await refetch(fetcher, site, f"{base}/report.pdf"),
                await refetch(fetcher, site, f"{base}/missing/"),
            ]
            return (*pages, fetcher.requests)
        finally:
            await fetcher.close()
            await leases.aclose()

    with serve_handler(Handler) as base:
        page, pdf, missing, counted = asyncio.run(fetch_all(base))
    requests = counted - Counter(other=1)  # robots.txt, read once
    assert page.download.final_url == f"{base}/page/"
    assert (page.download.status, page.download.body) == (200, PAGE)
    assert page.links == (f"{base}/a/", f"{base}/page/b/")  # normalised as the crawler does
    assert page.etag == '"v1"'
    assert page.content_hash == hashlib.sha256(PAGE).hexdigest()
    assert pdf is None and missing is None
    assert requests == Counter(browser=4)  # the redirect's hop counts
    job = with_download(AuditJob(1, "one", "a", f"{base}/old/", 2), page)
    assert (job.url, job.page().final_url, job.page().links) == (
        f"{base}/old/",
        f"{base}/page/",
        page.links,
    )
