"""Open-loop arrivals: when each request of a `[workload] rate` run is due, and for which zip.

A pure function of (rate, duration, arrivals, seed, zips): every client of a scenario meets
the same due times and zips, so their runs line up second by second with each other and with
the server's phases. `constant` spaces requests 1/rate apart; `poisson` draws exponential
gaps from a seeded stream (the same seed, the same gaps). Zips come from the workload's set in
a seeded order, cycled. Nothing here sleeps: the kinds wait for the due times themselves.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from .records import ClientSettings

ARRIVALS: Final = ("constant", "poisson")
RATE: Final = (0.01, 5_000.0)  # requests a second a workload may ask for
DURATION: Final = (1.0, 3_600.0)  # seconds of arrivals
MAX_REQUESTS: Final = 1_000_000  # rate × duration: what one run may be asked to send


@dataclass(frozen=True, slots=True)
class Due:
    """One open-loop request: its number, when it is due (seconds from the run's start), and
    the zip it asks for."""

    index: int
    at: float
    zip: str


def due_times(rate: float, duration: float, arrivals: str, seed: int) -> list[float]:
    """When each request is due, in [0, duration): evenly spaced, or a seeded Poisson process."""
    if arrivals == "constant":
        count = int(rate * duration + 1e-9)
        return [index / rate for index in range(count)]
    stream = random.Random(f"arrivals:{seed}")  # str seeds hash with sha512: stable everywhere
    times: list[float] = []
    now = stream.expovariate(rate)
    while now < duration and len(times) < MAX_REQUESTS:
        times.append(now)
        now += stream.expovariate(rate)
    return times


def schedule(
    rate: float, duration: float, arrivals: str, seed: int, zips: Sequence[str]
) -> list[Due]:
    """Every request of the run, in due order, each for a zip of `zips` in a seeded order."""
    order = list(zips)
    random.Random(f"arrival-zips:{seed}").shuffle(order)
    return [
        Due(index, at, order[index % len(order)])
        for index, at in enumerate(due_times(rate, duration, arrivals, seed))
    ]


def due_lines(plan: Sequence[Due]) -> str:
    """The due-times file a command or function is given: `SECONDS ZIP` a line, in order."""
    return "".join(f"{due.at:.6f} {due.zip}\n" for due in plan)


def planned(settings: ClientSettings, zips: Sequence[str]) -> list[Due]:
    """The open-loop requests of a client's run (`settings.open_loop` must hold)."""
    assert settings.rate is not None and settings.duration is not None
    return schedule(settings.rate, settings.duration, settings.arrivals, settings.seed, zips)
