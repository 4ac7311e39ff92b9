"""The keyboard walks the rule tests judge: saved from the real Chromium on
tests/fixtures/keyboard/planted.html (every problem) and clean.html (each done right), and
edits of them that change one fact each."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from repo_paths import FIXTURES

from massaudit.rules.checks.settings import CheckSettings

KEYBOARD = FIXTURES / "keyboard"


def walk(name: str) -> dict[str, Any]:
    """The `keyboard` fact saved from tests/fixtures/keyboard/<name>.html."""
    return json.loads((KEYBOARD / f"{name}.json").read_text(encoding="utf-8"))


def keyboard(name: str, change: Callable[[dict], None] | None = None) -> Callable[[dict], None]:
    """An edit of the clean demo page: its keyboard fact is the walk of `name`, changed."""

    def edit(data: dict) -> None:
        fact = walk(name)
        if change is not None:
            change(fact)
        data["facts"]["keyboard"] = fact

    return edit


def _first_stop(**values: Any) -> Callable[[dict], None]:
    return lambda fact: fact["stops"][0].update(values)


def _no_skip_target(fact: dict) -> None:
    fact["skip_links"][0].update(target=None, reached=False)


def _trapped_backwards(fact: dict) -> None:
    fact["backward"] = {"stops": ["#b", "#main > p > a", "#b"], "ended": "cycled"}


def _not_a_skip_link(fact: dict) -> None:
    fact["skip_links"][0].update(name="Menu", fragment="menu", target=None)


def _same_name(fact: dict) -> None:
    for control in fact["pointer_only"]:
        control["equivalent"] = True


def _far_jump(fact: dict) -> None:
    for index, stop in enumerate(fact["stops"]):
        stop["box"]["y"] = 100 + 10 * index
    fact["stops"][3]["box"]["y"] = 5000


def _focus_moved(fact: dict) -> None:
    fact["fields"][1]["focus_moved_to"] = "#next-field"


def _focus_redirected(fact: dict) -> None:
    fact["stops"][2]["moves"] = 2


# rule id -> (expected outcome, edit of the clean demo page, settings or None)
KEYBOARD_FIXTURES: dict[str, list[tuple[str, Callable | None, CheckSettings | None]]] = {
    "focus-visible": [
        ("pass", keyboard("clean"), None),
        ("fail", keyboard("planted"), None),
        ("needs-review", keyboard("clean", _first_stop(visible=False)), None),
        ("fail", keyboard("clean", _first_stop(blurred=True)), None),  # blur on focus
        ("pass", None, None),  # the demo page itself
        ("inapplicable", lambda data: data["facts"].pop("keyboard"), None),  # stored before
    ],
    "keyboard-reachable": [
        ("pass", keyboard("clean"), None),
        ("fail", keyboard("planted"), None),
        ("pass", keyboard("planted", _same_name), None),
        ("fail", keyboard("clean", _first_stop(blurred=True)), None),  # Enter cannot reach it
    ],
    "keyboard-trap": [
        ("pass", keyboard("clean"), None),
        ("fail", keyboard("planted"), None),
        ("fail", keyboard("clean", _trapped_backwards), None),
    ],
    "skip-link-works": [
        ("pass", keyboard("clean"), None),
        ("fail", keyboard("planted"), None),
        ("fail", keyboard("clean", _no_skip_target), None),
        ("inapplicable", keyboard("clean", _not_a_skip_link), None),
    ],
    "focus-order": [
        ("pass", keyboard("clean"), None),
        ("needs-review", keyboard("planted"), None),
        ("needs-review", keyboard("clean", _far_jump), None),
    ],
    "change-on-focus": [
        ("pass", keyboard("clean"), None),
        ("fail", keyboard("planted"), None),
        ("needs-review", keyboard("clean", _focus_redirected), None),
    ],
    "change-on-input": [
        ("pass", keyboard("clean"), None),
        ("fail", keyboard("planted"), None),
        ("needs-review", keyboard("clean", _focus_moved), None),
    ],
    "hover-only-content": [
        ("pass", keyboard("clean"), None),
        ("fail", keyboard("planted"), None),
        ("inapplicable", keyboard("clean", lambda fact: fact.update(hover_only=[])), None),
    ],
}
