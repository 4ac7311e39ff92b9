"""What `massaudit check` loads: URLs as they are; local HTML files and folders served from a
temporary 127.0.0.1 server rooted at their common folder (so relative CSS, images and scripts
load as they would live); `-`, an HTML fragment on standard input (a CMS body field), put into
a page template and served the same way."""

from __future__ import annotations

import os
import sys
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from massaudit.pipeline.check.exit_codes import CheckUsageError
from massaudit.pipeline.check.template import read_template, with_base, wrap_fragment
from massaudit.pipeline.static_server import serve_directory
from massaudit.rules.hosts import host_key

STDIN_KEY = "-"
HTML_SUFFIXES = (".html", ".htm")


@dataclass
class Target:
    key: str
    kind: str  # "url" | "file" | "fragment"
    url: str = ""
    path: Path | None = None  # the local file
    html: str | None = None  # the wrapped fragment page


@dataclass
class CheckInputs:
    urls: list[str]
    files: list[Path]  # resolved, each once
    page: str | None = None  # the fragment, wrapped in its template
    template_dir: Path | None = None  # where the template's relative URLs point


def read_inputs(values: list[str], template_path: str | None) -> CheckInputs:
    """The inputs, checked; the fragment read from standard input and wrapped."""
    urls, files, stdin = resolve_inputs(values)
    if template_path and not stdin:
        raise CheckUsageError("--template: only used with a fragment on standard input (-)")
    template, template_dir = read_template(template_path)
    page = None
    if stdin:
        fragment = sys.stdin.read()
        if not fragment.strip():
            raise CheckUsageError("-: standard input is empty; pipe an HTML fragment in")
        page = wrap_fragment(fragment, template)
    return CheckInputs(urls, files, page, template_dir)


def resolve_inputs(inputs: list[str]) -> tuple[list[str], list[Path], bool]:
    """(URLs, local HTML files, whether `-` was given); CheckUsageError for anything else."""
    urls: list[str] = []
    files: list[Path] = []
    stdin = False
    for value in inputs:
        if value == STDIN_KEY:
            if stdin:
                raise CheckUsageError("-: standard input can be given only once")
            stdin = True
        elif urlsplit(value).scheme in ("http", "https"):
            urls.append(value)
        else:
            path = Path(value)
            if path.is_dir():
                found = sorted(
                    p for p in path.rglob("*") if p.suffix.lower() in HTML_SUFFIXES and p.is_file()
                )
                if not found:
                    raise CheckUsageError(f"{value}: no .html or .htm files in this folder")
                files.extend(found)
            elif path.is_file():
                files.append(path)
            else:
                raise CheckUsageError(f"{value}: not a URL (http/https), a file or a folder")
    seen: set[Path] = set()
    unique = []
    for path in files:
        resolved = path.resolve()
        if resolved not in seen:
            seen.add(resolved)
            unique.append(resolved)
    return urls, unique, stdin


def url_host_headers(urls: list[str], headers: dict[str, str]) -> dict[str, dict[str, str]]:
    """--header and --cookie go to the hosts of the URLs given, never to another host (nor to
    the local server of files and fragments)."""
    if not headers:
        return {}
    return {host_key(url): dict(headers) for url in urls}


def served_root(files: list[Path]) -> Path:
    """The common folder of the local inputs (each file's folder)."""
    return Path(os.path.commonpath([str(p.parent) for p in files]))


def serve_targets(inputs: CheckInputs, stack: ExitStack) -> list[Target]:
    """Every input as a URL the browser can load; local servers stay up until `stack` closes."""
    targets = [Target(key=url, kind="url", url=url) for url in inputs.urls]
    if inputs.files:
        root = served_root(inputs.files)
        base = stack.enter_context(serve_directory(root))
        for path in inputs.files:
            rel = path.relative_to(root).as_posix()
            targets.append(Target(key=rel, kind="file", url=f"{base}/{quote(rel)}", path=path))
    if inputs.page is not None:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="massaudit-check-")))
        page = inputs.page
        if inputs.template_dir is not None:
            page = with_base(page, stack.enter_context(serve_directory(inputs.template_dir)))
        (tmp / "fragment.html").write_text(page, encoding="utf-8")
        base = stack.enter_context(serve_directory(tmp))
        targets.append(
            Target(key=STDIN_KEY, kind="fragment", url=f"{base}/fragment.html", html=page)
        )
    return targets
