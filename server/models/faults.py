"""Faults and how one keyed uniform picks at most one of them per request."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields
from typing import Final


class Fault(enum.Enum):
    """What goes wrong with a request, if anything."""

    ERROR_500 = "error_500"
    ERROR_503 = "error_503"
    RESET = "reset"
    HANG = "hang"
    TRUNCATE = "truncate"
    MALFORMED = "malformed"
    SLOW_BODY = "slow_body"


@dataclass(frozen=True, slots=True)
class FaultRates:
    """The share of requests that meet each fault; the shares add up to at most 1."""

    error_500: float = 0.0
    error_503: float = 0.0
    reset: float = 0.0
    hang: float = 0.0
    truncate: float = 0.0
    malformed: float = 0.0
    slow_body: float = 0.0
    hang_cap: float = 30.0  # seconds a hang lasts at most, when the client never gives up
    slow_body_bps: float = 2048.0  # bytes per second of a slow body
    # Derived once, so choosing a fault per request is a short scan of plain floats.
    total: float = field(init=False, repr=False, compare=False)  # the share meeting any fault
    slices: tuple[tuple[float, Fault], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        upper, slices = 0.0, []
        for fault in Fault:
            upper += float(getattr(self, fault.value))
            slices.append((upper, fault))
        object.__setattr__(self, "total", upper)
        object.__setattr__(self, "slices", tuple(slices))


RATE_NAMES: Final = tuple(fault.value for fault in Fault)
FAULT_KEYS: Final = tuple(f.name for f in fields(FaultRates) if f.init)
NO_FAULTS: Final = FaultRates()


def choose_fault(rates: FaultRates, u: float) -> Fault | None:
    """The fault a request with fault-uniform `u` meets: consecutive slices of [0, 1)."""
    if u >= rates.total:
        return None
    for upper, fault in rates.slices:
        if u < upper:
            return fault
    return None
