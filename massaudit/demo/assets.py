"""The demo site's assets: its stylesheet and script, and the images drawn by code (logo,
agency icons, news illustrations, map pictures and their embeddable map pages)."""

from __future__ import annotations

import shutil
import struct
import zlib
from pathlib import Path

from jinja2 import Environment

from massaudit.demo.content import PACKAGE_DIR, Agency, DemoContent

STATIC_DIR = PACKAGE_DIR / "static"


def write_assets(env: Environment, content: DemoContent, dest: Path) -> None:
    css_dir = dest / "assets" / "css"
    js_dir = dest / "assets" / "js"
    images = dest / "assets" / "images"
    embeds = dest / "assets" / "embeds"
    for directory in (css_dir, js_dir, images, embeds):
        directory.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(STATIC_DIR / "mayflower-demo.css", css_dir / "mayflower-demo.css")
    shutil.copyfile(STATIC_DIR / "site.js", js_dir / "site.js")

    (images / "massgov-demo-logo.svg").write_text(_logo_svg(), encoding="utf-8")
    (images / "favicon.svg").write_text(_favicon_svg(), encoding="utf-8")
    for agency in content.agencies:
        (images / f"agency-{agency.key}.svg").write_text(_agency_icon_svg(agency), encoding="utf-8")
    for page in content.pages:
        image = page.data.get("image") if page.type == "news" else None
        if image:
            name = Path(image["src"]).name
            color = page.agency.color if page.agency else "#14558f"
            (images / name).write_text(_illustration_svg(page.slug, color), encoding="utf-8")
        if page.type == "location":
            (images / Path(page.data["map_image"]).name).write_bytes(_map_png(page.slug))
            if page.data.get("map_embed"):
                embed = env.get_template("embed_map.html").render(
                    title=f"Map: {page.title}",
                    image=page.data["map_image"],
                    alt=page.data["map_alt"],
                )
                (embeds / Path(page.data["map_embed"]).name).write_text(embed, encoding="utf-8")


def _logo_svg() -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="210" height="48" viewBox="0 0 210 48">'
        '<circle cx="24" cy="24" r="20" fill="#14558f"/>'
        '<path d="M14 30 24 12l10 18z" fill="#ffffff"/>'
        '<text x="52" y="31" font-family="Arial, sans-serif" font-size="18" font-weight="700" '
        'fill="#141414">Mass.gov Demo</text></svg>\n'
    )


def _favicon_svg() -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32" viewBox="0 0 32 32">'
        '<circle cx="16" cy="16" r="15" fill="#14558f"/>'
        '<path d="M8 22 16 8l8 14z" fill="#ffffff"/></svg>\n'
    )


def _agency_icon_svg(agency: Agency) -> str:
    white = 'fill="#ffffff"'
    shapes = {
        "transit": f'<rect x="14" y="12" width="36" height="34" rx="6" {white}/>'
        f'<circle cx="23" cy="50" r="4" {white}/><circle cx="41" cy="50" r="4" {white}/>',
        "revenue": f'<rect x="16" y="14" width="32" height="38" {white}/>'
        f'<path d="M22 24h20M22 32h20M22 40h12" stroke="{agency.color}" stroke-width="3"/>',
        "parks": f'<path d="M32 10 16 40h32z" {white}/>'
        f'<rect x="29" y="40" width="6" height="12" {white}/>',
    }
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">'
        f'<rect width="64" height="64" rx="12" fill="{agency.color}"/>'
        f"{shapes.get(agency.key, '')}</svg>\n"
    )


def _illustration_svg(seed_text: str, color: str) -> str:
    """A simple flat landscape; shapes vary with the page slug."""
    seed = zlib.crc32(seed_text.encode())
    hills = []
    for index in range(3):
        x = (seed >> (index * 5)) % 400 + index * 120
        height = 80 + (seed >> (index * 3)) % 90
        hills.append(
            f'<ellipse cx="{x}" cy="320" rx="{180 + index * 30}" ry="{height}" '
            f'fill="{color}" fill-opacity="{0.35 + index * 0.2:.2f}"/>'
        )
    sun_x = 80 + seed % 480
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="320" viewBox="0 0 640 320">'
        '<rect width="640" height="320" fill="#dcebf7"/>'
        f'<circle cx="{sun_x}" cy="80" r="36" fill="#ffd600"/>'
        + "".join(hills)
        + '<rect y="280" width="640" height="40" fill="#535353"/>'
        '<path d="M0 300h640" stroke="#ffffff" stroke-width="4" stroke-dasharray="30 20"/></svg>\n'
    )


def _map_png(seed_text: str, width: int = 480, height: int = 270) -> bytes:
    """A small street-map-like PNG: blocks, streets and a marker placed from the slug."""
    seed = zlib.crc32(seed_text.encode())
    marker_x = 60 + seed % (width - 120)
    marker_y = 40 + (seed >> 8) % (height - 80)
    street_offset = seed % 20
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter type 0
        for x in range(width):
            if (x - marker_x) ** 2 + (y - marker_y) ** 2 <= 100:
                pixel = (0xCD, 0x0D, 0x0D)
            elif (x + street_offset) % 60 < 6 or (y + street_offset) % 45 < 6:
                pixel = (0xFF, 0xFF, 0xFF)
            elif (x // 60 + y // 45 + seed) % 7 == 0:
                pixel = (0xB9, 0xD8, 0xA8)
            else:
                pixel = (0xE8, 0xE4, 0xDC)
            row.extend(pixel)
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
