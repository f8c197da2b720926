"""The talk's second primer: an event loop runs what it is given, when it is due.

`call_soon` queues `add(2, 3)` for the loop's next turn; `call_later` sets a timer that,
`delay` seconds on, prints the result and stops the loop — `run_forever` then returns.
Every step is also written to a trace with the seconds since the start.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

DEFAULT_DELAY = 3.0  # seconds, as in the talk


def run_loop_demo(
    delay: float = DEFAULT_DELAY,
    *,
    loop_factory: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop,
    clock: Callable[[], float] = time.perf_counter,
    out: Callable[[str], None] = print,
) -> list[str]:
    """Run the talk's demo on a fresh loop; return every line it wrote to `out`."""
    lines: list[str] = []
    start = clock()
    results: list[int] = []

    def emit(line: str) -> None:
        lines.append(line)
        out(line)

    def note(event: str) -> None:
        emit(f"{clock() - start:7.3f} s  {event}")

    def add(x: int, y: int) -> None:
        results.append(x + y)
        note(f"add({x}, {y}) -> {x + y}")

    def stop_loop(loop: asyncio.AbstractEventLoop) -> None:
        note("call_later fired")
        emit(f"ending loop for result: {results[-1]}")
        loop.stop()  # run_forever returns once this turn of the loop is done

    loop = loop_factory()
    try:
        loop.call_soon(add, 2, 3)
        note("call_soon(add, 2, 3) scheduled")
        loop.call_later(delay, stop_loop, loop)
        note(f"call_later({delay:g}, stop_loop) scheduled")
        note("run_forever()")
        loop.run_forever()
    finally:
        loop.close()
    return lines
