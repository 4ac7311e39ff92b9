"""The per-host politeness the browser shares with the crawler: which requests are whose, and the
browser's requests first in their host's queue (the slot's delay and concurrency still apply).

The whole path, a crawl and its audits against a server that logs every request, is tested in
tests/pipeline/test_nightly_requests.py.
"""

from __future__ import annotations

import asyncio
import time
import tomllib

import scrapy
from scrapy.core.downloader import Slot
from scrapy.utils.test import get_crawler

from massaudit.crawler.politeness import (
    BROWSER_KIND,
    PoliteDownloader,
    PoliteFetcher,
    request_kind,
)
from massaudit.crawler.settings import crawl_settings
from massaudit.crawler.sites import SitesConfig, parse_sites


def _request(path: str, **meta) -> scrapy.Request:
    return scrapy.Request(f"http://127.0.0.1:8000{path}", meta=meta)


def test_requests_are_counted_by_whose_they_are():
    assert request_kind(_request("/", site_id="s", depth=0)) == "crawler"
    assert request_kind(_request("/a.pdf", site_id="s", document=True)) == "other"
    assert request_kind(_request("/x", site_id="s", link_check=True)) == "other"
    assert request_kind(_request("/sitemap.xml", site_id="s", sitemap_depth=0)) == "other"
    assert request_kind(_request("/robots.txt")) == "other"
    for kind in ("browser", "frame", "probe"):
        assert request_kind(_request("/", **{BROWSER_KIND: kind})) == kind


def test_the_browsers_requests_go_first_in_their_hosts_queue_in_order():
    async def queued_order() -> list[str]:
        downloader = PoliteDownloader(get_crawler(settings_dict={"LOG_ENABLED": False}))
        slot = Slot(concurrency=1, delay=0.2, jitter=0.5)
        slot.latercall = object()  # the slot is waiting out its delay: nothing leaves yet
        for request in (
            _request("/crawler-1", site_id="s"),
            _request("/probe", **{BROWSER_KIND: "probe"}),
            _request("/crawler-2", site_id="s"),
            _request("/frame", **{BROWSER_KIND: "frame"}),
        ):
            slot.queue.append((request, None))
            downloader._process_queue(slot)
        return [request.url.rsplit("/", 1)[1] for request, _ in slot.queue]

    assert asyncio.run(queued_order()) == ["probe", "frame", "crawler-1", "crawler-2"]


def test_a_hosts_delay_counts_from_the_answer_of_its_last_request():
    """Not from when the request left the queue: the time until it reaches the wire (middlewares,
    a busy event loop) must not shorten the gap the server sees before the next one."""

    class Handlers:
        async def download_request_async(self, request):
            started.append(slot.lastseen)
            await asyncio.sleep(0.05)  # the server takes its time to answer
            return scrapy.http.Response(request.url, status=200)

    async def download() -> float:
        crawler = get_crawler(settings_dict={"LOG_ENABLED": False})
        downloader = PoliteDownloader(crawler)
        downloader.handlers = Handlers()
        request = _request("/page")
        key = downloader.get_slot_key(request)
        downloader.slots[key] = slot
        slot.lastseen = time.monotonic() - 5.0  # left the queue 5 s before it started
        before = time.monotonic()
        await downloader._download(slot, request)
        assert started[0] >= before  # counted from the start of the download...
        return before

    slot = Slot(concurrency=1, delay=0.2, jitter=0.5)
    started: list[float] = []
    before = asyncio.run(download())
    assert slot.lastseen >= before + 0.05  # ...then from the answer


def _sites(*entries: str) -> SitesConfig:
    text = '[[agency]]\nid = "a"\nname = "A"\n' + "".join(entries)
    return parse_sites(tomllib.loads(text))


def _site(site_id: str, host: str, **keys: object) -> str:
    extra = "".join(f"{k} = {v}\n" for k, v in keys.items())
    return (
        f'[[site]]\nid = "{site_id}"\nagency = "a"\nname = "{site_id}"\n'
        f'start_urls = ["https://{host}/"]\nallowed_hosts = ["{host}"]\n{extra}'
    )


def test_the_browser_goes_through_the_politeness_of_the_runs_hosts_only():
    sites = _sites(
        _site("one", "www.mass.gov", max_page_bytes=1000, fetch_timeout=5),
        _site("two", "www.mass.gov", max_page_bytes=2000, fetch_timeout=10),
        _site("three", "budget.mass.gov"),
    )
    fetcher = PoliteFetcher(get_crawler(settings_dict={"LOG_ENABLED": False}), sites)
    assert fetcher.governs("https://www.mass.gov/info")
    assert fetcher.governs("https://budget.mass.gov/")
    assert not fetcher.governs("https://www.youtube.com/embed/x")
    assert not fetcher.governs("http://[::1")  # unreadable: never the run's
    assert fetcher._limits["www.mass.gov"] == (1000, 5)  # the gentlest of the sites sharing it


def test_the_crawl_runs_on_the_polite_downloader():
    settings = crawl_settings(_sites(_site("one", "www.mass.gov")), tool_version="1")
    assert settings["DOWNLOADER"] == "massaudit.crawler.politeness.PoliteDownloader"
