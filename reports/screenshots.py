"""A run's screenshots on the scorecard: which image shows each issue and each page, and the
image files written next to the pages (`shots/<hash>.webp`).

An element's image is named by its element fingerprint; the issue it shows is that fingerprint
kept apart by the site's host, as issues are (reports.issues). A page carried over from an
earlier run shows the images taken when it was audited. A problem of a page as a whole that
was found only once the crawl had ended (a title shared by several pages: the site-level
checks), when its tab was closed, is shown by the page's thumbnail framed in magenta.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from massaudit.reports.issues import issue_fingerprint

if TYPE_CHECKING:
    from massaudit.reports.issues import IssueView
    from massaudit.reports.views import PageView
    from massaudit.store.db import Store

FOLDER = "shots"
EXTENSIONS = {"image/webp": "webp", "image/png": "png"}
# The elements of the page as a whole: what a selector names last, when it is one of these.
PAGE_ELEMENTS = {"html", "head", "body", "title", "meta", "link", "base"}
_LAST_TAG = re.compile(r"(?:^|[\s>+~])([a-zA-Z][\w-]*)[^\s>+~]*\s*$")


@dataclass
class ShotView:
    id: int  # of its stored row
    kind: str  # "element", "thumbnail", or "page" (a thumbnail framed: the whole page)
    mime: str
    width: int
    height: int
    alt: str
    issue: str = ""  # the issue an element's image shows
    src: str = ""  # its file, relative to the scorecard's top folder, once written
    page: str = ""  # the page it shows, as its alt text names it


@dataclass
class Screenshots:
    """The images a scorecard shows: page id -> thumbnail and element images, issue -> image."""

    thumbnails: dict[int, ShotView] = field(default_factory=dict)
    elements: dict[int, list[ShotView]] = field(default_factory=dict)
    by_issue: dict[str, ShotView] = field(default_factory=dict)
    read: Callable[[int], bytes | None] = lambda _id: None

    def all(self) -> Iterable[ShotView]:
        yield from self.thumbnails.values()
        for shots in self.elements.values():
            yield from shots

    def for_issue(self, page_id: int, issue: str) -> ShotView | None:
        """The image of `issue` taken on this page, else the one taken elsewhere (the same
        template element is captured once a site)."""
        own = next((s for s in self.elements.get(page_id, []) if s.issue == issue), None)
        return own or self.by_issue.get(issue)

    def of_issue(self, issue: IssueView) -> ShotView | None:
        """The image an issue page shows: its element's, else, for a problem of the page as a
        whole (its title, its head), the first of its pages' thumbnails, framed."""
        shot = self.by_issue.get(issue.fingerprint)
        if shot is not None or not is_page_element(issue.selector):
            return shot
        thumbnail = next((self.thumbnails[p] for p in issue.pages if p in self.thumbnails), None)
        if thumbnail is None:
            return None
        alt = f"The top of {thumbnail.page}, framed in magenta: {issue.title}"
        return replace(thumbnail, kind="page", alt=alt)


def is_page_element(selector: str) -> bool:
    last = _LAST_TAG.search(selector)
    return last is not None and last.group(1).lower() in PAGE_ELEMENTS


def page_name(title: str, url: str) -> str:
    """How an alt text names a page (as the run named it when it took the image)."""
    title = " ".join(title.split())[:120]
    return f"the page “{title}”" if title else f"the page {url[:200]}"


def load_screenshots(
    store: Store, pages: Iterable[PageView], hosts: Mapping[str, str]
) -> Screenshots:
    """The stored images of `pages` (a reused page's are those of the page it reuses)."""
    shown_as: dict[int, PageView] = {}
    for page in pages:
        shown_as[page.row.id] = page
        if page.row.reused_from is not None:
            shown_as.setdefault(page.row.reused_from, page)
    shots = Screenshots(read=store.screenshot_image)
    for row in store.screenshots(shown_as):
        page = shown_as[row.page_id]
        view = ShotView(row.id, row.kind, row.mime, row.width, row.height, row.alt)
        view.page = page_name(page.row.title, page.row.final_url)
        if row.kind == "thumbnail":
            shots.thumbnails.setdefault(page.row.id, view)
            continue
        view.issue = issue_fingerprint(row.fingerprint, hosts.get(page.row.site_id, ""))
        shots.elements.setdefault(page.row.id, []).append(view)
        shots.by_issue.setdefault(view.issue, view)
    return shots


def write_screenshots(shots: Screenshots, out_dir: Path) -> None:
    """Each image once, as `shots/<sha256 of its bytes>.<ext>` under `out_dir`; an image the
    store no longer has keeps no file (and its page shows none)."""
    folder = out_dir / FOLDER
    folder.mkdir(exist_ok=True)
    for shot in shots.all():
        image = shots.read(shot.id)
        extension = EXTENSIONS.get(shot.mime)
        if not image or extension is None:
            continue
        name = f"{hashlib.sha256(image).hexdigest()[:20]}.{extension}"
        path = folder / name
        if not path.exists():
            path.write_bytes(image)
        shot.src = f"{FOLDER}/{name}"
