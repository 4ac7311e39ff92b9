"""The images of a page's screenshots, from where its elements are (audits/screenshot.js) and
pictures of its viewport: which area each image shows, which scroll positions picture them all
in as few captures as possible, and the images themselves, outlined and encoded. Pure: no
browser; Pillow only.

Coordinates are CSS px of the document (of the viewport for an element fixed on screen); the
captures are taken at the CSS scale, so one CSS px is one pixel of a picture.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageDraw, features

Box = tuple[float, float, float, float]  # x, y, width, height

HIGHLIGHT_RGB = (255, 0, 255)  # the outline: magenta, which few pages use
WHITE = (255, 255, 255)
# CSS px of context around an element, the smallest area shown around it, the largest image.
CONTEXT_PX = 48
AREA_MIN = (360, 200)
IMAGE_MAX = (800, 600)
THUMBNAIL_WIDTH = 320
QUALITY = {"element": 85, "thumbnail": 60}
WEBP, PNG = "image/webp", "image/png"
# libwebp's effort, 0 to 6: 2 encodes in about half the time of the default 4 for 5 % more bytes
WEBP_METHOD = 2


@dataclass(frozen=True)
class Placed:
    """Where target `index` is pictured: the `area` its image shows and the `outlined` part."""

    index: int
    area: Box
    outlined: Box
    fixed: bool = False  # on screen whatever the scroll: viewport coordinates
    whole: bool = False  # the page itself (its html, body or head): the top of the page
    head: bool = False  # ... for a problem of its head, which is never on screen
    role: str = ""  # what the element is, for the alt text
    name: str = ""


def place(
    index: int, found: Any, viewport: tuple[int, int], size: tuple[float, float]
) -> Placed | str:
    """The area to picture for one element the page script found, or why there is none."""
    if not isinstance(found, dict):
        return "not found"
    if found.get("skip"):
        return str(found["skip"])[:200]
    width, height = min(IMAGE_MAX[0], viewport[0]), min(IMAGE_MAX[1], viewport[1])
    if found.get("whole"):
        top = (0.0, 0.0, float(width), float(height))
        return Placed(index, top, top, whole=True, head=found.get("head") is True)
    box = found.get("box")
    if not (isinstance(box, list) and len(box) == 4 and all(_finite(v) for v in box)):
        return "no area to capture"
    fixed = found.get("fixed") is True
    limit = viewport if fixed else size
    x0, y0 = max(box[0], 0.0), max(box[1], 0.0)
    x1, y1 = min(box[0] + box[2], limit[0]), min(box[1] + box[3], limit[1])
    if x1 - x0 < 1 or y1 - y0 < 1:
        return "outside the page's visible area"
    ax0, ax1 = _grow(x0, x1, AREA_MIN[0], width, limit[0])
    ay0, ay1 = _grow(y0, y1, AREA_MIN[1], height, limit[1])
    role, name = found.get("role"), found.get("name")
    return Placed(
        index,
        (ax0, ay0, ax1 - ax0, ay1 - ay0),
        (x0, y0, x1 - x0, y1 - y0),
        fixed,
        role=role[:80] if isinstance(role, str) else "",
        name=name[:80] if isinstance(name, str) else "",
    )


def _grow(low: float, high: float, least: float, most: float, limit: float) -> tuple[int, int]:
    """[low, high] with CONTEXT_PX around it, at least `least` and at most `most` long (the
    start kept), within [0, limit]."""
    start, end = low - CONTEXT_PX, high + CONTEXT_PX
    if end - start < least:
        extra = (least - (end - start)) / 2
        start, end = start - extra, end + extra
    end = min(end, start + most)
    if start < 0:
        start, end = 0, end - start
    if end > limit:
        start, end = start - (end - limit), limit
    first = math.floor(max(start, 0))
    return first, min(math.ceil(min(end, limit)), first + math.floor(most))


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def scroll_positions(
    placed: list[Placed], viewport: tuple[int, int], size: tuple[float, float], top: bool
) -> list[tuple[tuple[int, int], list[Placed]]]:
    """Scroll positions whose pictures show every area, each with the areas it shows: the top
    of the page first when `top` (the thumbnail), the others in the order they are needed."""
    positions: list[tuple[tuple[int, int], list[Placed]]] = [((0, 0), [])] if top else []
    for item in placed:
        shows = [
            shown for scroll, shown in positions if item.fixed or _within(item, scroll, viewport)
        ]
        if shows:
            shows[0].append(item)
            continue
        x, y, width, height = item.area
        scroll = (0, 0)
        if not item.fixed:
            scroll = (
                _centred(x, width, viewport[0], size[0]),
                _centred(y, height, viewport[1], size[1]),
            )
        positions.append((scroll, [item]))
    return positions


def _within(item: Placed, scroll: tuple[int, int], viewport: tuple[int, int]) -> bool:
    x, y, width, height = item.area
    sx, sy = scroll
    return sx <= x and x + width <= sx + viewport[0] and sy <= y and y + height <= sy + viewport[1]


def _centred(start: float, length: float, window: int, total: float) -> int:
    return max(0, min(round(start + length / 2 - window / 2), math.floor(total - window)))


Encoded = tuple[str, int, int, bytes]  # mime, width, height, the image


def pictured(
    capture: bytes, scroll: tuple[float, float], shown: list[Placed], thumbnail: bool
) -> tuple[Encoded | None, dict[int, Encoded | str]]:
    """From one capture of the viewport at `scroll` (where the page really scrolled to): the
    thumbnail (when asked) and each area's image, or why there is none."""
    with Image.open(io.BytesIO(capture)) as opened:
        if thumbnail and not shown:  # JPEG decodes at a half or a quarter of its size for less
            width, height = opened.size
            opened.draft("RGB", (2 * THUMBNAIL_WIDTH, 2 * THUMBNAIL_WIDTH * height // width))
        picture = opened.convert("RGB")
    small = None
    if thumbnail:
        height = round(picture.height * THUMBNAIL_WIDTH / picture.width)
        size = (THUMBNAIL_WIDTH, height)
        resized = picture.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
        mime, data = encode(resized, QUALITY["thumbnail"])
        small = (mime, resized.width, resized.height, data)
    images: dict[int, Encoded | str] = {}
    for item in shown:
        dx, dy = (0.0, 0.0) if item.fixed else scroll
        x, y, width, height = item.area
        left, upper = round(x - dx), round(y - dy)
        right, lower = left + round(width), upper + round(height)
        if left < 0 or upper < 0 or right > picture.width or lower > picture.height:
            images[item.index] = "the page would not scroll to it"
            continue
        image = picture.crop((left, upper, right, lower))
        ox, oy, ow, oh = item.outlined
        outline(image, (ox - dx - left, oy - dy - upper, ow, oh))
        mime, data = encode(image, QUALITY["element"])
        images[item.index] = (mime, image.width, image.height, data)
    return small, images


def outline(image: Image.Image, box: Box) -> None:
    """A magenta frame around `box` with a white ring either side (seen on any background),
    kept inside the image so an element larger than its image stays framed."""
    draw = ImageDraw.Draw(image)
    x, y, width, height = box
    for grow, colour, line in ((8, WHITE, 2), (6, HIGHLIGHT_RGB, 4), (2, WHITE, 2)):
        left = min(max(x - grow, 0), image.width - 1)
        top = min(max(y - grow, 0), image.height - 1)
        right = max(min(x + width + grow, image.width) - 1, left)
        bottom = max(min(y + height + grow, image.height) - 1, top)
        draw.rectangle((left, top, right, bottom), outline=colour, width=line)


def encode(image: Image.Image, quality: int) -> tuple[str, bytes]:
    """WebP (PNG where this Pillow has no WebP)."""
    out = io.BytesIO()
    if features.check("webp"):
        image.save(out, "WEBP", quality=quality, method=WEBP_METHOD)
        return WEBP, out.getvalue()
    image.save(out, "PNG", optimize=True)
    return PNG, out.getvalue()
