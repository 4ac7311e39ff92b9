"""Pictures of an audited page while its tab is still open: each failing element outlined in
its context, and a small thumbnail of the page.

One script finds every element at once (audits/screenshot.js, which changes nothing in the
page); the page is then scrolled to as few positions as show them all, each position pictured
once through Playwright's own screenshot, and every image is cut from those pictures, outlined
and encoded by Pillow as WebP off the event loop (audits/shot_images.py). Playwright's
screenshot keeps the tab's emulated viewport, which a capture through a DevTools session of our
own would reset for the next page the tab audits. Every step is bounded; an element that cannot
be pictured (hidden, empty, off the page, inside another origin's frame) is skipped, and
nothing here ever fails the page's audit.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.async_api import Page

from massaudit.audits.shot_images import (
    HIGHLIGHT_RGB,
    IMAGE_MAX,
    THUMBNAIL_WIDTH,
    Placed,
    pictured,
    place,
    scroll_positions,
)
from massaudit.audits.tabs import Tab, is_lost
from massaudit.audits.time_limits import ms_since
from massaudit.rules.model import PageArtifacts

__all__ = ["HIGHLIGHT_RGB", "IMAGE_MAX", "THUMBNAIL_WIDTH", "AfterAudit", "Shot", "ShotTarget"]

# What a run does in a page's tab once its artifacts are collected (Auditor.audit's
# `after_audit`: the run's screenshots, pipeline/screenshots.py); it answers whether the tab may
# audit another page (False: the page stopped answering, and its tab is closed).
AfterAudit = Callable[[Tab, PageArtifacts], Awaitable[bool]]

STEP_TIMEOUT_S = 5.0  # one script or one capture
SCREENSHOTS_TIMEOUT_S = 20.0  # all of a page's
CAPTURE_QUALITY = 90  # JPEG from the browser: quick to make and to read; the outline is drawn after
TARGET_SEPARATOR = " >>> "  # frames and shadow roots in a finding's selector (rules.axe_findings)
_LOCATE_JS = (Path(__file__).parent / "screenshot.js").read_text(encoding="utf-8")
_SCROLL_JS = "([x, y]) => { window.scrollTo(x, y); return [scrollX, scrollY]; }"
_AT_SIZE_JS = "([width, height]) => innerWidth === width && innerHeight === height"


@dataclass(frozen=True)
class ShotTarget:
    """An element to capture: a failing finding's selector, what names it across pages, and the
    title of the rule it fails (for the alt text)."""

    selector: str
    fingerprint: str
    rule_id: str
    rule_title: str


@dataclass(frozen=True)
class Shot:
    """One image: `kind` "element" (a target, outlined) or "thumbnail" (the top of the page)."""

    kind: str
    mime: str
    width: int
    height: int
    image: bytes
    alt: str
    rule_id: str = ""
    fingerprint: str = ""
    selector: str = ""

    @property
    def size(self) -> int:
        return len(self.image)


async def capture_page(
    tab: Tab,
    targets: Sequence[ShotTarget],
    *,
    viewport: tuple[int, int],
    page_label: str,
    thumbnail: bool,
    byte_limit: int,
    timeout: float,
) -> tuple[list[Shot], dict[str, Any]]:
    """The thumbnail (when asked) and the targets' images, thumbnail first and targets in
    order, within `byte_limit` bytes and `timeout` seconds; and what happened: {"ms",
    "skipped": {selector: reason}, "captures": pictures taken, "answering": False when a step
    ran out of time (the page may be spinning)}."""
    started = time.perf_counter()
    deadline = time.monotonic() + timeout
    page = tab.page
    thumb: Shot | None = None
    elements: dict[int, Shot] = {}
    skipped: dict[str, str] = {}
    answering, captures = True, 0
    try:
        await _step(tab.restore_viewport(viewport, STEP_TIMEOUT_S), deadline)
        # The renderer takes the size back a little after Playwright's call returns.
        await _step(page.wait_for_function(_AT_SIZE_JS, arg=list(viewport)), deadline)
        await _step(page.evaluate(_SCROLL_JS, [0, 0]), deadline)
        placed, size = await _locate(page, targets, viewport, skipped, deadline)
        session = tab.guard.session if tab.guard is not None else None
        for scroll, shown in scroll_positions(placed, viewport, size, thumbnail):
            where = await _step(page.evaluate(_SCROLL_JS, list(scroll)), deadline)
            at = _scrolled(where, scroll)
            top = thumbnail and scroll == (0, 0) and at == (0.0, 0.0)
            if not shown and not top:
                continue  # the thumbnail's position alone, and the page would not go there
            if not shown and session is not None:
                capture = await _step(_small_capture(session, viewport), deadline)
            else:
                capture = await _step(
                    page.screenshot(
                        type="jpeg",
                        quality=CAPTURE_QUALITY,
                        scale="css",
                        timeout=STEP_TIMEOUT_S * 1000,
                    ),
                    deadline,
                )
            captures += 1
            small, images = await asyncio.to_thread(pictured, capture, at, shown, top)
            if small is not None:
                thumb = Shot("thumbnail", *small, alt=thumbnail_alt(page_label))
            for index, image in images.items():
                target = targets[index]
                if isinstance(image, str):
                    skipped[target.selector] = image
                    continue
                alt = _alt(target, shown, index, page_label)
                named = {"rule_id": target.rule_id, "fingerprint": target.fingerprint}
                elements[index] = Shot("element", *image, alt, selector=target.selector, **named)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a page that stopped answering: keep what was captured
        skipped["page"] = _one_line(exc)
        answering = not isinstance(exc, TimeoutError) and not is_lost(exc)
    ordered = ([thumb] if thumb else []) + [elements[i] for i in sorted(elements)]
    kept = _within_bytes(ordered, byte_limit)
    for shot in ordered[len(kept) :]:
        skipped[shot.selector or "thumbnail"] = "over the run's screenshot budget"
    report = {"ms": ms_since(started), "skipped": skipped, "captures": captures}
    return kept, report | {"answering": answering}


async def _small_capture(session: Any, viewport: tuple[int, int]) -> bytes:
    """The top of the page at twice the thumbnail's width, for the thumbnail alone: rendered
    small by the browser, a quarter of the pixels of a full capture to paint, encode and decode.
    A clip inside the viewport leaves the tab's emulated viewport as it is."""
    width, height = viewport
    clip = {"x": 0, "y": 0, "width": width, "height": height, "scale": 2 * THUMBNAIL_WIDTH / width}
    answer = await session.send(
        "Page.captureScreenshot", {"format": "jpeg", "quality": CAPTURE_QUALITY, "clip": clip}
    )
    return base64.b64decode(answer["data"])


