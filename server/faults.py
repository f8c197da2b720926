"""Faults and how one keyed uniform picks at most one of them per request."""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields
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

    @property
    def total(self) -> float:
        """The share of requests that meet any fault."""
        return sum(float(getattr(self, fault.value)) for fault in Fault)


RATE_NAMES: Final = tuple(fault.value for fault in Fault)
FAULT_KEYS: Final = tuple(field.name for field in fields(FaultRates))
NO_FAULTS: Final = FaultRates()


def choose_fault(rates: FaultRates, u: float) -> Fault | None:
    """The fault a request with fault-uniform `u` meets: consecutive slices of [0, 1)."""
    start = 0.0
    for fault in Fault:
        start += getattr(rates, fault.value)
        if u < start:
            return fault
    return None
