"""What a keyboard user meets on a loaded page: the Tab walk and its focus styles, Shift+Tab back,
skip links, form fields changed from the keyboard, controls only a pointer can use, and content
shown on hover but not on focus. Recorded as the `keyboard` fact; rules/checks/keyboard.py judges.

The page stays where it is: while the walk runs, the tab's navigation guard answers every
top-frame navigation with 204 No Content (the attempt is recorded, the page is not left), windows
the page opens are recorded and closed, and afterwards scroll and focus are put back. Each step
stops at the walk's time budget; the whole is bounded by the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from massaudit.audits.tabs import Tab, close_quietly
from massaudit.audits.time_limits import ms_since, within

_WALK_JS = (Path(__file__).parent / "keyboard_walk.js").read_text(encoding="utf-8")
_API = "window[Symbol.for('massaudit.keyboard')]"
POINTER_EVENTS = ("click", "mousedown", "mouseup", "pointerdown", "pointerup")
# How many of each kind the walk tries, after the Tab stops.
SKIP_LINK_STOPS = 3  # in-page links among the first stops are tried as skip links
FIELDS_TRIED = 4
HOVER_TRIGGERS = 6
POINTER_CANDIDATES = 40
BATCH = 8  # Tab presses between two reads of what they focused
SAME_ELEMENT_PRESSES = 6  # presses focus may stay on one element (a date field's parts)


@dataclass(frozen=True)
class KeyboardBudget:
    """How far the walk goes on one page: Tab stops and seconds (the Tab walk, Shift+Tab back,
    then the other steps with what is left). `stops` 0 skips the keyboard checks."""

    stops: int = 150
    seconds: float = 2.0

    def hard_limit_s(self) -> float:
        """The bound for the whole step, whatever the page does."""
        return 3 * self.seconds + 10


class _Clock:
    def __init__(self, seconds: float) -> None:
        self.end = time.perf_counter() + seconds
        self.seconds = seconds

    def left(self) -> float:
        return self.end - time.perf_counter()

    def share(self, part: float) -> _Clock:
        """A clock for a first step that may take `part` of what is left."""
        return _Clock(max(self.left(), 0) * part)


async def _call(page: Any, method: str, *args: Any) -> Any:
    return await page.evaluate(f"(a) => {_API}.{method}(...a)", list(args))


async def add_keyboard_fact(
    tab: Tab, budget: KeyboardBudget, facts: dict[str, Any], timings: dict[str, float]
) -> None:
    """The walk within its hard limit, as the `keyboard` fact, with its time and Tab stops in
    `timings`; nothing when the budget has no stops."""
    if budget.stops <= 0:
        return
    started = time.perf_counter()
    walk = collect_keyboard(tab, budget)
    facts["keyboard"] = await within(walk, budget.hard_limit_s(), "the keyboard walk")
    timings["keyboard_ms"] = ms_since(started)
    timings["keyboard_stops"] = len(facts["keyboard"]["stops"])  # what the time bought


async def collect_keyboard(tab: Tab, budget: KeyboardBudget) -> dict[str, Any]:
    """The `keyboard` fact of the page in `tab` (loaded, axe-core run)."""
    page = tab.page
    guard = tab.guard
    held: list[str] = []
    popups: list[str] = []

    def on_popup(popup: Any) -> None:
        popups.append(popup.url)
        asyncio.ensure_future(close_quietly(popup))

    clock = _Clock(budget.seconds)
    await page.evaluate(_WALK_JS)
    if guard is not None:
        guard.held = held
    page.on("popup", on_popup)
    try:
        start = await _call(page, "start")
        fact: dict[str, Any] = {
            "budget": {"stops": budget.stops, "seconds": budget.seconds},
            "tabbable": start["tabbable"],
            "viewport": page.viewport_size,
        }
        # Tab and Shift+Tab get most of the budget, the other steps what they leave.
        fact |= await _walk(page, budget.stops, clock.share(0.6), held, popups)
        unfocused = await _call(page, "unfocused")
        for stop, plain in zip(fact["stops"], unfocused, strict=False):
            stop["unfocused_style"] = plain["style"]
            stop["parent_unfocused_style"] = plain["parent"]
        fact["backward"] = await _walk_back(page, len(fact["stops"]) + 2, clock.share(0.6))
        fact["skip_links"] = await _skip_links(page, fact["stops"], clock, held)
        fact["fields"] = await _fields(page, fact["stops"], clock, held, popups)
        fact["pointer_only"] = await _pointer_only(page, guard)
        fact["hover_only"] = await _hover_only(page, clock)
        fact["truncated"] = clock.left() <= 0
        return fact
    finally:
        page.remove_listener("popup", on_popup)
        if guard is not None:
            guard.held = None
        with contextlib.suppress(Exception):
            await page.mouse.move(0, 0)
            await _call(page, "restore")


def _since(items: list[str], before: int) -> str | None:
    return items[before] if len(items) > before else None


async def _presses(page: Any, key: str, count: int, back: bool = False) -> dict[str, Any]:
    """`count` presses of `key`, then what each left focused (one round trip per batch)."""
    await _call(page, "take", back)
    for _ in range(count):
        await page.keyboard.press(key)
    return await _call(page, "take", back)


async def _walk(
    page: Any, max_stops: int, clock: _Clock, held: list[str], popups: list[str]
) -> dict[str, Any]:
    """Tab until focus leaves the document, comes back to a stop already seen, or the budget
    runs out; each stop with what its focus caused (a navigation, a window, focus moved).
    Focus staying on one element for a few presses (a date field's parts) is not a cycle."""
    stops: list[dict[str, Any]] = []
    ended, cycled_to, same = "budget", None, 0
    while ended == "budget" and len(stops) < max_stops:
        if clock.left() <= 0:
            ended = "time"
            break
        navigations, windows = len(held), len(popups)
        batch = await _presses(page, "Tab", min(BATCH, max_stops - len(stops)))
        caused = dict(batch["navigations"])
        first_new = len(stops)
        for index, entry in enumerate(batch["entries"]):
            if entry.get("left"):
                ended = "left"
                break
            seen = entry.pop("seen")
            if seen >= 0 and seen == len(stops) - 1 and same < SAME_ELEMENT_PRESSES:
                same += 1
                continue
            if seen >= 0:
                ended, cycled_to = "cycled", seen
                break
            same = 0
            del entry["left"]
            entry["navigation"] = caused.get(index)
            entry["window"] = None
            stops.append(entry)
        new = stops[first_new:]
        if new and len(held) > navigations and not any(s["navigation"] for s in new):
            new[-1]["navigation"] = held[navigations]  # not seen by the page: the batch's last
        if new and len(popups) > windows:
            new[-1]["window"] = popups[windows]
        if not batch["entries"]:
            ended = "left"
    return {"stops": stops[:max_stops], "ended": ended, "cycled_to": cycled_to}


async def _walk_back(page: Any, max_stops: int, clock: _Clock) -> dict[str, Any]:
    """Shift+Tab from the last stop: the selectors reached, and how the walk ended."""
    selectors: list[str] = []
    if not await _call(page, "focusLast"):
        return {"stops": [], "ended": "left"}
    seen = {await _call(page, "brief")}
    while len(selectors) < max_stops:
        if clock.left() <= 0:
            return {"stops": selectors, "ended": "time"}
        batch = await _presses(page, "Shift+Tab", min(BATCH, max_stops - len(selectors)), True)
        for selector in batch["entries"]:
            if selector is None:
                return {"stops": selectors, "ended": "left"}
            if selector in seen and selector == (selectors or [None])[-1]:
                continue  # a date field's parts
            selectors.append(selector)
            if selector in seen:
                return {"stops": selectors, "ended": "cycled"}
            seen.add(selector)
        if not batch["entries"]:
            return {"stops": selectors, "ended": "left"}
    return {"stops": selectors, "ended": "budget"}


async def _skip_links(
    page: Any, stops: list[dict[str, Any]], clock: _Clock, held: list[str]
) -> list[dict[str, Any]]:
    """Each in-page link among the first stops, activated with Enter, then one Tab: does focus
    go to (or past) the link's target?"""
    found = []
    original = page.url
    for index, stop in enumerate(stops[:SKIP_LINK_STOPS]):
        href = stop.get("href") or ""
        if not href.startswith("#") or len(href) < 2 or clock.left() <= 0:
            continue
        if not await _call(page, "focusStop", index):
            continue
        before = len(held)
        await page.keyboard.press("Enter")
        result = {"selector": stop["selector"], "name": stop["name"], "html": stop["html"]}
        result |= await _call(page, "skipTarget", index)
        await page.keyboard.press("Tab")
        result |= await _call(page, "focusAfterTarget", index)
        result["navigation"] = _since(held, before)
        found.append(result)
    with contextlib.suppress(Exception):
        await page.evaluate("(url) => history.replaceState(history.state, '', url)", original)
    return found


async def _fields(
    page: Any, stops: list[dict[str, Any]], clock: _Clock, held: list[str], popups: list[str]
) -> list[dict[str, Any]]:
    """Each select (ArrowDown) and text field (one letter) among the stops, changed from the
    keyboard without submitting: what happened, then its value put back."""
    results = []
    for index, kind, value in await _call(page, "fields", FIELDS_TRIED):
        if clock.left() <= 0:
            break
        if not await _call(page, "focusStop", index):
            continue
        navigations, windows = len(held), len(popups)
        await page.keyboard.press("ArrowDown" if kind == "select" else "a")
        # A change handler may act a moment later (a debounce); one frame and a little more.
        await page.evaluate("() => new Promise((r) => setTimeout(r, 30))")
        stayed = await _call(page, "stillOn", index)
        focus = None if stayed else await _call(page, "brief")
        stop = stops[index]
        results.append(
            {
                "selector": stop["selector"],
                "name": stop["name"],
                "html": stop["html"],
                "kind": kind,
                "navigation": _since(held, navigations),
                "window": _since(popups, windows),
                "focus_moved_to": focus,
            }
        )
        await _call(page, "resetField", index, value)
    await _call(page, "blur")
    return results


async def _pointer_only(page: Any, guard: Any) -> list[dict[str, Any]]:
    """Elements that look clickable, are not focusable and contain nothing focusable, with a
    pointer listener of their own or on an ancestor (DevTools' DOMDebugger.getEventListeners)."""
    if guard is None:
        return []
    session = guard.session
    expression = f"{_API}.pointerNodes({POINTER_CANDIDATES})"
    answer = await session.send("Runtime.evaluate", {"expression": expression})
    object_id = answer.get("result", {}).get("objectId")
    if object_id is None:
        return []
    candidates = await _call(page, "pointerInfo")
    if not candidates:
        return []
    properties = await session.send(
        "Runtime.getProperties", {"objectId": object_id, "ownProperties": True}
    )
    ids: dict[int, str] = {}
    for prop in properties.get("result", []):
        if prop.get("name", "").isdigit() and "objectId" in prop.get("value", {}):
            ids[int(prop["name"])] = prop["value"]["objectId"]
    events: dict[int, list[str]] = {}
    for index, node_id in ids.items():
        listeners = await session.send(
            "DOMDebugger.getEventListeners", {"objectId": node_id, "depth": 0}
        )
        events[index] = sorted(
            {item["type"] for item in listeners.get("listeners", [])} & set(POINTER_EVENTS)
        )
    with contextlib.suppress(Exception):
        await session.send("Runtime.releaseObjectGroup", {"objectGroup": "console"})
    found = []
    for candidate in candidates:
        chain = candidate.pop("chain")
        own = events.get(chain[0], []) if chain else []
        delegated = sorted({e for node in chain[1:] for e in events.get(node, [])})
        if own or delegated:
            found.append(candidate | {"events": own or delegated, "delegated": not own})
    return found


async def _hover_only(page: Any, clock: _Clock) -> list[dict[str, Any]]:
    """Content CSS shows on hovering an element: shown also when the element (or the first
    focusable element in it) has focus?"""
    triggers = await _call(page, "hoverTriggers", HOVER_TRIGGERS)
    found = []
    for index, trigger in enumerate(triggers):
        if clock.left() <= 0:
            break
        await page.mouse.move(0, 0)
        await _call(page, "blur")
        before = set(await _call(page, "shownNear", index))
        x, y = await _call(page, "triggerCenter", index)
        await page.mouse.move(x, y)
        on_hover = set(await _call(page, "shownNear", index)) - before
        await page.mouse.move(0, 0)
        if not on_hover:
            continue
        focusable = await _call(page, "focusTrigger", index)
        on_focus = set(await _call(page, "shownNear", index)) - before if focusable else set()
        await _call(page, "blur")
        shown = sorted(on_hover)
        found.append(
            {
                "trigger": trigger,
                "shown": await _call(page, "selectorsAt", shown),
                "shown_count": len(shown),
                "focusable": focusable,
                "shown_on_focus": len(on_hover & on_focus),
            }
        )
    return found
