"""Pages in flight decided from samples (pipeline/adaptive_concurrency.py): pure, no browser."""

from __future__ import annotations

from collections.abc import Callable

from massaudit.pipeline.adaptive_concurrency import ConcurrencyController, Sample

GIB = 2**30


def run(
    controller: ConcurrencyController,
    rate_at: Callable[[int], float],
    windows: int,
    *,
    cpu: float = 0.5,
    rss: Callable[[int], int] = lambda pages: GIB,
    waited: bool = True,
) -> list[tuple[int, str]]:
    """Feed `windows` windows of 15 s (three 5 s samples each) in which the run does
    `rate_at(pages)` pages a minute; the decisions that changed something."""
    seconds, done = 0.0, 0.0
    changes = []
    controller.decide(Sample(seconds, 0, None, rss(controller.pages), False))
    for _ in range(windows * 3):
        seconds += 5
        done += rate_at(controller.pages) / 12
        decision = controller.decide(Sample(seconds, int(done), cpu, rss(controller.pages), waited))
        if decision.reason not in ("hold", "start"):
            changes.append((decision.pages, decision.reason))
    return changes


def curve(best: int) -> Callable[[int], float]:
    """Pages per minute that rise by 30 % a page up to `best` pages in flight, then fall by 30 %
    a page."""
    return lambda pages: 100 * (1.3 ** min(pages, best)) * (0.7 ** max(0, pages - best))


def test_it_climbs_to_the_best_number_and_stays_near_it():
    controller = ConcurrencyController(start=2, high=8)
    changes = run(controller, curve(4), windows=30)
    assert changes[:2] == [(3, "raise"), (4, "raise")]
    assert (5, "raise") in changes and (4, "no gain") in changes
    assert controller.pages == 4
    # a raise that did not pay is tried again less and less often
    assert changes.count((4, "no gain")) <= 4


def test_it_never_goes_over_the_cap():
    controller = ConcurrencyController(start=2, high=3)
    run(controller, curve(10), windows=20)
    assert controller.pages == 3


def test_no_raise_while_the_cpus_have_no_room():
    controller = ConcurrencyController(start=2, high=8)
    assert run(controller, curve(6), windows=10, cpu=0.95) == []
    assert controller.pages == 2


def test_no_raise_when_no_page_waited_for_the_browser():
    """The crawl (its per-host politeness) feeds the pages slower than the browser audits them:
    more pages in flight would change nothing."""
    controller = ConcurrencyController(start=2, high=8)
    assert run(controller, curve(6), windows=10, waited=False) == []


def test_memory_over_the_budget_lowers_it_below_the_start_and_stops_raises():
    controller = ConcurrencyController(start=3, high=8, memory_budget_bytes=4 * GIB)
    changes = run(controller, curve(8), windows=8, rss=lambda pages: pages * 5 * GIB // 2)
    assert changes[:2] == [(2, "memory"), (1, "memory")]
    assert controller.pages == 1  # 2.5 GiB at 1 page: over 80 % of the budget, no raise


def test_falling_pages_per_minute_with_busy_cpus_lower_it_to_the_start_not_below():
    controller = ConcurrencyController(start=2, high=8)
    run(controller, curve(8), windows=4)  # climbs while the CPUs have room
    climbed = controller.pages
    assert climbed > 2
    # then the machine gets busy and every page is slower: one fewer each window, to the start
    rates = iter([100.0, 60.0, 30.0, 15.0, 8.0, 4.0, 2.0, 1.0] * 10)
    slower: dict[int, float] = {}

    def falling(pages: int) -> float:
        return slower.setdefault(len(slower), next(rates) * 100)

    changes = run(controller, lambda pages: falling(pages), windows=12, cpu=0.95)
    assert {reason for _, reason in changes} <= {"contention"}
    assert controller.pages == 2


def test_fixed_when_low_and_high_are_the_start():
    controller = ConcurrencyController(start=4, high=4, low=4)
    assert controller.fixed
    assert run(controller, curve(8), windows=10, rss=lambda pages: 100 * GIB) == []
    assert controller.pages == 4


def test_few_pages_done_is_not_a_window_yet():
    controller = ConcurrencyController(start=2, high=8, window_pages=50)
    assert run(controller, lambda pages: 40.0, windows=3) == []


def test_a_raise_that_pays_is_kept_through_noisy_windows():
    """Pages that wait seconds for third parties make a window's pages per minute jump by more
    than a raise gains: a raise is undone only when the rate fell, not for a gain lost in noise."""
    noise = iter([0.85, 1.15] * 100)  # one factor a window, as the window's few pages fall

    controller = ConcurrencyController(start=2, high=8)
    factor = {"window": 1.0}
    samples = {"n": 0}

    def noisy(pages: int) -> float:
        if samples["n"] % 3 == 0:
            factor["window"] = next(noise)
        samples["n"] += 1
        return curve(6)(pages) * factor["window"]

    run(controller, noisy, windows=12)
    assert controller.pages >= 5
