"""Keyboard access, focus and changes of context, judged from the browser's keyboard walk (the
`keyboard` fact, audits/keyboard.py): what Tab reached and how its focus looked, Shift+Tab back,
skip links, fields changed from the keyboard, pointer-only controls, hover-only content."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from massaudit.rules.checks import REGISTRY, CheckResult, Item, Option
from massaudit.rules.model import PageArtifacts

if TYPE_CHECKING:
    from massaudit.rules.checks.settings import CheckSettings

# The walk's budget (read by the browser, declared here so sites.toml's `checks` tables set it
# per site like any other check option).
OPTIONS = (
    Option("keyboard_stops", int, 80, "Tab stops the keyboard walk visits at most (0: off)", 0),
    Option("keyboard_seconds", float, 1.0, "seconds the keyboard walk may take", minimum=0.1),
    Option(
        "keyboard_share",
        float,
        0.0,
        "the keyboard walk's seconds at most, as a share of the page's load and axe-core time "
        "(0: keyboard_seconds only)",
        minimum=0.0,
    ),
)

_OUTLINE = ("outlineStyle", "outlineWidth", "outlineColor")
# Changes of these between the focused and the unfocused element show where focus is.
_INDICATORS = (
    "boxShadow",
    "borderTopColor",
    "borderBottomColor",
    "borderLeftColor",
    "borderRightColor",
    "borderTopWidth",
    "borderBottomWidth",
    "backgroundColor",
    "color",
    "textDecorationLine",
)
_PARENT_INDICATORS = (
    "outlineStyle",
    "outlineWidth",
    "boxShadow",
    "backgroundColor",
    "borderTopColor",
)
_SKIP_WORDS = re.compile(r"skip|jump|main|content|navigation", re.IGNORECASE)


def _item(outcome: Any, message: str, element: Mapping[str, Any]) -> Item:
    return Item(outcome, message, element.get("selector") or "html", element.get("html") or "")


def _label(element: Mapping[str, Any]) -> str:
    name = (element.get("name") or "").strip()
    return f"“{name}”" if name else f"the {element.get('role') or 'element'}"


def _outline_shows(style: Mapping[str, str]) -> bool:
    width = re.match(r"[\d.]+", style.get("outlineWidth") or "0")
    return style.get("outlineStyle") not in (None, "none") and bool(width) and float(width[0]) > 0


def _differs(focused: Mapping[str, str], plain: Mapping[str, str], keys: Iterable[str]) -> bool:
    return any(focused.get(key) != plain.get(key) for key in keys)


def _indicated(stop: Mapping[str, Any]) -> bool | None:
    """Whether focus changes how the element (or its parent) looks; None: not measured."""
    focused, plain = stop.get("focused_style"), stop.get("unfocused_style")
    if not focused or not plain:
        return None
    if _outline_shows(focused) and _differs(focused, plain, _OUTLINE):
        return True
    if _differs(focused, plain, _INDICATORS):
        return True
    parent, parent_plain = stop.get("parent_focused_style"), stop.get("parent_unfocused_style")
    return bool(parent and parent_plain and _differs(parent, parent_plain, _PARENT_INDICATORS))


def _note(walk: Mapping[str, Any]) -> str:
    return f"{len(walk.get('stops') or [])} Tab stops walked ({walk.get('ended')})"


@REGISTRY.page_check("focus-visible", reads=("keyboard",))
def focus_visible(artifacts: PageArtifacts, settings: CheckSettings) -> CheckResult:
    walk = artifacts.facts["keyboard"]
    stops = [s for s in walk.get("stops") or () if s.get("tag") != "iframe"]
    if not stops:
        return CheckResult.inapplicable("Tab reached nothing")
    items = []
    for stop in stops:
        if stop.get("blurred"):
            message = (
                f"the page takes focus away from {_label(stop)} as soon as Tab reaches it "
                "(blur on focus): keyboard users cannot see where they are"
            )
            items.append(_item("fail", message, stop))
        elif not stop.get("visible"):
            message = f"{_label(stop)} takes keyboard focus but cannot be seen while it has it"
            items.append(_item("needs-review", message, stop))
        elif _indicated(stop) is False:
            message = (
                f"{_label(stop)} looks the same with and without keyboard focus "
                "(no outline, shadow, border, background, colour or underline change)"
            )
            items.append(_item("fail", message, stop))
    return CheckResult.of(items, _note(walk))


@REGISTRY.page_check("keyboard-reachable", reads=("keyboard",))
def keyboard_reachable(artifacts: PageArtifacts, settings: CheckSettings) -> CheckResult:
    walk = artifacts.facts["keyboard"]
    items = []
    for stop in walk.get("stops") or ():
        if stop.get("blurred"):
            message = (
                f"{_label(stop)} loses focus as soon as Tab reaches it (the page blurs it), "
                "so Enter cannot activate it"
            )
            items.append(_item("fail", message, stop))
    for control in walk.get("pointer_only") or ():
        if control.get("equivalent"):
            continue
        events = ", ".join(control.get("events") or ())
        if control.get("delegated"):
            message = (
                f"{_label(control)} looks clickable and an enclosing element listens for {events}, "
                "but the keyboard cannot reach it: check whether clicking it does something"
            )
            items.append(_item("needs-review", message, control))
        else:
            message = (
                f"{_label(control)} responds to {events} but the keyboard cannot reach or use it"
            )
            items.append(_item("fail", message, control))
    return CheckResult.of(items, f"{len(walk.get('pointer_only') or ())} pointer-only candidates")


@REGISTRY.page_check("keyboard-trap", reads=("keyboard",))
def keyboard_trap(artifacts: PageArtifacts, settings: CheckSettings) -> CheckResult:
    walk = artifacts.facts["keyboard"]
    stops = walk.get("stops") or []
    if not stops:
        return CheckResult.inapplicable("Tab reached nothing")
    items = []
    cycled_to = walk.get("cycled_to")
    if walk.get("ended") == "cycled" and isinstance(cycled_to, int) and 0 < cycled_to < len(stops):
        ring = stops[cycled_to:]
        message = (
            f"Tab keeps focus among {len(ring)} element(s) from {_label(ring[0])} to "
            f"{_label(ring[-1])}: a keyboard user cannot move past them"
        )
        items.append(_item("fail", message, ring[-1]))
    backward = walk.get("backward") or {}
    back_stops = backward.get("stops") or []
    # Back at the element Shift+Tab started from is the normal wrap; at another one, a trap.
    if backward.get("ended") == "cycled" and back_stops and back_stops[-1] in back_stops[:-1]:
        first = back_stops[-1]
        message = f"Shift+Tab keeps coming back to {first}: focus cannot move backwards past it"
        items.append(Item("fail", message, first))
    return CheckResult.of(items, _note(walk))


@REGISTRY.page_check("skip-link-works", reads=("keyboard",))
def skip_link_works(artifacts: PageArtifacts, settings: CheckSettings) -> CheckResult:
    walk = artifacts.facts["keyboard"]
    links = [
        link
        for link in walk.get("skip_links") or ()
        if _SKIP_WORDS.search(f"{link.get('name') or ''} {link.get('fragment') or ''}")
    ]
    if not links:
        return CheckResult.inapplicable("no skip link among the first Tab stops")
    items = []
    for link in links:
        where = f"#{link.get('fragment')}"
        if link.get("navigation"):
            items.append(_item("fail", f"{_label(link)} loads another page", link))
        elif not link.get("target"):
            message = f"{_label(link)} points at {where}, which is not on the page"
            items.append(_item("fail", message, link))
        elif not link.get("target_visible"):
            message = f"{_label(link)} points at {where}, which is hidden"
            items.append(_item("fail", message, link))
        elif not link.get("reached"):
            message = (
                f"after {_label(link)}, the next Tab goes to {link.get('focus') or 'nothing'}, "
                f"not into {where}"
            )
            items.append(_item("fail", message, link))
    return CheckResult.of(items, f"{len(links)} skip link(s) tried")


@REGISTRY.page_check("focus-order", reads=("keyboard",))
def focus_order(artifacts: PageArtifacts, settings: CheckSettings) -> CheckResult:
    walk = artifacts.facts["keyboard"]
    stops = [s for s in walk.get("stops") or () if s.get("visible") and s.get("box")]
    if len(stops) < 2:
        return CheckResult.inapplicable("fewer than two visible Tab stops")
    height = (walk.get("viewport") or {}).get("height") or 900
    items = []
    for before, stop, after in zip([None, *stops[:-1]], stops, [*stops[1:], None], strict=True):
        tabindex = str(stop.get("tabindex") or "")
        if tabindex.isdigit() and int(tabindex) > 0:
            message = (
                f"{_label(stop)} has tabindex={tabindex}: it is reached before the page's order"
            )
            items.append(_item("needs-review", message, stop))
            continue
        if before is None or after is None:
            continue
        y, y_before, y_after = stop["box"]["y"], before["box"]["y"], after["box"]["y"]
        if (
            abs(y - y_before) > height
            and abs(y - y_after) > height
            and abs(y_after - y_before) < height
        ):
            message = (
                f"{_label(stop)} is reached between two elements more than a screen away from it: "
                "check that the focus order follows the reading order"
            )
            items.append(_item("needs-review", message, stop))
    return CheckResult.of(items, _note(walk))


@REGISTRY.page_check("change-on-focus", reads=("keyboard",))
def change_on_focus(artifacts: PageArtifacts, settings: CheckSettings) -> CheckResult:
    walk = artifacts.facts["keyboard"]
    stops = walk.get("stops") or []
    if not stops:
        return CheckResult.inapplicable("Tab reached nothing")
    items = []
    for stop in stops:
        if stop.get("navigation"):
            message = f"focusing {_label(stop)} loads another page ({stop['navigation']})"
            items.append(_item("fail", message, stop))
        elif stop.get("window"):
            items.append(_item("fail", f"focusing {_label(stop)} opens a new window", stop))
        elif (stop.get("moves") or 0) > 1:
            message = f"focus was moved by the page to {_label(stop)} when Tab reached an element"
            items.append(_item("needs-review", message, stop))
    return CheckResult.of(items, _note(walk))


@REGISTRY.page_check("change-on-input", reads=("keyboard",))
def change_on_input(artifacts: PageArtifacts, settings: CheckSettings) -> CheckResult:
    fields = artifacts.facts["keyboard"].get("fields") or []
    if not fields:
        return CheckResult.inapplicable("no select or text field among the Tab stops")
    items = []
    for field in fields:
        action = "choosing another option in" if field.get("kind") == "select" else "typing in"
        if field.get("navigation"):
            message = f"{action} {_label(field)} loads another page without a submit button"
            items.append(_item("fail", message, field))
        elif field.get("window"):
            items.append(_item("fail", f"{action} {_label(field)} opens a new window", field))
        elif field.get("focus_moved_to"):
            message = f"{action} {_label(field)} moves focus to {field['focus_moved_to']}"
            items.append(_item("needs-review", message, field))
    return CheckResult.of(items, f"{len(fields)} field(s) changed from the keyboard")


@REGISTRY.page_check("hover-only-content", reads=("keyboard",))
def hover_only_content(artifacts: PageArtifacts, settings: CheckSettings) -> CheckResult:
    hovers = artifacts.facts["keyboard"].get("hover_only") or []
    if not hovers:
        return CheckResult.inapplicable("no content shown on hover")
    items = []
    for hover in hovers:
        if hover.get("shown_on_focus"):
            continue
        shown = hover.get("shown") or [{}]
        what = _label(shown[0]) if shown[0] else "content"
        how = "has nothing to focus" if not hover.get("focusable") else "shows nothing on focus"
        message = (
            f"hovering {hover.get('trigger')} shows {what} ({hover.get('shown_count')} element(s)), "
            f"but it {how}: keyboard users never see it"
        )
        items.append(
            Item("fail", message, hover.get("trigger") or "html", shown[0].get("html", ""))
        )
    return CheckResult.of(items, f"{len(hovers)} hover trigger(s) tried")
