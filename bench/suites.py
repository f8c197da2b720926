"""The benchmarks by number, each a function from a `Context` to an `Outcome`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from bench import (
    clientcost,
    distribution,
    fanout,
    fidelity,
    overhead,
    scaling,
    stalls,
    statecost,
)
from bench.context import Context
from bench.results import Outcome

Suite = Callable[[Context], Outcome]

SUITES: Final[dict[int, Suite]] = {
    1: overhead.run,
    2: fidelity.run,
    3: distribution.run,
    4: clientcost.run,
    5: fanout.run,
    6: stalls.run,
    7: scaling.run,
    8: statecost.run,
}
