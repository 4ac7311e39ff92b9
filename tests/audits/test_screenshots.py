"""Screenshots in the real Chromium, on pages served from 127.0.0.1: a failing element outlined
in magenta in its context, a thumbnail of the page, bounded sizes and bytes, as few captures as
the elements' places need, and elements that are hard to picture (huge, off the page, hidden, of
no size, not there) skipped without ever failing the page's audit."""

from __future__ import annotations

import asyncio
import io

import pytest
from PIL import Image
from shots_site import serve_shots_site

from massaudit.audits import screenshots
from massaudit.audits.collector import Auditor, AuditSettings
from massaudit.audits.screenshots import (
    HIGHLIGHT_RGB,
    IMAGE_MAX,
    THUMBNAIL_WIDTH,
    ShotTarget,
    capture_page,
)

pytestmark = pytest.mark.browser

VIEWPORT = AuditSettings().viewport


def target(selector: str, rule_id: str = "button-name") -> ShotTarget:
    return ShotTarget(selector, f"fp-{selector}", rule_id, "Buttons must have discernible text")


def capture(path: str, targets: list[ShotTarget], before: str = "", **options):
    """Audit `path` of the site, run `before` in its tab, and capture `targets` there:
    (artifacts, shots, report, the page's markup before and after when it still answers)."""
    options = {"thumbnail": False, "byte_limit": 10**8, "timeout": 30} | options
    seen: dict = {"markup": None}
    markup = "() => document.documentElement.outerHTML"

    async def after_audit(tab, artifacts) -> bool:
        if before:
            await tab.page.evaluate(before)
        else:
            seen["markup"] = await tab.page.evaluate(markup)
        seen["shots"], seen["report"] = await capture_page(
            tab, targets, viewport=VIEWPORT, page_label="the page “Parks”", **options
        )
        if seen["report"]["answering"]:
            seen["markup"] = (seen["markup"], await tab.page.evaluate(markup))
        return seen["report"]["answering"]

    async def run(base: str):
        async with Auditor(AuditSettings(concurrency=1)) as auditor:
            return await auditor.audit(f"{base}{path}", after_audit=after_audit)

    with serve_shots_site() as base:
        artifacts = asyncio.run(run(base))
    return artifacts, seen["shots"], seen["report"], seen["markup"]


def picture(shot) -> Image.Image:
    image = Image.open(io.BytesIO(shot.image))
    image.load()
    return image


def highlighted(image: Image.Image) -> int:
    """Pixels of the outline's colour (WebP moves colours a little)."""
    rgb = image.convert("RGB")
    return sum(
        1
        for pixel in rgb.get_flattened_data()
        if all(abs(value - want) <= 40 for value, want in zip(pixel, HIGHLIGHT_RGB, strict=True))
    )


def test_a_failing_image_and_button_are_outlined_in_their_context():
    artifacts, shots, report, (before, after) = capture(
        "/", [target("main > img", "image-alt"), target("button.icon")], thumbnail=True
    )
    assert artifacts.error is None
    assert [s.kind for s in shots] == ["thumbnail", "element", "element"]
    thumbnail, image, button = shots
    for shot in shots:
        decoded = picture(shot)
        assert decoded.format == "WEBP" and shot.mime == "image/webp"
        assert decoded.size == (shot.width, shot.height)
        assert shot.width <= IMAGE_MAX[0] and shot.height <= IMAGE_MAX[1]
    assert (thumbnail.width, thumbnail.height) == (THUMBNAIL_WIDTH, 225)
    assert highlighted(picture(thumbnail)) == 0
    assert highlighted(picture(image)) > 400 and highlighted(picture(button)) > 100
    assert (image.selector, image.rule_id, image.fingerprint) == (
        "main > img",
        "image-alt",
        "fp-main > img",
    )
    assert image.alt == (
        "The image (no text or name) outlined in magenta on the page “Parks”: "
        "Buttons must have discernible text"
    )
    assert thumbnail.alt.startswith("The top of the page “Parks”")
    assert report["skipped"] == {} and report["answering"]
    assert report["captures"] == 1  # the top of the page shows both
    assert before == after  # the outline is drawn on the picture, not in the page


def test_what_cannot_be_pictured_is_skipped_and_the_audit_stands():
    cases = {
        "/huge/": "button",
        "/offscreen/": "button",
        "/hidden/": "main img",
        "/empty/": "button",
    }
    results = {path: capture(path, [target(selector)]) for path, selector in cases.items()}
    for artifacts, _shots, report, _markup in results.values():
        assert artifacts.error is None
        assert report["answering"]
    [huge] = results["/huge/"][1]
    assert huge.width <= IMAGE_MAX[0] and huge.height <= IMAGE_MAX[1]
    assert highlighted(picture(huge)) > 100
    assert results["/offscreen/"][2]["skipped"] == {"button": "outside the page's visible area"}
    assert results["/hidden/"][2]["skipped"] == {"main img": "not rendered (hidden or empty)"}
    assert results["/empty/"][2]["skipped"] == {"button": "not rendered (hidden or empty)"}


def test_selectors_the_page_cannot_answer_are_skipped():
    targets = ["main >>> span", "::nonsense(", "#nowhere", "button.icon"]
    _artifacts, shots, report, _overlay = capture("/", [target(t) for t in targets])
    assert [s.selector for s in shots] == ["button.icon"]
    assert report["skipped"] == {
        "main >>> span": "inside another origin's frame or a closed shadow root",
        "::nonsense(": "not a selector the page understands",
        "#nowhere": "not on the page",
    }


def test_the_head_is_pictured_as_the_top_of_the_page():
    _artifacts, [shot], _report, _overlay = capture("/", [target("head", "meta-description")])
    assert shot.alt.startswith("The top of the page “Parks”, outlined in magenta (the problem")
    assert highlighted(picture(shot)) > 400


def test_the_bytes_allowed_are_never_exceeded():
    targets = [target("main > img", "image-alt"), target("button.icon")]
    _artifacts, all_shots, _report, _overlay = capture("/", targets, thumbnail=True)
    limit = all_shots[0].size + all_shots[1].size  # the thumbnail and the first element
    _artifacts, shots, report, _overlay = capture("/", targets, thumbnail=True, byte_limit=limit)
    assert sum(s.size for s in shots) <= limit
    assert [s.kind for s in shots] == ["thumbnail", "element"]
    assert report["skipped"] == {"button.icon": "over the run's screenshot budget"}


def test_a_page_that_stops_answering_keeps_its_audit_and_loses_its_tab(monkeypatch):
    # A page that has replaced what the capture calls with a loop that never yields.
    monkeypatch.setattr(screenshots, "STEP_TIMEOUT_S", 2.0)
    spin = "() => { window.scrollTo = () => { while (true) {} }; }"
    artifacts, shots, report, _overlay = capture("/", [target("button.icon")], spin, timeout=6)
    assert artifacts.error is None
    assert shots == [] and not report["answering"]
