"""What the spider needs from the rest of the pipeline: the hooks it reports to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from massaudit.crawler.items import FetchedPage, PreviousPage, ReusedPage, UrlOutcome


class CrawlHooks(Protocol):
    """What the spider needs from the rest of the pipeline (the audit stage and the store)."""

    # `page.discovered` (and what `discover` returns) are the states of the URLs first seen on
    # the page: the hooks store them in the same transaction as the page itself.
    async def audit(self, page: FetchedPage) -> None: ...

    async def reuse(
        self, page: ReusedPage, discover: Callable[[list[str]], list[UrlOutcome]]
    ) -> list[str]: ...

    def record(self, outcomes: list[UrlOutcome]) -> None: ...

    # Optional: `async def document(self, document: FetchedDocument) -> None` analyses a downloaded
    # document. Hooks without it get a HEAD request per document.

    def previous(self, site_id: str, url: str) -> PreviousPage | None: ...
