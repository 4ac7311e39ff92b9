"""The end-of-run report: what the run's requests cost per page the browser rendered."""

from __future__ import annotations

from massaudit.pipeline.summary import RunSummary, requests_line


def test_requests_are_reported_per_audited_page_by_kind():
    requests = {"crawler": 103, "browser": 2, "frame": 1, "probe": 1, "subresource": 320}
    line = requests_line(requests | {"served": 100, "other": 4}, 100)
    assert line == (
        "requests per audited page: 1.05 document (crawler 1.03, browser 0.02), frames 0.01, "
        "probe 0.01, subresources 3.2; other requests (robots.txt, sitemaps, linked documents, "
        "link checks): 4"
    )


def test_a_run_that_audited_no_page_reports_its_requests_as_counts():
    line = requests_line({"crawler": 300, "other": 2}, 0)
    assert line.startswith("requests, no page audited: 300 document (crawler 300, browser 0)")


def test_the_requests_are_stored_with_the_runs_summary():
    summary = RunSummary(1)
    summary.requests.update({"crawler": 3, "subresource": 5})
    assert summary.to_dict()["requests"] == {"crawler": 3, "subresource": 5}
