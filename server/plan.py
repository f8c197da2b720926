"""What the server will do to one request: a pure function of the config and the request key."""

from __future__ import annotations

from dataclasses import dataclass

from server.config import ServerConfig
from server.faults import Fault, choose_fault
from server.latency import Fixed, Mixture, draw_latency
from server.rng import keyed_uniform


@dataclass(frozen=True, slots=True)
class Plan:
    """One request's intended delay and fault, with the fault's timings — all speed applied."""

    delay: float
    fault: Fault | None
    hang_cap: float = 30.0  # seconds a hang lasts at most
    slow_bps: float = 2048.0  # bytes per second of a slow body


def plan_request(config: ServerConfig, route: str, zip_code: str, attempt: int) -> Plan:
    """Draw the delay and the fault for attempt `attempt` of `zip_code` on `route`."""
    key = (config.seed, route, zip_code, attempt)
    model = config.latency_for(route, zip_code)
    rates = config.faults_for(route, zip_code)
    # Each draw has its own key, so skipping the ones a model does not need changes no other
    # draw: a fixed delay needs none, only a mixture needs a component, no faults no fault draw.
    if isinstance(model, Fixed):
        delay = model.value
    else:
        choice = keyed_uniform(*key, "component") if isinstance(model, Mixture) else 0.0
        delay = draw_latency(model, keyed_uniform(*key, "latency"), choice)
    fault = choose_fault(rates, keyed_uniform(*key, "fault")) if rates.total > 0 else None
    return Plan(
        delay=delay,
        fault=fault,
        hang_cap=rates.hang_cap / config.speed,
        slow_bps=rates.slow_body_bps * config.speed,
    )
