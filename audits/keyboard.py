"""What a keyboard user meets on a loaded page: the Tab walk and its focus styles, Shift+Tab back,
skip links, form fields changed from the keyboard, controls only a pointer can use, and content
shown on hover but not on focus. Recorded as the `keyboard` fact; rules/checks/keyboard.py judges.

The page stays where it is: while the walk runs, the tab's navigation guard answers every
top-frame navigation with 204 No Content (the attempt is recorded, the page is not left), windows
its script opens are recorded and not opened (others are closed), and afterwards field values,
scroll and focus are put back. The budget gives one deadline for the whole step, setup and
restore included (KeyboardBudget.deadline_s). The Tab walk gets most
of it; skip links, hover, fields and Shift+Tab back follow with what is left and are cut at the
deadline, keeping what they found by then (`truncated` says the walk or one of them was cut, so
a slow machine records less, flagged as such). A page that stops answering is bounded by the
caller's hard limit.
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
# Installed and started in one round trip.
_INSTALL_AND_START = f"() => {{ ({_WALK_JS.strip()})(); return {_API}.start(); }}"
POINTER_EVENTS = ("click", "mousedown", "mouseup", "pointerdown", "pointerup")
# How many of each kind the walk tries, after the Tab stops.
SKIP_LINK_STOPS = 3  # in-page links among the first stops are tried as skip links
FIELDS_TRIED = 4
HOVER_TRIGGERS = 6
POINTER_CANDIDATES = 40
BATCH = 12  # Tab presses sent at once, then one read of what each focused
SAME_ELEMENT_PRESSES = 6  # presses focus may stay on one element (a date field's parts)


@dataclass(frozen=True)
class KeyboardBudget:
    """How far the walk goes on one page: Tab stops, and one deadline in seconds for the Tab
    walk and the steps after it. The deadline is `seconds`, or, with a `share` above 0, `share`
    times what the page took to load and run axe-core if that is less: a walk that is a bounded
    part of a page's audit on any machine, but reaches less far on a slower one. The default
    `share` 0 keeps the walk to its stops and seconds, so two runs of a page walk it alike.
    `stops` 0 skips the keyboard checks."""

    stops: int = 80
    seconds: float = 1.0
    share: float = 0.0

    def deadline_s(self, page_s: float) -> float:
        """The walk's seconds on a page that took `page_s` to load and run axe-core."""
        if self.share <= 0 or page_s <= 0:
            return self.seconds
        return min(self.seconds, self.share * page_s)

    def hard_limit_s(self) -> float:
        """The bound for the whole step, whatever the page does."""
        return 3 * self.seconds + 10


def keyboard_budget(checks: Any) -> KeyboardBudget:
    """The budget a site's check settings (rules/checks/keyboard.py's OPTIONS) give."""
    return KeyboardBudget(checks.keyboard_stops, checks.keyboard_seconds, checks.keyboard_share)


class _Clock:
    def __init__(self, seconds: float) -> None:
        self.end = time.perf_counter() + seconds

    def left(self) -> float:
        return self.end - time.perf_counter()

    def share(self, part: float) -> _Clock:
        """A clock for a first step that may take `part` of what is left."""
        return _Clock(max(self.left(), 0) * part)


