"""Request plans: pure, deterministic, order independent; and the per-scenario planner draws
what `plan_request` draws."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.config.parser import parse_config
from server.config.plan import NOTHING, Plan, Planner, plan_request
from server.config.settings import ServerConfig
from server.models.faults import NO_FAULTS, Fault
from server.models.latency import Fixed

zips = st.from_regex(r"[0-9]{5}", fullmatch=True)
routes = st.sampled_from(["jobs", "search"])

CONFIG = parse_config(
    {
        "seed": 2015,
        "speed": 2,
        "server": {
            "latency": {
                "model": "mixture",
                "components": [
                    {"weight": 97, "model": "lognormal", "median": 0.3, "p99": 3},
                    {"weight": 3, "model": "uniform", "low": 2, "high": 5},
                ],
            },
            "faults": {"error_500": 0.05, "hang": 0.02, "slow_body": 0.03},
            "zips": {"90011": {"faults": {"reset": 1.0}}},
        },
    }
)


# --- plan_request --------------------------------------------------------------------------


@given(
    keys=st.lists(st.tuples(routes, zips, st.integers(0, 5)), min_size=1, max_size=30),
    data=st.data(),
)
def test_plans_are_the_same_in_any_order(
    keys: list[tuple[str, str, int]], data: st.DataObject
) -> None:
    forward = {key: plan_request(CONFIG, *key) for key in keys}
    shuffled = data.draw(st.permutations(keys))
    backward = {key: plan_request(CONFIG, *key) for key in reversed(shuffled)}
    assert forward == backward


@given(route=routes, zip_code=zips, attempt=st.integers(0, 100))
def test_a_plan_is_a_pure_function_of_its_key(route: str, zip_code: str, attempt: int) -> None:
    plan = plan_request(CONFIG, route, zip_code, attempt)
    for _ in range(3):
        plan_request(CONFIG, route, "00000", attempt + 1)  # unrelated requests in between
    assert plan_request(CONFIG, route, zip_code, attempt) == plan
    assert plan.delay >= 0.0
    rates = CONFIG.faults_for(route, zip_code)
    assert (plan.hang_cap, plan.slow_bps) == (
        rates.hang_cap / CONFIG.speed,
        rates.slow_body_bps * CONFIG.speed,
    )


def test_a_new_attempt_or_seed_draws_afresh() -> None:
    base = [plan_request(CONFIG, "jobs", f"{i:05d}", 0).delay for i in range(50)]
    retry = [plan_request(CONFIG, "jobs", f"{i:05d}", 1).delay for i in range(50)]
    reseeded_config = parse_config({**CONFIG.document, "seed": 2016})
    reseeded = [plan_request(reseeded_config, "jobs", f"{i:05d}", 0).delay for i in range(50)]
    assert sum(a != b for a, b in zip(base, retry, strict=True)) == 50
    assert sum(a != b for a, b in zip(base, reseeded, strict=True)) == 50


def test_fixed_latency_plans_apply_the_speed() -> None:
    config = parse_config({"speed": 4, "server": {"latency": {"model": "fixed", "value": 2}}})
    for i in range(20):
        assert plan_request(config, "search", f"{i:05d}", i) == Plan(
            0.5, None, hang_cap=NO_FAULTS.hang_cap / 4, slow_bps=NO_FAULTS.slow_body_bps * 4
        )


def test_fault_shares_match_the_rates() -> None:
    n = 20_000
    faults = Counter(plan_request(CONFIG, "jobs", f"{i:05d}", 0).fault for i in range(n))
    assert faults[Fault.ERROR_500] / n == pytest.approx(0.05, abs=0.005)
    assert faults[Fault.HANG] / n == pytest.approx(0.02, abs=0.004)
    assert faults[Fault.SLOW_BODY] / n == pytest.approx(0.03, abs=0.004)
    assert faults[None] / n == pytest.approx(0.90, abs=0.01)
    assert set(faults) == {Fault.ERROR_500, Fault.HANG, Fault.SLOW_BODY, None}


def test_stall_share_matches_the_mixture_weight() -> None:
    n = 20_000
    delays = [plan_request(CONFIG, "jobs", f"{i:05d}", 0).delay for i in range(n)]
    # speed 2 halves the 2-5 s stall to 1-2.5 s; the lognormal part's tail adds a little.
    stalls = sum(1 for d in delays if d >= 1.0)
    lognormal_tail = 0.97 * (1 - _lognormal_cdf(1.0, median=0.15, p99=1.5))
    assert stalls / n == pytest.approx(0.03 + lognormal_tail, abs=0.005)


def _lognormal_cdf(x: float, *, median: float, p99: float) -> float:
    from math import log
    from statistics import NormalDist

    sigma = log(p99 / median) / NormalDist().inv_cdf(0.99)
    return NormalDist(log(median), sigma).cdf(log(x))


def test_zip_override_faults_apply_to_that_zip_only() -> None:
    for attempt in range(20):
        assert plan_request(CONFIG, "jobs", "90011", attempt).fault is Fault.RESET
        assert plan_request(CONFIG, "search", "90011", attempt).fault is Fault.RESET
        assert plan_request(CONFIG, "jobs", "90012", attempt).fault is not Fault.RESET or (
            CONFIG.faults_for("jobs", "90012").reset > 0
        )


def test_faults_and_latency_are_drawn_independently() -> None:
    """Adding faults never moves a delay, and changing the latency never moves a fault."""
    plain = ServerConfig(seed=5, latency=CONFIG.latency)
    faulty = ServerConfig(seed=5, latency=CONFIG.latency, faults=CONFIG.faults)
    fixed = ServerConfig(seed=5, latency=Fixed(1.0), faults=CONFIG.faults)
    for i in range(500):
        zip_code = f"{i:05d}"
        assert (
            plan_request(plain, "jobs", zip_code, 0).delay
            == plan_request(faulty, "jobs", zip_code, 0).delay
        )
        assert (
            plan_request(fixed, "jobs", zip_code, 0).fault
            is plan_request(faulty, "jobs", zip_code, 0).fault
        )


# --- the per-scenario planner draws what plan_request draws ---------------------------------


PLANNED = {
    "seed": 3,
    "speed": 2.0,
    "server": {
        "latency": {"model": "lognormal", "median": 0.05, "p99": 0.4},
        "faults": {"error_500": 0.2, "hang": 0.1, "slow_body": 0.1, "hang_cap": 9.0},
        "routes": {"search": {"latency": {"model": "fixed", "value": 0.2}}},
        "zips": {
            "60629": {"faults": {"reset": 0.5}},
            "90011": {
                "latency": {
                    "model": "mixture",
                    "components": [
                        {"weight": 0.9, "model": "fixed", "value": 0.01},
                        {"weight": 0.1, "model": "uniform", "low": 0.5, "high": 1.0},
                    ],
                }
            },
        },
    },
}


@pytest.mark.parametrize(
    "document",
    [
        pytest.param({}, id="default"),
        pytest.param(PLANNED, id="every-feature"),
        pytest.param(
            {"speed": 4.0, "server": {"latency": {"model": "fixed", "value": 1.0}}}, id="fixed-fast"
        ),
    ],
)
def test_the_planner_matches_plan_request(document: dict[str, Any]) -> None:
    config = parse_config(document)
    planner = Planner(config)
    for route in ("jobs", "search"):
        for zip_code in ("90011", "60629", "12345", "Washington, DC"):
            for attempt in range(20):
                expected = plan_request(config, route, zip_code, attempt)
                assert planner.plan(route, zip_code, attempt) == expected


def test_nothing_to_draw_is_one_constant_plan() -> None:
    planner = Planner(parse_config({}))
    assert planner.plan("jobs", "90011", 0) is NOTHING
    assert planner.routes["jobs"].constant is NOTHING
