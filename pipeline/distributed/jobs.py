"""An audit job: what the coordinator publishes for one page and a worker needs to audit it.

(run id, URL) is the job's idempotency key. The job carries the crawler's download of the page
(bounded by the site's max_page_bytes, compressed), so the browser renders it without asking
the site again; a job published again by the reconciler carries none, and the worker fetches
the page itself under the host's lease (docs/distributed.md). Pure: no I/O.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from dataclasses import dataclass, fields
from typing import Any

from massaudit.crawler.items import FetchedPage

JOB_VERSION = 1


class JobError(ValueError):
    """A message that is not an audit job of this massaudit."""


@dataclass(frozen=True)
class Download:
    """The crawler's answer for the page: what the browser renders instead of a new request."""

    final_url: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    content_type: str = ""


@dataclass(frozen=True)
class AuditJob:
    run_id: int
    site_id: str
    agency_id: str
    url: str
    depth: int
    download: Download | None = None
    links: tuple[str, ...] = ()
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str = ""

    @property
    def key(self) -> str:
        """The idempotency key: one job a (run, URL), however often it is delivered."""
        digest = hashlib.sha256(self.url.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return f"massaudit-{self.run_id}-{digest}"

    @classmethod
    def of_page(cls, run_id: int, page: FetchedPage, max_bytes: int | None) -> AuditJob:
        """The job for a page the crawler downloaded; a body over `max_bytes` is not carried
        (the browser's own request then meets the site's answer, as in a single-process run)."""
        download = None
        if max_bytes is None or len(page.body) <= max_bytes:
            download = Download(
                page.final_url, page.status, page.headers, page.body, page.content_type
            )
        return cls(
            run_id=run_id,
            site_id=page.site_id,
            agency_id=page.agency_id,
            url=page.url,
            depth=page.depth,
            download=download,
            links=page.links,
            etag=page.etag,
            last_modified=page.last_modified,
            content_hash=page.content_hash,
        )

    def to_message(self) -> dict[str, Any]:
        """JSON-ready: the body zlib-compressed and base64-encoded."""
        message: dict[str, Any] = {"v": JOB_VERSION}
        for field in fields(self):
            message[field.name] = getattr(self, field.name)
        message["links"] = list(self.links)
        if self.download is not None:
            d = self.download
            message["download"] = {
                "final_url": d.final_url,
                "status": d.status,
                "headers": [list(h) for h in d.headers],
                "body": base64.b64encode(zlib.compress(d.body, 6)).decode("ascii"),
                "content_type": d.content_type,
            }
        return message

    @classmethod
    def from_message(cls, message: Any) -> AuditJob:
        """The job in a message; JobError (one line) for anything else."""
        if not isinstance(message, dict) or message.get("v") != JOB_VERSION:
            raise JobError(f"not an audit job of version {JOB_VERSION}")
        try:
            download = message.get("download")
            if download is not None:
                download = Download(
                    str(download["final_url"]),
                    int(download["status"]),
                    tuple((str(n), str(v)) for n, v in download["headers"]),
                    zlib.decompress(base64.b64decode(download["body"])),
                    str(download.get("content_type", "")),
                )
            return cls(
                run_id=int(message["run_id"]),
                site_id=str(message["site_id"]),
                agency_id=str(message["agency_id"]),
                url=str(message["url"]),
                depth=int(message["depth"]),
                download=download,
                links=tuple(str(link) for link in message.get("links", ())),
                etag=message.get("etag"),
                last_modified=message.get("last_modified"),
                content_hash=str(message.get("content_hash", "")),
            )
        except (KeyError, TypeError, ValueError, zlib.error) as exc:
            raise JobError(f"a malformed audit job: {type(exc).__name__}: {exc}"[:200]) from None

    def page(self) -> FetchedPage:
        """The page as the auditing hooks take it (no body: the browser fetches it)."""
        d = self.download
        return FetchedPage(
            site_id=self.site_id,
            agency_id=self.agency_id,
            url=self.url,
            final_url=d.final_url if d else self.url,
            status=d.status if d else 0,
            depth=self.depth,
            content_type=d.content_type if d else "",
            body=d.body if d else b"",
            links=self.links,
            etag=self.etag,
            last_modified=self.last_modified,
            content_hash=self.content_hash,
            headers=d.headers if d else (),
        )
