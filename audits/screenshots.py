"""Pictures of an audited page while its tab is still open: each failing element outlined in
its context, and a small thumbnail of the page.

Playwright takes each picture as PNG (its own screenshots keep the tab's emulated viewport; a
capture through a DevTools session of our own would reset it for the next page the tab audits),
and Pillow writes it as WebP (about a third of the PNG; PNG should Pillow lack WebP). The
element is outlined by an overlay drawn in the page (audits/screenshot.js) and removed after
the capture. Every step is bounded; an element that cannot be captured (hidden, empty, off the
page, inside another origin's frame) is skipped, and nothing here ever fails the page's audit.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PIL import Image, features
from playwright.async_api import Page

from massaudit.audits.tabs import Tab, is_lost
from massaudit.audits.time_limits import ms_since
from massaudit.rules.model import PageArtifacts

# What a run does in a page's tab once its artifacts are collected (Auditor.audit's
# `after_audit`: the run's screenshots, pipeline/screenshots.py); it answers whether the tab may
# audit another page (False: the page stopped answering, and its tab is closed).
AfterAudit = Callable[[Tab, PageArtifacts], Awaitable[bool]]

HIGHLIGHT = "#ff00ff"  # the outline's colour: magenta, which few pages use
HIGHLIGHT_RGB = (255, 0, 255)
OVERLAY_ID = "massaudit-screenshot-highlight"
# CSS px of context around an element, and the smallest and largest area captured around it
# (within the viewport), and the largest image written from that area (scaled down to fit).
CONTEXT_PX = 48
AREA_MIN = (360, 200)
AREA_MAX = (1200, 800)
IMAGE_MAX = (800, 600)
THUMBNAIL_WIDTH = 320
QUALITY = {"element": 85, "thumbnail": 60}
STEP_TIMEOUT_S = 5.0  # one script or one capture
SCREENSHOTS_TIMEOUT_S = 20.0  # all of a page's
WEBP, PNG = "image/webp", "image/png"
TARGET_SEPARATOR = " >>> "  # frames and shadow roots in a finding's selector (rules.axe_findings)
_LOCATE_JS = (Path(__file__).parent / "screenshot.js").read_text(encoding="utf-8")
_REMOVE_JS = "(id) => { const o = document.getElementById(id); if (o) o.remove(); }"
_TOP_JS = "() => window.scrollTo(0, 0)"
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
    """The thumbnail (when asked) and the targets' images, in order, until `byte_limit` bytes or
    `timeout` seconds are spent; and what happened: {"ms", "skipped": {selector: reason},
    "answering": False when a step ran out of time (the page may be spinning)}."""
    started = time.perf_counter()
    shots: list[Shot] = []
    skipped: dict[str, str] = {}
    answering = True
    deadline = time.monotonic() + timeout
    page = tab.page
    try:
        await _step(tab.restore_viewport(viewport, STEP_TIMEOUT_S), deadline)
        # The renderer takes the size back a little after Playwright's call returns.
        await _step(page.wait_for_function(_AT_SIZE_JS, arg=list(viewport)), deadline)
        if thumbnail:
            await _step(page.evaluate(_TOP_JS), deadline)
            width = THUMBNAIL_WIDTH
            size = (width, round(viewport[1] * width / viewport[0]))
            shot = await _capture(page, (0, 0, *viewport), size, "thumbnail", deadline)
            shots.append(replace(shot, alt=thumbnail_alt(page_label)))
        for target in targets:
            if sum(s.size for s in shots) >= byte_limit:
                skipped[target.selector] = "over the run's screenshot budget"
                continue
            try:
                shot, reason = await _element(page, target, page_label, deadline)
            except TimeoutError:
                raise
            except Exception as exc:  # this element only (a page's script in the way)
                if is_lost(exc):
                    raise
                shot, reason = None, _one_line(exc)
            if shot is None:
                skipped[target.selector] = reason
            else:
                shots.append(shot)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a page that stopped answering: keep what was captured
        skipped["page"] = _one_line(exc)
        answering = not isinstance(exc, TimeoutError) and not is_lost(exc)
    kept = _within_bytes(shots, byte_limit)
    return kept, {"ms": ms_since(started), "skipped": skipped, "answering": answering}


async def _element(
    page: Page, target: ShotTarget, page_label: str, deadline: float
) -> tuple[Shot | None, str]:
    parts = [part for part in target.selector.split(TARGET_SEPARATOR) if part.strip()]
    if not parts:
        return None, "no selector"
    arg = {
        "parts": parts,
        "id": OVERLAY_ID,
        "colour": HIGHLIGHT,
        "margin": CONTEXT_PX,
        "min": list(AREA_MIN),
        "max": list(AREA_MAX),
    }
    try:
        found = await _step(page.evaluate(_LOCATE_JS, arg), deadline)
        if not isinstance(found, dict) or found.get("skip"):
            reason = found.get("skip") if isinstance(found, dict) else None
            return None, str(reason or "not found")
        clip = _checked_clip(found.get("clip"))
        if clip is None:
            return None, "no area to capture"
        scale = min(1.0, IMAGE_MAX[0] / clip[2], IMAGE_MAX[1] / clip[3])
        size = (max(1, round(clip[2] * scale)), max(1, round(clip[3] * scale)))
        shot = await _capture(page, clip, size, "element", deadline)
    finally:
        with contextlib.suppress(Exception):
            await _step(page.evaluate(_REMOVE_JS, OVERLAY_ID), deadline)
    if found.get("role") == "page":
        alt = page_alt(target.rule_title, bool(found.get("head")), page_label)
    else:
        alt = element_alt(target.rule_title, found.get("role"), found.get("name"), page_label)
    named = {"rule_id": target.rule_id, "fingerprint": target.fingerprint}
    return replace(shot, alt=alt, selector=target.selector, **named), ""


async def _capture(
    page: Page, clip: tuple[float, ...], size: tuple[int, int], kind: str, deadline: float
) -> Shot:
    """`clip` (viewport CSS px) through Playwright's own screenshot, which keeps the tab's
    emulated viewport as it was (a capture through a DevTools session of our own resets it),
    then scaled to `size` and encoded off the event loop."""
    x, y, width, height = clip
    area = {"x": x, "y": y, "width": width, "height": height}
    png = await _step(
        page.screenshot(clip=area, type="png", scale="css", timeout=STEP_TIMEOUT_S * 1000),
        deadline,
    )
    mime, image = await asyncio.to_thread(encode, png, size, QUALITY[kind])
    return Shot(kind, mime, size[0], size[1], image, alt="")


def encode(png: bytes, size: tuple[int, int], quality: int) -> tuple[str, bytes]:
    """A PNG screenshot as WebP (PNG where this Pillow has no WebP), scaled to `size`."""
    with Image.open(io.BytesIO(png)) as picture:
        picture = picture.convert("RGB")
        if picture.size != size:
            picture = picture.resize(size, Image.Resampling.LANCZOS)
        out = io.BytesIO()
        if features.check("webp"):
            picture.save(out, "WEBP", quality=quality, method=4)
            return WEBP, out.getvalue()
        picture.save(out, "PNG", optimize=True)
        return PNG, out.getvalue()


def _checked_clip(value: Any) -> tuple[float, float, float, float] | None:
    """The page's answer as an area of the viewport: four finite numbers, the size at least a
    pixel and no more than the largest area (a page may have replaced what the script calls)."""
    if not isinstance(value, list) or len(value) != 4:
        return None
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in value):
        return None
    x, y, width, height = (float(v) for v in value)
    if width < 1 or height < 1 or x < 0 or y < 0:
        return None
    return x, y, min(width, float(AREA_MAX[0])), min(height, float(AREA_MAX[1]))


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
