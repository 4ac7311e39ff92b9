"""The images of a page's screenshots, without a browser: the area each shows (bounded, within
the page, whatever numbers the page sent), the fewest scroll positions that show them all, and
each image cut from a picture of the viewport, outlined and encoded."""

from __future__ import annotations

import io

from PIL import Image

from massaudit.audits.shot_images import (
    AREA_MIN,
    HIGHLIGHT_RGB,
    IMAGE_MAX,
    THUMBNAIL_WIDTH,
    Placed,
    pictured,
    place,
    scroll_positions,
)

VIEWPORT = (1280, 900)
PAGE = (1280.0, 5000.0)


def element(x, y, width, height, **extra) -> dict:
    return {"box": [x, y, width, height], "role": "button", "name": "Go"} | extra


def test_an_element_is_shown_in_its_context_within_the_page():
    item = place(0, element(100, 300, 40, 20), VIEWPORT, PAGE)
    assert isinstance(item, Placed)
    x, y, width, height = item.area
    assert (width, height) == AREA_MIN  # small: the least area, centred on it
    assert x <= 100 and x + width >= 140 and y <= 300 and y + height >= 320
    assert item.outlined == (100, 300, 40, 20)
    assert (item.role, item.name) == ("button", "Go")
    corner = place(0, element(0, 0, 10, 10), VIEWPORT, PAGE)
    assert corner.area[:2] == (0, 0)


def test_a_huge_element_shows_its_start_and_never_more_than_the_largest_image():
    item = place(0, element(-2000, 100, 9000, 9000), VIEWPORT, PAGE)
    x, y, width, height = item.area
    assert x >= 0 and width <= IMAGE_MAX[0] and height <= IMAGE_MAX[1]
    assert x + width <= PAGE[0] and y + height <= PAGE[1]


def test_what_the_page_sent_cannot_make_an_area_of_nothing():
    for hostile in (
        element(float("nan"), 0, 10, 10),
        element(0, 0, "10", 10),
        {"box": [1, 2, 3]},
        {"box": None},
        "a string",
        None,
    ):
        assert isinstance(place(0, hostile, VIEWPORT, PAGE), str)
    assert place(0, element(-9999, -9999, 10, 10), VIEWPORT, PAGE) == (
        "outside the page's visible area"
    )
    assert place(0, {"skip": "not on the page"}, VIEWPORT, PAGE) == "not on the page"
    # An element fixed on screen is placed within the viewport, not the page.
    assert isinstance(place(0, element(10, 4000, 10, 10, fixed=True), VIEWPORT, PAGE), str)


def test_the_whole_page_is_its_top():
    item = place(0, {"whole": True, "head": True}, VIEWPORT, PAGE)
    assert item.area == (0, 0, IMAGE_MAX[0], IMAGE_MAX[1]) and item.whole and item.head


def test_as_few_scroll_positions_as_show_every_area():
    items = [
        place(0, element(10, 100, 40, 20), VIEWPORT, PAGE),
        place(1, element(10, 3000, 40, 20), VIEWPORT, PAGE),
        place(2, element(500, 200, 40, 20), VIEWPORT, PAGE),
        place(3, element(10, 3100, 40, 20), VIEWPORT, PAGE),
        place(4, element(10, 10, 40, 20, fixed=True), VIEWPORT, PAGE),
        place(5, element(10, 4990, 40, 20), VIEWPORT, PAGE),
    ]
    positions = scroll_positions(items, VIEWPORT, PAGE, top=True)
    assert [(scroll, [i.index for i in shown]) for scroll, shown in positions] == [
        ((0, 0), [0, 2, 4]),
        ((0, 2560), [1, 3]),  # centred on the first of them
        ((0, 4100), [5]),  # no further than the end of the page
    ]
    assert scroll_positions([], VIEWPORT, PAGE, top=False) == []


def jpeg(colour=(250, 250, 250)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", VIEWPORT, colour).save(out, "JPEG", quality=90)
    return out.getvalue()


def magenta(data: bytes) -> int:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    near = [
        p
        for p in image.get_flattened_data()
        if all(abs(v - w) <= 40 for v, w in zip(p, HIGHLIGHT_RGB, strict=True))
    ]
    return len(near)


def test_each_image_is_cut_from_the_picture_and_outlined():
    near, far = (
        place(0, element(100, 1000, 40, 20), VIEWPORT, PAGE),
        place(1, element(100, 4000, 40, 20), VIEWPORT, PAGE),
    )
    thumbnail, images = pictured(jpeg(), (0.0, 800.0), [near, far], thumbnail=True)
    mime, width, height, data = images[0]
    assert mime == "image/webp" and (width, height) == AREA_MIN
    assert Image.open(io.BytesIO(data)).size == (width, height)
    assert magenta(data) > 200
    assert images[1] == "the page would not scroll to it"
    assert thumbnail[1:3] == (THUMBNAIL_WIDTH, 225) and magenta(thumbnail[3]) == 0


def test_an_element_larger_than_its_image_stays_framed():
    huge = place(0, element(0, 0, 5000, 5000), VIEWPORT, PAGE)
    _thumbnail, images = pictured(jpeg((0, 0, 0)), (0.0, 0.0), [huge], thumbnail=False)
    image = Image.open(io.BytesIO(images[0][3])).convert("RGB")
    right, bottom = image.width - 1, image.height - 1
    # The frame runs along every edge of the image.
    for x, y in ((image.width // 2, 3), (image.width // 2, bottom - 3), (3, 300), (right - 3, 300)):
        assert all(
            abs(v - w) <= 40 for v, w in zip(image.getpixel((x, y)), HIGHLIGHT_RGB, strict=True)
        ), (x, y)
