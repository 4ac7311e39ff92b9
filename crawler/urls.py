"""URL normalisation, file-type classification and crawler-trap patterns."""

from __future__ import annotations

import re
from collections.abc import Iterable
from posixpath import splitext
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only track campaigns or clicks and never change a page.
TRACKING_PARAMS = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|_ga|_gl|yclid|igshid)$",
    re.IGNORECASE,
)
DOCUMENT_TYPES = {
    ".pdf": "pdf",
    ".doc": "word",
    ".docx": "word",
    ".odt": "word",
    ".rtf": "word",
    ".xls": "excel",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".ods": "excel",
    ".csv": "excel",
    ".ppt": "powerpoint",
    ".pptx": "powerpoint",
    ".odp": "powerpoint",
}
# Links to these are not pages: recorded as "not HTML" without being fetched.
NON_HTML_EXTENSIONS = {
    *[
        "7z",
        "bz2",
        "rar",
        "tar",
        "gz",
        "tgz",
        "xz",
        "zip",
        "bmp",
        "gif",
        "jpg",
        "jpeg",
        "png",
        "tif",
        "tiff",
        "svg",
        "ico",
        "webp",
        "heic",
        "avif",
        "mp3",
        "wma",
        "ogg",
        "wav",
        "aac",
        "mid",
        "m4a",
        "mp4",
        "mpg",
        "mpeg",
        "mov",
        "avi",
        "wmv",
        "flv",
        "webm",
        "m4v",
        "css",
        "js",
        "json",
        "xml",
        "rss",
        "atom",
        "exe",
        "bin",
        "dmg",
        "iso",
        "apk",
        "jar",
        "msi",
        "txt",
        "ics",
        "vcf",
        "kml",
        "kmz",
    ]
}
_DEFAULT_PORTS = {"http": 80, "https": 443}
_NUMBER = re.compile(r"\d+")


def normalise_url(
    url: str,
    *,
    ignore_params: Iterable[str] = (),
    strip_tracking: bool = True,
    trailing_slash: str = "keep",
    lowercase_path: bool = False,
) -> str:
    """One spelling per page: no fragment, no default port, lower-case scheme and host,
    tracking and ignored query parameters dropped, the rest sorted; slash and case per site."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    path = parts.path or "/"
    if lowercase_path:
        path = path.lower()
    if trailing_slash == "strip" and path != "/" and path.endswith("/"):
        path = path.rstrip("/") or "/"
    elif trailing_slash == "add" and not path.endswith("/") and not splitext(path)[1]:
        path += "/"
    ignored = {p.lower() for p in ignore_params}
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not (strip_tracking and TRACKING_PARAMS.match(key)) and key.lower() not in ignored
    ]
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))


def extension(url: str) -> str:
    return splitext(urlsplit(url).path)[1].lower()


def document_type(url: str, content_type: str = "") -> str | None:
    """'pdf', 'word', 'excel' or 'powerpoint' for a linked document, else None."""
    kind = DOCUMENT_TYPES.get(extension(url))
    if kind:
        return kind
    content_type = content_type.lower()
    if "pdf" in content_type:
        return "pdf"
    if "wordprocessingml" in content_type or "msword" in content_type:
        return "word"
    if "spreadsheetml" in content_type or "ms-excel" in content_type:
        return "excel"
    if "presentationml" in content_type or "ms-powerpoint" in content_type:
        return "powerpoint"
    return None


def is_non_html(url: str) -> bool:
    return extension(url).lstrip(".") in NON_HTML_EXTENSIONS


def trap_pattern(url: str) -> str:
    """The shape of a URL: numbers in the path become {n}, the query keeps only its keys.

    Endless calendars (/events/2026/11, /events/2026/12, ...) and paginations share one shape,
    so a cap per shape stops them without stopping ordinary pages.
    """
    parts = urlsplit(url)
    path = _NUMBER.sub("{n}", parts.path)
    keys = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return f"{parts.netloc}{path}?{'&'.join(keys)}" if keys else f"{parts.netloc}{path}"
