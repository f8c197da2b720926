"""What the server will do to one request: a pure function of the config and the request key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ..models.faults import Fault, FaultRates, choose_fault
from ..models.latency import Fixed, LatencyModel, Mixture, draw_latency
from ..models.rng import keyed_uniform
from .settings import ROUTES, ServerConfig


@dataclass(frozen=True, slots=True)
class Plan:
    """One request's intended delay and fault, with the fault's timings — all speed applied."""

    delay: float
    fault: Fault | None
    hang_cap: float = 30.0  # seconds a hang lasts at most
    slow_bps: float = 2048.0  # bytes per second of a slow body


NOTHING: Final = Plan(0.0, None)  # no delay, no fault: the common case, never drawn


def plan_request(config: ServerConfig, route: str, zip_code: str, attempt: int) -> Plan:
    """Draw the delay and the fault for attempt `attempt` of `zip_code` on `route`."""
    draws = Draws.of(config, route, zip_code)
    return draws.constant or draws.draw(config.seed, route, zip_code, attempt)


@dataclass(frozen=True, slots=True)
class Draws:
    """What one route (or one zip on it) draws from, with the speed applied: worked out once
    per scenario, so a request's plan is a lookup and, at most, three keyed uniforms."""

    model: LatencyModel
    rates: FaultRates
    hang_cap: float
    slow_bps: float
    constant: Plan | None  # the plan when there is nothing to draw: a fixed delay, no faults

    @classmethod
    def of(cls, config: ServerConfig, route: str, zip_code: str) -> Draws:
        """The draws for `zip_code` on `route` under `config`."""
        model = config.latency_for(route, zip_code)
        rates = config.faults_for(route, zip_code)
        hang_cap, slow_bps = rates.hang_cap / config.speed, rates.slow_body_bps * config.speed
        constant = None
        if isinstance(model, Fixed) and rates.total <= 0:
            constant = Plan(model.value, None, hang_cap, slow_bps)
            if constant == NOTHING:
                constant = NOTHING
        return cls(model, rates, hang_cap, slow_bps, constant)

    def draw(self, seed: int, route: str, zip_code: str, attempt: int) -> Plan:
        """The plan of one attempt: each draw has its own key, so skipping the ones a model
        does not need changes no other draw (a fixed delay needs none, only a mixture needs a
        component, no faults no fault draw)."""
        key = (seed, route, zip_code, attempt)
        model = self.model
        if isinstance(model, Fixed):
            delay = model.value
        else:
            choice = keyed_uniform(*key, "component") if isinstance(model, Mixture) else 0.0
            delay = draw_latency(model, keyed_uniform(*key, "latency"), choice)
        rates = self.rates
        fault = choose_fault(rates, keyed_uniform(*key, "fault")) if rates.total > 0 else None
        return Plan(delay, fault, self.hang_cap, self.slow_bps)


class Planner:
    """Every route's and every overridden zip's `Draws`, built once when a scenario is applied."""

    def __init__(self, config: ServerConfig) -> None:
        self.seed = config.seed
        self.routes = {route: Draws.of(config, route, "") for route in ROUTES}
        self.zips = {
            zip_code: {route: Draws.of(config, route, zip_code) for route in ROUTES}
            for zip_code in config.zips
        }
        # A route whose every request gets the same plan (no zip overrides, nothing drawn):
        # the handler takes it from here without a call.
        self.constant: dict[str, Plan | None] = {
            route: None if self.zips else draws.constant for route, draws in self.routes.items()
        }

    def plan(self, route: str, zip_code: str, attempt: int) -> Plan:
        """The same plan as `plan_request(config, route, zip_code, attempt)`."""
        draws = self.routes[route]
        if self.zips:
            overridden = self.zips.get(zip_code)
            if overridden is not None:
                draws = overridden[route]
        return draws.constant or draws.draw(self.seed, route, zip_code, attempt)


def planners_for(config: ServerConfig) -> tuple[Planner, ...]:
    """A planner for the base server and one for each phase, in the schedule's index order."""
    return tuple(Planner(each) for each in config.configs())