# A key as Chromium's DevTools Input domain takes it (what Playwright's keyboard sends).
_TAB = {"key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9, "nativeVirtualKeyCode": 9}
_ENTER = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r"}
_SHIFT = 8


async def _keys(session: Any, key: dict[str, Any], count: int, modifiers: int = 0) -> None:
    """`count` presses of `key`, sent at once: the browser handles them in order, one reply each,
    so a batch costs about one round trip instead of two a press."""
    down = {"type": "keyDown" if "text" in key else "rawKeyDown", **key, "modifiers": modifiers}
    up = {"type": "keyUp", **key, "modifiers": modifiers}
    sends = [
        session.send("Input.dispatchKeyEvent", event) for _ in range(count) for event in (down, up)
    ]
    await asyncio.gather(*sends)


async def _call(page: Any, method: str, *args: Any) -> Any:
    return await page.evaluate(f"(a) => {_API}.{method}(...a)", list(args))


async def add_keyboard_fact(
    tab: Tab, budget: KeyboardBudget, facts: dict[str, Any], timings: dict[str, float]
) -> None:
    """The walk within its hard limit, as the `keyboard` fact, with its time and Tab stops in
    `timings`; nothing when the budget has no stops or the tab has no DevTools session."""
    if budget.stops <= 0 or tab.guard is None:
        return
    started = time.perf_counter()
    before_ms = timings.get("navigation_ms", 0) + timings.get("axe_ms", 0)
    walk = collect_keyboard(tab, budget, budget.deadline_s(before_ms / 1000))
    facts["keyboard"] = await within(walk, budget.hard_limit_s(), "the keyboard walk")
    timings["keyboard_ms"] = ms_since(started)
    timings["keyboard_stops"] = len(facts["keyboard"]["stops"])  # what the time bought


async def collect_keyboard(
    tab: Tab, budget: KeyboardBudget, seconds: float | None = None
) -> dict[str, Any]:
    """The `keyboard` fact of the page in `tab` (loaded, axe-core run), within `seconds`
    (default: the budget's)."""
    seconds = budget.seconds if seconds is None else seconds
    page, guard = tab.page, tab.guard
    session = guard.session
    held: list[str] = []
    popups: list[str] = []

    def on_popup(popup: Any) -> None:
        popups.append(popup.url)
        asyncio.ensure_future(close_quietly(popup))

    # One deadline for the whole step; the last tenth is left for putting the page back.
    clock = _Clock(seconds * 0.9)
    start = await page.evaluate(_INSTALL_AND_START)
    guard.held = held
    page.on("popup", on_popup)
    fact: dict[str, Any] = {
        "budget": {
            "stops": budget.stops,
            "seconds": budget.seconds,
            "share": budget.share,
            "deadline_s": round(seconds, 3),
        },
        "tabbable": start["tabbable"],
        "viewport": page.viewport_size,
        "skip_links": [],
        "fields": [],
        "hover_only": [],
        "backward": {"stops": [], "ended": "time"},
    }
    try:
        # Controls only a pointer can use first: it moves no focus and costs a few round trips.
        fact["pointer_only"] = await _pointer_only(page, session)
        fact |= await _walk(page, session, budget.stops, clock.share(0.6), held, popups)
        unfocused = await _call(page, "unfocused")
        for stop, plain in zip(fact["stops"], unfocused, strict=False):
            stop["unfocused_style"] = plain["style"]
            stop["parent_unfocused_style"] = plain["parent"]
        # The other steps fill `fact` as they go and are cut at the deadline: what they did by
        # then is kept. Shift+Tab back comes last, with what the others leave.
        others = _after_walk(page, session, fact, clock, popups)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(others, max(clock.left(), 0.001))
        fact["truncated"] = "time" in (fact["ended"], fact["backward"]["ended"])
        return fact
    finally:
        page.remove_listener("popup", on_popup)
        guard.held = None
        with contextlib.suppress(Exception):
            await _call(page, "restore")


async def _after_walk(
    page: Any,
    session: Any,
    fact: dict[str, Any],
    clock: _Clock,
    popups: list[str],
) -> None:
    stops = fact["stops"]
    await _skip_links(page, session, stops, fact["skip_links"])
    await _hover_only(page, fact["hover_only"])  # one round trip when CSS reveals nothing
    await _fields(page, session, stops, fact["fields"], popups)
    await _walk_back(page, session, len(stops) + 2, fact["backward"], clock)


def _since(items: list[str], before: int) -> str | None:
    return items[before] if len(items) > before else None


class _Pace:
    """How long a press has taken so far, so the next batch fits in the time left."""

    def __init__(self) -> None:
        self.seconds, self.presses = 0.0, 0

    def batch(self, clock: _Clock, wanted: int) -> int:
        if not self.presses:
            return min(BATCH, wanted)
        fits = int(clock.left() / (self.seconds / self.presses))
        return max(1, min(BATCH, wanted, fits))


async def _presses(
    page: Any, session: Any, count: int, pace: _Pace, back: bool = False
) -> dict[str, Any]:
    """`count` Tab (or Shift+Tab) presses, then what each left focused: two round trips."""
    started = time.perf_counter()
    await _keys(session, _TAB, count, _SHIFT if back else 0)
    taken = await _call(page, "take")
    pace.seconds += time.perf_counter() - started
    pace.presses += count
    return taken


async def _walk(
    page: Any, session: Any, max_stops: int, clock: _Clock, held: list[str], popups: list[str]
) -> dict[str, Any]:
    """Tab until focus leaves the document, comes back to a stop already seen, or the budget
    runs out; each stop with what its focus caused (a navigation, a window, focus moved).
    Focus staying on one element for a few presses (a date field's parts) is not a cycle."""
    stops: list[dict[str, Any]] = []
    ended, cycled_to, same = "budget", None, 0
    pace = _Pace()
    while ended == "budget" and len(stops) < max_stops:
        if clock.left() <= 0 and stops:
            ended = "time"
            break
        navigations, windows = len(held), len(popups)
        batch = await _presses(page, session, pace.batch(clock, max_stops - len(stops)), pace)
        caused, opened = dict(batch["navigations"]), dict(batch["windows"])
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
            entry["window"] = opened.get(index)
            stops.append(entry)
        # What the page itself did not report (a navigation it could not see, a window opened
        # without window.open) goes to the batch's last stop, when the batch ended on it.
        new = stops[first_new:]
        whole_batch = ended == "budget"
        if (
            whole_batch
            and new
            and len(held) > navigations
            and not any(s["navigation"] for s in new)
        ):
            new[-1]["navigation"] = held[navigations]
        if whole_batch and new and len(popups) > windows and not any(s["window"] for s in new):
            new[-1]["window"] = popups[windows]
        if not batch["entries"]:
            ended = "left"
    return {"stops": stops[:max_stops], "ended": ended, "cycled_to": cycled_to}


async def _walk_back(
    page: Any, session: Any, max_stops: int, backward: dict[str, Any], clock: _Clock
) -> None:
    """Shift+Tab from the last stop into `backward`: the selectors reached, how it ended."""
    selectors: list[str] = backward["stops"]
    first = await _call(page, "focusLast")
    if first is None:
        backward["ended"] = "left"
        return
    seen = {first}
    pace = _Pace()
    while len(selectors) < max_stops:
        if clock.left() <= 0 and selectors:
            return  # ended stays "time"
        count = pace.batch(clock, max_stops - len(selectors))
        batch = await _presses(page, session, count, pace, back=True)
        for selector in batch["entries"]:
            if selector is None:
                backward["ended"] = "left"
                return
            if selector in seen and selector == (selectors or [None])[-1]:
                continue  # a date field's parts
            selectors.append(selector)
            if selector in seen:
                backward["ended"] = "cycled"
                return
            seen.add(selector)
        if not batch["entries"]:
            backward["ended"] = "left"
            return
    backward["ended"] = "budget"


async def _skip_links(
    page: Any, session: Any, stops: list[dict[str, Any]], found: list[dict[str, Any]]
) -> None:
    """Each in-page link among the first stops, activated with Enter, then one Tab: does focus
    go to (or past) the link's target? Into `found`; four round trips a link."""
    original = page.url
    for index, stop in enumerate(stops[:SKIP_LINK_STOPS]):
        href = stop.get("href") or ""
        if not href.startswith("#") or len(href) < 2:
            continue
        if not await _call(page, "focusStop", index):
            continue
        await _keys(session, _ENTER, 1)
        await _keys(session, _TAB, 1)
        result = {"selector": stop["selector"], "name": stop["name"], "html": stop["html"]}
        # A navigation counts when the link had focus (not the element Tab reached next).
        result |= await _call(page, "skipResult", index, original)  # and the URL put back
        found.append(result)


_ARROW_DOWN = {"key": "ArrowDown", "code": "ArrowDown", "windowsVirtualKeyCode": 40}
_LETTER_A = {"key": "a", "code": "KeyA", "windowsVirtualKeyCode": 65, "text": "a"}


async def _fields(
    page: Any,
    session: Any,
    stops: list[dict[str, Any]],
    found: list[dict[str, Any]],
    popups: list[str],
) -> None:
    """Each select (ArrowDown) and text field (one letter) among the stops, selects first,
    changed from the keyboard without submitting: what happened, into `found`; the value is
    put back. Two round trips and a short wait a field (the next one is focused by the
    read of the last)."""
    fields = await _call(page, "fields", FIELDS_TRIED)
    focused = bool(fields) and fields[0][2]
    for number, (index, kind, _) in enumerate(fields):
        following = fields[number + 1][0] if number + 1 < len(fields) else None
        if not focused or index >= len(stops):
            focused = following is not None and await _call(page, "focusStop", following)
            continue
        windows = len(popups)
        await _keys(session, _ARROW_DOWN if kind == "select" else _LETTER_A, 1)
        # A change handler may act a moment later (a debounce): read after a little while.
        focus, caused, focused = await _call(page, "afterChange", index, 30, following)
        stop = stops[index]
        found.append(
            {
                "selector": stop["selector"],
                "name": stop["name"],
                "html": stop["html"],
                "kind": kind,
                "navigation": caused["navigation"],
                "window": caused["window"] or _since(popups, windows),
                "focus_moved_to": focus,
            }
        )


async def _pointer_only(page: Any, session: Any) -> list[dict[str, Any]]:
    """Elements that look clickable, are not focusable and contain nothing focusable, with a
    pointer listener of their own or on an ancestor (DevTools' DOMDebugger.getEventListeners);
    one round trip when there is no candidate, four when there are (the listeners asked for all
    at once)."""
    expression = f"{_API}.pointerNodes({POINTER_CANDIDATES})"
    answer = await session.send("Runtime.evaluate", {"expression": expression})
    object_id = answer.get("result", {}).get("objectId")
    if object_id is None:
        return []
    candidates, properties = await asyncio.gather(
        _call(page, "pointerInfo"),
        session.send("Runtime.getProperties", {"objectId": object_id, "ownProperties": True}),
    )
    ids: dict[int, str] = {}
    for prop in properties.get("result", []):
        if prop.get("name", "").isdigit() and "objectId" in prop.get("value", {}):
            ids[int(prop["name"])] = prop["value"]["objectId"]
    asked = [
        session.send("DOMDebugger.getEventListeners", {"objectId": node_id, "depth": 0})
        for node_id in ids.values()
    ]
    answers = await asyncio.gather(*asked)
    events = {
        index: sorted({item["type"] for item in answer.get("listeners", [])} & set(POINTER_EVENTS))
        for index, answer in zip(ids, answers, strict=True)
    }
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


async def _hover_only(page: Any, found: list[dict[str, Any]]) -> None:
    """Content CSS shows on hovering an element: shown also when the element (or the first
    focusable element in it) has focus? Into `found`; two round trips a trigger (the pointer's
    move, then a read that readies the next), four when hovering shows something."""
    center = await _call(page, "hoverTriggers", HOVER_TRIGGERS)
    index, away = 0, True  # the pointer is off every trigger
    try:
        while center is not None:
            away = False
            await page.mouse.move(*center)
            shown, center = await _call(page, "hoverAfter", index)
            if shown:
                await page.mouse.move(0, 0)
                away = True
                result, center = await _call(page, "focusAfter", index)
                found.append(result)
            index += 1
    finally:
        if not away:
            with contextlib.suppress(Exception):
                await page.mouse.move(0, 0)
