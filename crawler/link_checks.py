"""External link checks: a HEAD request for the status of a link outside the site (when the site
asks for them, within its budget), recorded with the skipped link and never followed."""

from __future__ import annotations

from collections import Counter

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from massaudit.crawler.crawl_hooks import CrawlHooks
from massaudit.crawler.frontier import SKIPPED, SiteFrontier
from massaudit.crawler.items import UrlOutcome
from massaudit.crawler.responses import failure_reason


class ExternalLinkChecks:
    """Mixed into SiteSpider: requests and callbacks of the external link checks."""

    frontiers: dict[str, SiteFrontier]
    hooks: CrawlHooks
    link_checks: Counter[str]

    def _link_check_allowed(self, site_id: str) -> bool:
        site = self.frontiers[site_id].site
        if not site.check_external_links or self.link_checks[site_id] >= site.external_link_budget:
            return False
        self.link_checks[site_id] += 1
        return True

    def _link_check_request(
        self, site_id: str, url: str, depth: int, referrer: str | None
    ) -> scrapy.Request:
        """HEAD request for the status of a link outside the site; never followed further."""
        return scrapy.Request(
            url,
            method="HEAD",
            callback=self.parse_link_check,
            errback=self.link_check_failed,
            dont_filter=True,
            meta={
                "site_id": site_id,
                "depth": depth,
                "referrer": referrer,
                "link_check": True,
                "dont_redirect": False,
                "handle_httpstatus_all": True,
            },
        )

    def parse_link_check(self, response: Response) -> None:
        meta = response.meta
        self.hooks.record(
            [
                UrlOutcome(
                    meta["site_id"],
                    response.request.url,
                    SKIPPED,
                    "out_of_scope",
                    f"link checked: HTTP {response.status}",
                    status=response.status,
                    depth=meta["depth"],
                    referrer=meta["referrer"],
                )
            ]
        )

    def link_check_failed(self, failure: Failure) -> None:
        meta = failure.request.meta
        reason, detail, status = failure_reason(failure)
        self.hooks.record(
            [
                UrlOutcome(
                    meta["site_id"],
                    failure.request.url,
                    SKIPPED,
                    "out_of_scope",
                    f"link checked: {detail}",
                    status=status,
                    depth=meta["depth"],
                    referrer=meta["referrer"],
                )
            ]
        )
