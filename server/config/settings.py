"""The server's configuration: small frozen dataclasses, built only by `parser`.

`ServerConfig` is everything that decides what the server does to a request; `Override` is a
route's or a zip's own latency and faults, `RateLimit` and `Capacity` the optional limits, and
`Phase` a window of the run in which another `ServerConfig` applies.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

from ..models.faults import NO_FAULTS, FaultRates
from ..models.latency import ZERO, LatencyModel, scaled
from ..models.phases import NO_PHASES, Schedule, Window

ROUTES: Final = ("jobs", "search")  # the API's two routes, as configuration and stats name them


@dataclass(frozen=True, slots=True)
class Override:
    """A route's or a zip's own latency and faults; None falls through to the level above."""

    latency: LatencyModel | None = None
    faults: FaultRates | None = None


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A token bucket per client: `rate` tokens a second, up to `burst` saved."""

    rate: float
    burst: int
    key: str = "peer"  # "peer" (the client's address) or "header:NAME"


class Abandon(enum.Enum):
    """What the server does with a queued or delayed request whose client has gone."""

    DROP = "drop"  # stop at once and free the worker (the default)
    KEEP = "keep"  # work it to the end anyway: the wasted work that sustains an overload


@dataclass(frozen=True, slots=True)
class Capacity:
    """At most `workers` requests in service at once, `queue` more waiting; beyond that, 503."""

    workers: int
    queue: int
    abandon: Abandon = Abandon.DROP


UNLIMITED: Final = Capacity(2**62, 2**62)  # a phase's gate when the base server has none


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """Everything that decides what the server does to a request."""

    seed: int = 0
    speed: float = 1.0
    latency: LatencyModel = ZERO
    faults: FaultRates = NO_FAULTS
    rate_limit: RateLimit | None = None
    capacity: Capacity | None = None
    routes: Mapping[str, Override] = field(default_factory=lambda: MappingProxyType({}))
    zips: Mapping[str, Override] = field(default_factory=lambda: MappingProxyType({}))
    require_key: bool = False
    document: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    latency_scale: float = 1.0  # every delay multiplied by this (a phase's slowdown)
    phases: tuple[Phase, ...] = ()  # sorted by start, never overlapping

    def latency_for(self, route: str, zip_code: str) -> LatencyModel:
        """The latency model for one request, with the speed factor and scale applied."""
        model = _pick(self, route, zip_code, "latency") or self.latency
        return scaled(model, self.latency_scale / self.speed)

    @property
    def schedule(self) -> Schedule:
        """The phases' windows, for the lookup by time."""
        if not self.phases:
            return NO_PHASES
        return Schedule(tuple(Window(p.name, p.at, p.at + p.duration) for p in self.phases))

    def configs(self) -> tuple[ServerConfig, ...]:
        """The server outside every phase, then during each: `Schedule.index_at`'s order."""
        return (self, *(phase.config for phase in self.phases))

    def faults_for(self, route: str, zip_code: str) -> FaultRates:
        """The fault rates for one request."""
        rates = _pick(self, route, zip_code, "faults")
        return rates if isinstance(rates, FaultRates) else self.faults


@dataclass(frozen=True, slots=True)
class Phase:
    """From `at` seconds after the reset, for `duration` seconds, `config` applies."""

    name: str
    at: float
    duration: float
    config: ServerConfig


def _pick(config: ServerConfig, route: str, zip_code: str, name: str) -> Any:
    for override in (config.zips.get(zip_code), config.routes.get(route)):
        if override is not None and getattr(override, name) is not None:
            return getattr(override, name)
    return None