async def _locate(
    page: Page,
    targets: Sequence[ShotTarget],
    viewport: tuple[int, int],
    skipped: dict[str, str],
    deadline: float,
) -> tuple[list[Placed], tuple[float, float]]:
    """Where each target is, and the page's size; the reason for each target that cannot be
    pictured goes to `skipped`."""
    parts = [[p for p in t.selector.split(TARGET_SEPARATOR) if p.strip()] for t in targets]
    answer = await _step(page.evaluate(_LOCATE_JS, {"targets": parts}), deadline)
    if not isinstance(answer, dict):
        raise ValueError("the page's script gave no answer")
    found = answer.get("found") if isinstance(answer.get("found"), list) else []
    size = answer.get("size")
    if not (isinstance(size, list) and len(size) == 2 and all(_number(v) for v in size)):
        size = list(viewport)
    page_size = (max(float(size[0]), viewport[0]), max(float(size[1]), viewport[1]))
    placed: list[Placed] = []
    for index, target in enumerate(targets):
        where = place(index, found[index] if index < len(found) else None, viewport, page_size)
        if isinstance(where, str):
            skipped[target.selector] = where
        else:
            placed.append(where)
    return placed, page_size


def _scrolled(answer: Any, asked: tuple[int, int]) -> tuple[float, float]:
    """Where the page says it scrolled to (it may refuse to scroll); what was asked when its
    answer is no position."""
    if isinstance(answer, list) and len(answer) == 2 and all(_number(v) for v in answer):
        return float(answer[0]), float(answer[1])
    return float(asked[0]), float(asked[1])


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and value == value and abs(value) < 1e9


def _alt(target: ShotTarget, shown: list[Placed], index: int, page_label: str) -> str:
    item = next(p for p in shown if p.index == index)
    if item.whole:
        return page_alt(target.rule_title, item.head, page_label)
    return element_alt(target.rule_title, item.role, item.name, page_label)


def _one_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"


def _within_bytes(shots: list[Shot], byte_limit: int) -> list[Shot]:
    kept, used = [], 0
    for shot in shots:
        if used + shot.size <= byte_limit:
            kept.append(shot)
            used += shot.size
    return kept


async def _step(awaitable: Any, deadline: float) -> Any:
    """One step, within STEP_TIMEOUT_S and the capture's deadline."""
    left = min(STEP_TIMEOUT_S, deadline - time.monotonic())
    if left <= 0:
        with contextlib.suppress(Exception):
            awaitable.close()  # never started: no "coroutine was never awaited" warning
        raise TimeoutError("the screenshots took longer than their time")
    return await asyncio.wait_for(awaitable, left)


def element_alt(rule_title: str, role: Any, name: Any, page_label: str) -> str:
    """What an element's image shows, in words: the element (its role and name), the problem
    (the rule's title) and the page. Plain text; every output escapes it."""
    role = role if isinstance(role, str) and role.strip() else "element"
    named = f" “{name}”" if isinstance(name, str) and name.strip() else " (no text or name)"
    return f"The {role}{named} outlined in magenta on {page_label}: {rule_title}"


def page_alt(rule_title: str, head: bool, page_label: str) -> str:
    """What the image of a problem of the whole page shows (the html or body element, or the
    page's head, which is never on screen)."""
    where = " (the problem is in the page's head, which is not shown on screen)" if head else ""
    return f"The top of {page_label}, outlined in magenta{where}: {rule_title}"


def thumbnail_alt(page_label: str) -> str:
    return f"The top of {page_label}, as it first appears on a desktop screen"


def page_label(title: str, url: str) -> str:
    """How an alt text names a page: its title, else its address."""
    title = " ".join(title.split())[:120]
    return f"the page “{title}”" if title else f"the page {url[:200]}"
