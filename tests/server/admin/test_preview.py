"""The preview's pure arithmetic, and what it predicts for whole workloads."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.admin.preview import duration, effective_slots, makespan, preview, rate_floor
from server.api import envelopes
from server.api.zipsets import MEMPY_2015_TOTAL, ZIP_SETS
from server.config.parser import parse_config
from server.config.plan import Plan
from server.config.settings import ServerConfig
from server.models.faults import Fault
from server.models.rng import keyed_uniform

MEMPY = ZIP_SETS["mempy-2015"]
KW = {"hang_cap": 30.0, "slow_bps": 1000.0}


def config(speed: float = 1.0, seed: int = 0, **section: Any) -> ServerConfig:
    return parse_config({"seed": seed, "speed": speed, "server": section})


# --- duration ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plan", "timeout", "body", "expected"),
    [
        pytest.param(Plan(0.4, None, **KW), None, 0, 0.4, id="plain"),
        pytest.param(Plan(0.4, None, **KW), 0.3, 0, 0.3, id="plain-timed-out"),
        pytest.param(Plan(0.4, Fault.ERROR_500, **KW), None, 0, 0.4, id="error-takes-the-delay"),
        pytest.param(Plan(0.4, Fault.HANG, **KW), None, 0, 30.0, id="hang-to-the-cap"),
        pytest.param(Plan(0.4, Fault.HANG, **KW), 5.0, 0, 5.0, id="hang-to-the-timeout"),
        pytest.param(Plan(0.4, Fault.HANG, **KW), 60.0, 0, 30.0, id="hang-cap-below-timeout"),
        pytest.param(Plan(0.4, Fault.SLOW_BODY, **KW), None, 2500, 2.9, id="slow-body"),
        pytest.param(Plan(0.4, Fault.SLOW_BODY, **KW), 2.0, 2500, 2.0, id="slow-body-timed-out"),
    ],
)
def test_duration(plan: Plan, timeout: float | None, body: int, expected: float) -> None:
    assert duration(plan, timeout, body) == pytest.approx(expected)


# --- makespan ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("durations", "slots", "expected"),
    [
        pytest.param([], 3, 0.0, id="nothing"),
        pytest.param([], None, 0.0, id="nothing-unlimited"),
        pytest.param([1.0, 2.0, 3.0], 1, 6.0, id="one-slot-sums"),
        pytest.param([1.0, 2.0, 3.0], None, 3.0, id="unlimited-is-max"),
        pytest.param([1.0, 2.0, 3.0], 3, 3.0, id="as-many-slots-as-jobs"),
        pytest.param([1.0, 2.0, 3.0], 10, 3.0, id="more-slots-than-jobs"),
        # slot A: 3; slot B: 1, then 2 (free at 1) -> 3; then 4 on either -> 7
        pytest.param([3.0, 1.0, 2.0, 4.0], 2, 7.0, id="list-scheduling"),
        # slot A: 5; slot B: 1 + 1 + 1 + 1 = 4 -> 5
        pytest.param([5.0, 1.0, 1.0, 1.0, 1.0], 2, 5.0, id="long-job-first"),
        # in order, not sorted: 1 and 1 run, then 5 goes after a 1 -> 6 (sorted LPT would be 5)
        pytest.param([1.0, 1.0, 5.0, 1.0, 1.0, 1.0], 2, 6.0, id="started-in-order"),
        pytest.param([2.0] * 10, 3, 8.0, id="equal-jobs-ceil"),
    ],
)
def test_makespan(durations: list[float], slots: int | None, expected: float) -> None:
    assert makespan(durations, slots) == pytest.approx(expected)


durations_lists = st.lists(st.floats(0.0, 100.0), min_size=1, max_size=60)


@given(durations=durations_lists)
def test_makespan_on_one_slot_is_the_sum_and_unlimited_is_the_max(durations: list[float]) -> None:
    assert makespan(durations, 1) == pytest.approx(sum(durations))
    assert makespan(durations, None) == max(durations)
    assert makespan(durations, len(durations)) == max(durations)


@given(durations=durations_lists, slots=st.integers(1, 80))
def test_makespan_lies_within_the_list_scheduling_bounds(
    durations: list[float], slots: int
) -> None:
    span = makespan(durations, slots)
    lower = max(max(durations), sum(durations) / slots)
    upper = sum(durations) / slots + max(durations)  # Graham's bound for list scheduling
    assert lower - 1e-6 <= span <= upper + 1e-6


# --- effective_slots and rate_floor --------------------------------------------------------


@pytest.mark.parametrize(
    ("capacity", "concurrency", "expected"),
    [
        pytest.param(None, 0, None, id="unlimited"),
        pytest.param(None, -1, None, id="negative-is-unlimited"),
        pytest.param(None, 5, 5, id="client-limit"),
        pytest.param({"workers": 4}, 0, 4, id="server-limit"),
        pytest.param({"workers": 4}, 2, 2, id="client-below-server"),
        pytest.param({"workers": 4, "queue": 100}, 10, 4, id="server-below-client"),
    ],
)
def test_effective_slots(
    capacity: dict[str, int] | None, concurrency: int, expected: int | None
) -> None:
    section = {"capacity": capacity} if capacity else {}
    assert effective_slots(config(**section), concurrency) == expected


@pytest.mark.parametrize(
    ("limit", "speed", "requests", "expected"),
    [
        pytest.param(None, 1.0, 1000, 0.0, id="no-limit"),
        pytest.param({"rate": 2, "burst": 10}, 1.0, 10, 0.0, id="within-burst"),
        pytest.param({"rate": 2, "burst": 10}, 1.0, 30, 10.0, id="twenty-over-at-two-a-second"),
        pytest.param({"rate": 2, "burst": 10}, 4.0, 30, 2.5, id="speed-refills-faster"),
        pytest.param({"rate": 0.5, "burst": 1}, 1.0, 3, 4.0, id="slow"),
    ],
)
def test_rate_floor(
    limit: dict[str, float] | None, speed: float, requests: int, expected: float
) -> None:
    section = {"rate_limit": limit} if limit else {}
    assert rate_floor(config(speed, **section), requests) == pytest.approx(expected)


# --- preview -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [pytest.param(0, id="seed0"), pytest.param(12345, id="seed12345")])
def test_mempy_expected_total_is_the_talks_1651(seed: int) -> None:
    result = preview(config(seed=seed), MEMPY)
    assert result["expected_total"] == 1651 == MEMPY_2015_TOTAL
    assert result["requests"] == 100
    assert [row["zip"] for row in result["zips"]] == list(MEMPY)


@pytest.mark.parametrize(
    ("speed", "value"), [pytest.param(1.0, 0.3, id="speed1"), pytest.param(3.0, 0.3, id="speed3")]
)
def test_fixed_latency_gives_that_latency_per_zip(speed: float, value: float) -> None:
    result = preview(
        config(speed, latency={"model": "fixed", "value": value}),
        MEMPY,
        concurrency=(0, 1, 10, 7),
    )
    each = value / speed
    assert all(row["delay"] == pytest.approx(each) for row in result["zips"])
    assert all(row["wait"] == pytest.approx(each) for row in result["zips"])
    assert all(row["fault"] is None for row in result["zips"])
    assert result["faults"] == {}
    latency = result["latency"]
    for name in ("mean", "p50", "p90", "p95", "p99", "max"):
        assert latency[name] == pytest.approx(each)
    assert latency["sum"] == pytest.approx(100 * each)
    assert result["makespans"]["0"] == pytest.approx(each)
    assert result["makespans"]["1"] == pytest.approx(100 * each)
    assert result["makespans"]["10"] == pytest.approx(10 * each)
    assert result["makespans"]["7"] == pytest.approx(math.ceil(100 / 7) * each)
    assert result["slower_than_timeout"] == 0.0


def test_capacity_and_rate_limit_bound_the_makespans() -> None:
    section = {
        "latency": {"model": "fixed", "value": 0.1},
        "capacity": {"workers": 4, "queue": 1000},
        "rate_limit": {"rate": 10, "burst": 60},
    }
    result = preview(config(**section), MEMPY, concurrency=(0, 2))
    assert result["rate_limit_floor"] == pytest.approx((100 - 60) / 10)
    # Four workers take 25 rounds of 0.1 s = 2.5 s, under the 4 s the bucket allows: floor wins.
    assert result["makespans"]["0"] == pytest.approx(4.0)
    # Two client slots take 50 rounds = 5 s, over the floor.
    assert result["makespans"]["2"] == pytest.approx(5.0)


def test_share_slower_than_timeout_matches_the_keyed_draws() -> None:
    zips = [f"{i:05d}" for i in range(400)]
    result = preview(
        config(seed=7, latency={"model": "uniform", "low": 0, "high": 2}), zips, timeout=1.0
    )
    # Independently: a uniform(0, 2) delay is 2u for the request's latency uniform u.
    slow = [z for z in zips if 2 * keyed_uniform(7, "jobs", z, 0, "latency") >= 1.0]
    assert result["slower_than_timeout"] == pytest.approx(len(slow) / len(zips))
    assert result["slower_than_timeout"] == pytest.approx(0.5, abs=0.08)
    for row in result["zips"]:
        assert row["wait"] == pytest.approx(min(row["delay"], 1.0))
        assert row["delay"] == pytest.approx(2 * keyed_uniform(7, "jobs", row["zip"], 0, "latency"))
    latency = result["latency"]
    assert latency["p50"] <= latency["p90"] <= latency["p95"] <= latency["p99"] <= latency["max"]
    assert latency["max"] <= 1.0


def test_hangs_wait_for_the_timeout_or_the_cap() -> None:
    section = {"faults": {"hang": 1.0, "hang_cap": 20}}
    timed = preview(config(**section), MEMPY, timeout=5.0)
    assert timed["faults"] == {"hang": 100}
    assert timed["slower_than_timeout"] == 1.0
    assert {row["wait"] for row in timed["zips"]} == {5.0}
    untimed = preview(config(**section), MEMPY)
    assert {row["wait"] for row in untimed["zips"]} == {20.0}
    assert untimed["slower_than_timeout"] == 0.0  # no timeout, nothing is "slower" than it


def test_slow_bodies_add_the_body_time() -> None:
    zips = MEMPY[:10]
    section = {
        "latency": {"model": "fixed", "value": 0.5},
        "faults": {"slow_body": 1.0, "slow_body_bps": 4096},
    }
    result = preview(config(**section), zips, per_page=25)
    for row in result["zips"]:
        size = len(envelopes.render_jobs(0, row["zip"], 25, 1))
        assert row["fault"] == "slow_body"
        assert row["wait"] == pytest.approx(0.5 + size / 4096)


def test_search_route_uses_its_own_page_size() -> None:
    zips = MEMPY[:5]
    section = {"faults": {"slow_body": 1.0, "slow_body_bps": 1000}}
    result = preview(config(**section), zips, route="search")
    assert result["route"] == "search"
    for row in result["zips"]:
        size = len(envelopes.render_search(0, row["zip"], 250, 1))
        assert row["wait"] == pytest.approx(size / 1000)


def test_empty_workload() -> None:
    result = preview(config(), [], timeout=1.0)
    assert result["requests"] == 0
    assert result["expected_total"] == 0
    assert result["latency"]["mean"] == 0.0
    assert result["latency"]["max"] == 0.0
    assert result["slower_than_timeout"] == 0.0
    assert result["makespans"] == {"0": 0.0}


def test_hang_duration_follows_the_speed() -> None:
    result = preview(config(2.0, faults={"hang": 1.0, "hang_cap": 30}), MEMPY[:5])
    assert {row["wait"] for row in result["zips"]} == {15.0}


def test_slow_body_duration_follows_the_speed() -> None:
    zips = MEMPY[:5]
    section = {"faults": {"slow_body": 1.0, "slow_body_bps": 1000}}
    result = preview(config(4.0, **section), zips)
    for row in result["zips"]:
        size = len(envelopes.render_jobs(0, row["zip"], 25, 1))
        assert row["wait"] == pytest.approx(size / (1000 * 4.0))


def test_slow_bodies_cut_by_the_timeout_count_as_slower() -> None:
    section = {
        "latency": {"model": "fixed", "value": 0.1},
        "faults": {"slow_body": 1.0, "slow_body_bps": 10},
    }
    result = preview(config(**section), MEMPY[:5], timeout=2.0)
    assert {row["wait"] for row in result["zips"]} == {2.0}  # every one is cut at the timeout
    assert result["slower_than_timeout"] == 1.0
