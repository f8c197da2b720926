"""Keyed uniforms: pure, repeatable, uniform, and independent across purposes."""

from __future__ import annotations

from collections import Counter
from statistics import fmean, pvariance

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.models.rng import keyed_uniform


@given(
    seed=st.integers(-(2**63), 2**63),
    route=st.text(max_size=10),
    zip_code=st.text(max_size=10),
    attempt=st.integers(0, 10**6),
    purpose=st.text(max_size=10),
)
def test_keyed_uniform_is_in_the_unit_interval_and_repeatable(
    seed: int, route: str, zip_code: str, attempt: int, purpose: str
) -> None:
    u = keyed_uniform(seed, route, zip_code, attempt, purpose)
    assert 0.0 <= u < 1.0
    assert keyed_uniform(seed, route, zip_code, attempt, purpose) == u


@pytest.mark.parametrize(
    "changed",
    [
        pytest.param((1, "jobs", "90011", 0, "latency"), id="seed"),
        pytest.param((0, "search", "90011", 0, "latency"), id="route"),
        pytest.param((0, "jobs", "90012", 0, "latency"), id="zip"),
        pytest.param((0, "jobs", "90011", 1, "latency"), id="attempt"),
        pytest.param((0, "jobs", "90011", 0, "fault"), id="purpose"),
    ],
)
def test_keyed_uniform_depends_on_every_part_of_the_key(
    changed: tuple[int, str, str, int, str],
) -> None:
    assert keyed_uniform(*changed) != keyed_uniform(0, "jobs", "90011", 0, "latency")


def test_keyed_uniforms_look_uniform() -> None:
    values = [keyed_uniform(0, "jobs", f"{i:05d}", 0, "latency") for i in range(20_000)]
    assert fmean(values) == pytest.approx(0.5, abs=0.01)
    assert pvariance(values) == pytest.approx(1 / 12, rel=0.03)
    deciles = Counter(int(u * 10) for u in values)
    assert set(deciles) == set(range(10))
    assert all(count == pytest.approx(2_000, rel=0.08) for count in deciles.values())


def test_keyed_uniforms_for_different_purposes_are_uncorrelated() -> None:
    pairs = [
        (
            keyed_uniform(0, "jobs", f"{i:05d}", 0, "latency"),
            keyed_uniform(0, "jobs", f"{i:05d}", 0, "fault"),
        )
        for i in range(20_000)
    ]
    mean_x = fmean(x for x, _ in pairs)
    mean_y = fmean(y for _, y in pairs)
    covariance = fmean((x - mean_x) * (y - mean_y) for x, y in pairs)
    assert abs(covariance / (1 / 12)) < 0.03  # the correlation coefficient
