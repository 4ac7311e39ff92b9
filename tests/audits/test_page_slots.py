"""The browser's adjustable limit on pages at once (audits/page_slots.py)."""

from __future__ import annotations

import asyncio

import pytest

from massaudit.audits.page_slots import AdjustableLimit


async def _hold(limit: AdjustableLimit, inside: list[int], most: list[int], release: asyncio.Event):
    async with limit:
        inside.append(1)
        most.append(len(inside))
        await release.wait()
        inside.pop()


def test_no_more_holders_than_the_limit_and_a_raise_lets_waiters_in_at_once():
    async def scenario():
        limit = AdjustableLimit(2)
        inside: list[int] = []
        most: list[int] = []
        release = asyncio.Event()
        tasks = [asyncio.ensure_future(_hold(limit, inside, most, release)) for _ in range(5)]
        await asyncio.sleep(0.01)
        assert (limit.held, limit.waiting, limit.waits) == (2, 3, 3)
        limit.set_limit(4)
        await asyncio.sleep(0.01)
        assert (limit.held, limit.waiting) == (4, 1)
        release.set()
        await asyncio.gather(*tasks)
        assert max(most) == 4 and limit.held == 0

    asyncio.run(scenario())


def test_a_lowered_limit_interrupts_no_holder_and_lets_none_in_until_under_it():
    async def scenario():
        limit = AdjustableLimit(3)
        releases = [asyncio.Event() for _ in range(4)]
        entered: list[int] = []

        async def hold(n: int) -> None:
            async with limit:
                entered.append(n)
                await releases[n].wait()

        tasks = [asyncio.ensure_future(hold(n)) for n in range(4)]
        await asyncio.sleep(0.01)
        limit.set_limit(1)
        assert limit.held == 3  # nobody is interrupted
        releases[0].set()
        releases[1].set()
        await asyncio.sleep(0.01)
        assert entered == [0, 1, 2] and limit.held == 1  # the fourth still waits
        releases[2].set()
        await asyncio.sleep(0.01)
        assert entered == [0, 1, 2, 3]
        releases[3].set()
        await asyncio.gather(*tasks)

    asyncio.run(scenario())


def test_a_cancelled_waiter_leaves_its_place_to_the_next():
    async def scenario():
        limit = AdjustableLimit(1)
        await limit.acquire()
        cancelled = asyncio.ensure_future(limit.acquire())
        after = asyncio.ensure_future(limit.acquire())
        await asyncio.sleep(0.01)
        cancelled.cancel()
        await asyncio.sleep(0.01)
        limit.release()
        await asyncio.wait_for(after, 1)
        assert limit.held == 1 and limit.waiting == 0

    asyncio.run(scenario())


def test_a_limit_under_one_is_refused():
    with pytest.raises(ValueError):
        AdjustableLimit(0)
    with pytest.raises(ValueError):
        AdjustableLimit(2).set_limit(0)
