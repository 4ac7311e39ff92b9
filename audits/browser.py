"""Finding and launching the Chromium that audits run in."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

from playwright.async_api import Browser, Playwright

from massaudit.audits.scope_guard import GUARD_CHROMIUM_ARGS, GUARD_IGNORED_DEFAULT_ARGS

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
# Hosts that only count or time visits (analytics beacons, real-user monitoring): nothing they
# send back can change what a page shows, so audits do not wait for them (or count them against
# page weight), and a nightly audit is not counted as visits. Tag managers and survey or chat
# widgets are not here: they can add content to a page.
ANALYTICS_HOSTS = (
    "google-analytics.com",
    "*.google-analytics.com",
    "analytics.google.com",
    "stats.g.doubleclick.net",
    "dap.digitalgov.gov",
    "siteimproveanalytics.com",  # its script: siteimproveanalytics.com/js/siteanalyze_N.js
    "*.siteimproveanalytics.com",
    "*.siteimproveanalytics.io",
    "bat.bing.com",
    "js-agent.newrelic.com",  # New Relic's browser agent, timing what real visitors see
    "nr-data.net",
    "*.nr-data.net",
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


def blocking_args(hosts: tuple[str, ...]) -> list[str]:
    """Chromium flags that make `hosts` unreachable: blocked at name resolution, so the page's
    other requests keep the browser's HTTP cache (request interception would turn it off)."""
    if not hosts:
        return []
    return ["--host-resolver-rules=" + ", ".join(f"MAP {host} ~NOTFOUND" for host in hosts)]


async def launch_chromium(playwright: Playwright, blocked_hosts: tuple[str, ...] = ()) -> Browser:
    executable = find_chromium()
    try:
        return await playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[*CHROMIUM_ARGS, *GUARD_CHROMIUM_ARGS, *blocking_args(blocked_hosts)],
            ignore_default_args=list(GUARD_IGNORED_DEFAULT_ARGS),
        )
    except Exception as exc:  # Playwright raises its own Error with a long multi-line text
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BrowserNotFound(
            f"could not start Chromium ({executable or 'Playwright download'}): {first_line}; "
            f"install one (apt-get install chromium, or `playwright install chromium`) "
            f"or set {CHROMIUM_ENV} to its path"
        ) from exc


def browser_processes(with_drivers: bool = False) -> set[int]:
    """PIDs of the Chromium main processes this process's Playwright drivers started, and of the
    drivers too if asked (Linux: read from /proc; empty elsewhere). Used to find the process of a
    browser just launched, and what is left of a driver that would not stop."""
    proc = Path("/proc")
    if not proc.is_dir():
        return set()
    parents: dict[int, int] = {}
    commands: dict[int, bytes] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            commands[int(entry.name)] = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("PPid:"):
                parents[int(entry.name)] = int(line.split()[1])
                break
    drivers = {
        pid
        for pid, parent in parents.items()
        if parent == os.getpid() and b"playwright" in commands.get(pid, b"")
    }
    browsers = {
        pid
        for pid, parent in parents.items()
        if parent in drivers
        and b"--type=" not in commands.get(pid, b"")
        and b"crashpad" not in commands.get(pid, b"")
    }
    return browsers if not with_drivers else browsers | drivers


def kill_browser_process(pid: int | None) -> bool:
    """SIGKILL a browser's main process (its helpers exit with it); False if it was gone."""
    if pid is None:
        return False
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def process_alive(pid: int) -> bool:
    """Whether a process is still running (a zombie waiting for its parent counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False
