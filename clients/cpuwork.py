"""CPU work after each answer (`[workload] cpu = S`): the one helper every built-in client calls.

Every client does S seconds of CPU after each successful answer, measured on the calling
thread's own CPU clock (`time.thread_time`), so every model pays exactly the same work
whatever the contention: a thread that waits for the GIL or for a core is not charged for
the wait. Two kinds of work (`cpu_kind`):

* `python`: a pure-Python loop over the answer's bytes. It holds the GIL: threads doing it
  take turns, and an event loop doing it inline runs nothing else meanwhile.
* `native`: SHA-256 over the answer (and a filler buffer), in C. hashlib releases the GIL for
  buffers over 2 KiB, so threads doing it run in parallel on as many cores as there are.

The clock is read between small steps (about a tenth of a millisecond each), so the work
overshoots S by at most one step (plus the clock's resolution); `Work` says by how much.
Imports nothing of the package but `records`: kinds and worker processes may use it.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from .records import ClientSettings

CPU_KINDS: Final = ("python", "native")
PYTHON_STEP: Final = 1024  # bytes walked in pure Python between two looks at the clock
NATIVE_STEP: Final = 65_536  # bytes hashed in C between two looks (over 2 KiB: GIL released)
# What the work walks when an answer is shorter than a step: the answer, then this.
FILLER: Final = bytes(range(256)) * (NATIVE_STEP // 256)


@dataclass(frozen=True, slots=True)
class Work:
    """What one `burn` did, on the clock it was measured on."""

    seconds: float  # CPU the calling thread spent on it
    steps: int  # how many steps it took
    longest: float  # the longest step: the most the work can have overshot by


def burn(
    seconds: float, kind: str, data: bytes = b"", clock: Callable[[], float] = time.thread_time
) -> Work:
    """Spend `seconds` of `clock` (the calling thread's CPU time) working over `data`."""
    if seconds <= 0:
        return Work(0.0, 0, 0.0)
    if kind not in CPU_KINDS:
        raise ValueError(f"cpu_kind must be one of {', '.join(CPU_KINDS)}, got {kind!r}")
    size = PYTHON_STEP if kind == "python" else NATIVE_STEP
    view = memoryview(data + FILLER if len(data) < size else data)
    hasher = hashlib.sha256()
    accumulator = 0
    offset = steps = 0
    longest = 0.0
    start = now = clock()
    while now - start < seconds:
        if offset + size > len(view):
            offset = 0
        piece = view[offset : offset + size]
        offset += size
        if kind == "python":
            for byte in piece:  # the work itself: a rolling hash, one byte at a time
                accumulator = (accumulator * 31 + byte) & 0xFFFFFFFF
        else:
            hasher.update(piece)
        then = clock()
        longest = max(longest, then - now)
        now = then
        steps += 1
    return Work(now - start, steps, longest)


def after_answer(body: bytes, settings: ClientSettings) -> Work:
    """The settings' CPU work (`cpu` is scenario seconds: ÷ speed, as every time) over an
    answer's body."""
    return burn(settings.cpu / settings.speed, settings.cpu_kind, body)
