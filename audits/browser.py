"""Finding and launching the Chromium that audits run in."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from playwright.async_api import Browser, Playwright

CHROMIUM_ENV = "MASSAUDIT_CHROMIUM"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--no-first-run",
)
_SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


class BrowserNotFound(RuntimeError):
    pass


def find_chromium() -> str | None:
    """The Chromium to launch: $MASSAUDIT_CHROMIUM, else a system Chromium or Chrome.

    None means "use Playwright's own download" (installed with `playwright install chromium`).
    """
    override = os.environ.get(CHROMIUM_ENV)
    if override:
        path = Path(override)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise BrowserNotFound(
                f"{CHROMIUM_ENV}={override} is not an executable file; "
                f"point it at a Chromium or Chrome binary, or unset it"
            )
        return str(path)
    for name in _SYSTEM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def check_chromium() -> None:
    """Fail fast, before a run starts, when no Chromium can be found."""
    if find_chromium() is not None:
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        bundled = Path(playwright.chromium.executable_path)
    if not bundled.is_file():
        raise BrowserNotFound(
            "no Chromium found: install one (apt-get install chromium, or "
            f"`playwright install chromium`) or set {CHROMIUM_ENV} to its path"
        )


async def launch_chromium(playwright: Playwright) -> Browser:
    executable = find_chromium()
    try:
        return await playwright.chromium.launch(
            executable_path=executable, headless=True, args=list(CHROMIUM_ARGS)
        )
    except Exception as exc:  # Playwright raises its own Error with a long multi-line text
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BrowserNotFound(
            f"could not start Chromium ({executable or 'Playwright download'}): {first_line}; "
            f"install one (apt-get install chromium, or `playwright install chromium`) "
            f"or set {CHROMIUM_ENV} to its path"
        ) from exc
