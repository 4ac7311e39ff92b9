"""What the crawl hands to the audit stage."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FetchedPage:
    """An in-scope HTML page the crawler downloaded and the audit stage should render."""

    site_id: str
    agency_id: str
    url: str
    final_url: str
    status: int
    depth: int
    content_type: str
    body: bytes
