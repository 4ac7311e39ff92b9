"""Page views from an analytics export (`--traffic FILE`: CSV with columns url, views)."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


class TrafficError(ValueError):
    """A traffic file that cannot be used; the message is one line naming the file and row."""


def traffic_key(url: str) -> str:
    """URLs as analytics tools and the crawler spell them alike: no fragment, lower-case scheme
    and host, no trailing slash (except the root)."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def load_traffic(path: str | Path) -> dict[str, int]:
    """url key -> views. The header must name `url` and `views`; views are whole numbers ≥ 0;
    views of URLs that are spelled alike are added."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise TrafficError(f"--traffic {path}: cannot read it ({exc.strerror})") from None
    reader = csv.DictReader(text.splitlines())
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if "url" not in fields or "views" not in fields:
        raise TrafficError(f"--traffic {path}: the first line must name the columns url,views")
    reader.fieldnames = fields
    views: dict[str, int] = {}
    for line, row in enumerate(reader, start=2):
        url, count = (row.get("url") or "").strip(), (row.get("views") or "").strip()
        if not url:
            continue
        try:
            number = int(count.replace(",", ""))
        except ValueError:
            number = -1
        if number < 0:
            raise TrafficError(f"--traffic {path}: line {line}: views {count!r} is not a count")
        key = traffic_key(url)
        views[key] = views.get(key, 0) + number
    return views


def views_for(traffic: Mapping[str, int], url: str, final_url: str | None = None) -> int | None:
    """Views of a page by its URL, else its final URL; None when the file does not list it."""
    for candidate in (url, final_url):
        if candidate:
            value = traffic.get(traffic_key(candidate))
            if value is not None:
                return value
    return None
