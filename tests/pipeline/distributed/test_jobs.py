"""Audit jobs as messages (pure): the crawler's download carried compressed, or left out over
the site's limit; the idempotency key; malformed messages refused in one line."""

from __future__ import annotations

import json

import pytest

from massaudit.crawler.items import FetchedPage
from massaudit.pipeline.distributed.jobs import AuditJob, JobError

PAGE = FetchedPage(
    site_id="parks",
    agency_id="dcr",
    url="http://x/a",
    final_url="http://x/a/",
    status=200,
    depth=2,
    content_type="text/html",
    body=b"<html>\x00\xff" * 100,
    links=("http://x/b",),
    etag='"e"',
    content_hash="abc",
    headers=(("Content-Type", "text/html"),),
)


def test_a_job_carries_the_download_through_json():
    job = AuditJob.of_page(7, PAGE, max_bytes=10_000)
    again = AuditJob.from_message(json.loads(json.dumps(job.to_message())))
    assert again == job
    page = again.page()
    assert (page.body, page.final_url, page.headers, page.links) == (
        PAGE.body,
        PAGE.final_url,
        PAGE.headers,
        PAGE.links,
    )
    assert job.key == AuditJob(7, "other", "", "http://x/a", 0).key  # (run, URL) only
    assert job.key != AuditJob(8, "parks", "dcr", "http://x/a", 2).key


def test_a_body_over_the_limit_is_not_carried():
    job = AuditJob.of_page(7, PAGE, max_bytes=10)
    assert job.download is None
    assert AuditJob.from_message(job.to_message()).page().body == b""


@pytest.mark.parametrize(
    "message", [None, [], {"v": 99}, {"v": 1}, {"v": 1, "run_id": "x", "site_id": "s"}]
)
def test_malformed_messages_are_refused(message):
    with pytest.raises(JobError) as raised:
        AuditJob.from_message(message)
    assert "\n" not in str(raised.value)
