"""What the server will do to one request: a pure function of the config and the request key."""

from __future__ import annotations

from dataclasses import dataclass

from server.config import ServerConfig
from server.faults import Fault, choose_fault
from server.latency import draw_latency
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
    delay = draw_latency(
        config.latency_for(route, zip_code),
        keyed_uniform(*key, "latency"),
        keyed_uniform(*key, "component"),
    )
    rates = config.faults_for(route, zip_code)
    return Plan(
        delay=delay,
        fault=choose_fault(rates, keyed_uniform(*key, "fault")),
        hang_cap=rates.hang_cap / config.speed,
        slow_bps=rates.slow_body_bps * config.speed,
    )
