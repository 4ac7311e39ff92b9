"""Screenshots stored for a run's pages as a run stores them, for scorecard tests: a thumbnail
of each page and an image of each page's first failing element (real WebP images, the largest
size a run writes)."""

from __future__ import annotations

import io

from PIL import Image

from massaudit.audits.shot_images import IMAGE_MAX, THUMBNAIL_WIDTH
from massaudit.rules.fingerprint import fingerprint
from massaudit.store.db import Store


def webp(size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "WEBP", quality=60)
    return out.getvalue()


def store_screenshots(store: Store, run_id: int) -> None:
    findings = [f for f in store.findings(run_id) if f.outcome == "fail"]
    thumbnail = webp((THUMBNAIL_WIDTH, 225), (240, 240, 240))
    element = webp(IMAGE_MAX, (255, 0, 255))
    for page in store.pages(run_id):
        shots = [
            {
                "kind": "thumbnail",
                "rule_id": "",
                "fingerprint": "",
                "selector": "",
                "alt": f"The top of the page “{page.title}”",
                "mime": "image/webp",
                "width": THUMBNAIL_WIDTH,
                "height": 225,
                "image": thumbnail,
            }
        ]
        first = next((f for f in findings if f.page_id == page.id), None)
        if first is not None:
            shots.append(
                {
                    "kind": "element",
                    "rule_id": first.rule_id,
                    "fingerprint": fingerprint(first.rule_id, first.selector, first.html),
                    "selector": first.selector,
                    "alt": f"The element {first.selector} outlined in magenta",
                    "mime": "image/webp",
                    "width": IMAGE_MAX[0],
                    "height": IMAGE_MAX[1],
                    "image": element,
                }
            )
        store.save_screenshots(run_id, page.id, shots)
