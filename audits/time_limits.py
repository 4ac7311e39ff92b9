"""Every step of an audit is bounded: a step past its time names itself in the error."""

from __future__ import annotations

import asyncio
import time
from typing import Any


async def within(awaitable: Any, seconds: float, what: str) -> Any:
    """`awaitable`, or a TimeoutError naming the step that took too long."""
    try:
        return await asyncio.wait_for(awaitable, seconds)
    except TimeoutError:
        raise TimeoutError(f"{what} took longer than {seconds:g} s") from None


def ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
