"""Latency models: inverse CDFs checked exactly, and many keyed draws checked statistically."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from statistics import NormalDist, fmean, pstdev

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.models.latency import (
    Fixed,
    LatencyModel,
    LogNormal,
    Mixture,
    Normal,
    Percentiles,
    Uniform,
    describe,
    draw_latency,
    scaled,
)
from server.models.rng import keyed_uniform

N = 20_000


def draws(model: LatencyModel, n: int = N, seed: int = 7) -> list[float]:
    """`n` delays drawn the way the server draws them: keyed uniforms, nothing global."""
    return [
        draw_latency(
            model,
            keyed_uniform(seed, "test", str(i), 0, "latency"),
            keyed_uniform(seed, "test", str(i), 0, "component"),
        )
        for i in range(n)
    ]


def sample_quantile(values: list[float], q: float) -> float:
    """The q-quantile of a sample (nearest rank on the sorted values)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def share(values: list[float], predicate: Callable[[float], bool]) -> float:
    """The fraction of `values` for which `predicate` holds."""
    return sum(1 for v in values if predicate(v)) / len(values)


# --- fixed ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [pytest.param(0.0, id="zero"), pytest.param(0.25, id="quarter")])
def test_fixed_draws_are_exactly_the_value(value: float) -> None:
    model = Fixed(value)
    assert set(draws(model, 2_000)) == {value}
    assert model.quantile(0.0) == model.quantile(0.999) == value


# --- uniform -------------------------------------------------------------------------------


def test_uniform_draws_stay_within_bounds_and_fill_them() -> None:
    model = Uniform(0.2, 1.2)
    values = draws(model)
    assert all(0.2 <= v <= 1.2 for v in values)
    # The extremes of 20,000 uniform draws come within 0.1% of the range of each bound.
    assert min(values) == pytest.approx(0.2, abs=0.001)
    assert max(values) == pytest.approx(1.2, abs=0.001)
    assert sample_quantile(values, 0.5) == pytest.approx(0.7, abs=0.02)
    assert sample_quantile(values, 0.25) == pytest.approx(0.45, abs=0.02)
    assert fmean(values) == pytest.approx(0.7, abs=0.01)


def test_uniform_quantile_is_linear() -> None:
    model = Uniform(1.0, 3.0)
    assert model.quantile(0.0) == 1.0
    assert model.quantile(0.5) == 2.0
    assert model.quantile(1.0) == 3.0


# --- normal --------------------------------------------------------------------------------


def test_normal_draws_match_mean_and_stddev() -> None:
    model = Normal(1.0, 0.1)  # ten sigmas from zero: the clamp never bites
    values = draws(model)
    assert fmean(values) == pytest.approx(1.0, abs=0.005)
    assert pstdev(values) == pytest.approx(0.1, rel=0.05)
    assert sample_quantile(values, 0.5) == pytest.approx(1.0, abs=0.005)
    assert sample_quantile(values, 0.99) == pytest.approx(1.0 + 0.1 * 2.3263, rel=0.02)


def test_normal_is_clamped_at_zero() -> None:
    model = Normal(0.1, 1.0)
    values = draws(model)
    assert min(values) == 0.0
    assert all(v >= 0.0 for v in values)
    expected_zero_share = NormalDist(0.1, 1.0).cdf(0.0)  # ≈ 0.46
    assert share(values, lambda v: v == 0.0) == pytest.approx(expected_zero_share, abs=0.015)
    # Above the clamp the distribution is untouched.
    assert sample_quantile(values, 0.9) == pytest.approx(
        NormalDist(0.1, 1.0).inv_cdf(0.9), rel=0.05
    )


@pytest.mark.parametrize(
    "u", [pytest.param(0.0, id="zero"), pytest.param(1.0, id="one"), pytest.param(0.5, id="half")]
)
def test_normal_quantile_is_finite_at_the_edges(u: float) -> None:
    value = Normal(0.5, 0.1).quantile(u)
    assert math.isfinite(value)
    assert value >= 0.0


# --- lognormal -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("median", "p99"),
    [
        pytest.param(0.3, 3.0, id="talk-like"),
        pytest.param(0.05, 0.2, id="fast"),
        pytest.param(1.0, 1.5, id="narrow"),
    ],
)
def test_lognormal_draws_hit_median_and_p99(median: float, p99: float) -> None:
    values = draws(LogNormal(median, p99))
    assert sample_quantile(values, 0.5) == pytest.approx(median, rel=0.05)
    assert sample_quantile(values, 0.99) == pytest.approx(p99, rel=0.05)
    assert all(v > 0 for v in values)


def test_lognormal_quantile_is_exact_at_median_and_p99() -> None:
    model = LogNormal(0.3, 3.0)
    assert model.quantile(0.5) == pytest.approx(0.3, rel=1e-12)
    assert model.quantile(0.99) == pytest.approx(3.0, rel=1e-9)
    # sigma is log(p99 / median) over the 99th standard-normal quantile.
    assert model.sigma == pytest.approx(math.log(10.0) / NormalDist().inv_cdf(0.99))


def test_lognormal_with_equal_median_and_p99_is_constant() -> None:
    model = LogNormal(0.4, 0.4)
    assert model.sigma == 0.0
    assert all(v == pytest.approx(0.4) for v in draws(model, 500))


# --- percentiles ---------------------------------------------------------------------------

TABLE = Percentiles(((0.0, 0.01), (0.5, 0.1), (0.9, 0.5), (0.99, 2.0), (1.0, 4.0)))


@pytest.mark.parametrize(
    ("p", "delay"), [pytest.param(p, d, id=f"p{p * 100:g}") for p, d in TABLE.points]
)
def test_percentiles_hit_their_points_exactly(p: float, delay: float) -> None:
    assert TABLE.quantile(p) == delay


@pytest.mark.parametrize(
    ("u", "expected"),
    [
        pytest.param(0.25, 0.01 + (0.1 - 0.01) * 0.5, id="mid-first-segment"),
        pytest.param(0.7, 0.3, id="mid-second-segment"),
        pytest.param(0.945, 1.25, id="mid-third-segment"),
        pytest.param(0.995, 3.0, id="mid-last-segment"),
    ],
)
def test_percentiles_interpolate_linearly(u: float, expected: float) -> None:
    assert TABLE.quantile(u) == pytest.approx(expected)


@given(segment=st.integers(0, len(TABLE.points) - 2), t=st.floats(0.0, 1.0))
def test_percentiles_are_linear_on_every_segment(segment: int, t: float) -> None:
    (p0, d0), (p1, d1) = TABLE.points[segment], TABLE.points[segment + 1]
    u = p0 + t * (p1 - p0)
    assert TABLE.quantile(u) == pytest.approx(d0 + (u - p0) / (p1 - p0) * (d1 - d0), abs=1e-12)


@given(a=st.floats(0.0, 1.0), b=st.floats(0.0, 1.0))
def test_percentiles_are_monotone(a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert TABLE.quantile(low) <= TABLE.quantile(high)


def test_percentile_draws_follow_the_table() -> None:
    values = draws(TABLE)
    assert all(0.01 <= v <= 4.0 for v in values)
    for p, delay in TABLE.points[1:-1]:
        assert share(values, lambda v, d=delay: v <= d) == pytest.approx(p, abs=0.01)


# --- mixtures ------------------------------------------------------------------------------

STALL = Mixture((0.97, 0.03), (LogNormal(0.1, 0.5), Uniform(2.0, 5.0)))


def test_mixture_draws_each_component_in_its_share() -> None:
    values = draws(STALL)
    stalls = [v for v in values if v >= 2.0]
    # A lognormal with median 0.1 and p99 0.5 is practically never >= 2 s.
    assert len(stalls) / len(values) == pytest.approx(0.03, abs=0.005)
    assert all(2.0 <= v <= 5.0 for v in stalls)
    fast = [v for v in values if v < 2.0]
    assert sample_quantile(fast, 0.5) == pytest.approx(0.1, rel=0.05)


def test_mixture_of_three_components() -> None:
    model = Mixture((0.5, 0.3, 0.2), (Fixed(1.0), Fixed(2.0), Fixed(3.0)))
    values = draws(model)
    for value, weight in ((1.0, 0.5), (2.0, 0.3), (3.0, 0.2)):
        assert share(values, lambda v, x=value: v == x) == pytest.approx(weight, abs=0.015)


def test_nested_mixture_multiplies_the_weights() -> None:
    inner = Mixture((0.5, 0.5), (Fixed(1.0), Fixed(2.0)))
    model = Mixture((0.4, 0.6), (inner, Fixed(3.0)))
    values = draws(model)
    assert share(values, lambda v: v == 1.0) == pytest.approx(0.2, abs=0.015)
    assert share(values, lambda v: v == 2.0) == pytest.approx(0.2, abs=0.015)
    assert share(values, lambda v: v == 3.0) == pytest.approx(0.6, abs=0.015)


@given(u=st.floats(0.0, 1.0, exclude_max=True))
def test_mixture_component_rescales_into_the_unit_interval(u: float) -> None:
    model = Mixture((0.25, 0.75), (Fixed(1.0), Fixed(2.0)))
    index, rescaled = model.component(u)
    assert index == (0 if u < 0.25 else 1)
    assert 0.0 <= rescaled < 1.0
    expected = u / 0.25 if index == 0 else (u - 0.25) / 0.75
    assert rescaled == pytest.approx(expected, abs=1e-9)


def test_mixture_cdf_and_quantile_agree_with_draws() -> None:
    values = draws(STALL)
    assert STALL.cdf(2.0) == pytest.approx(0.97, abs=1e-3)
    assert share(values, lambda v: v <= 2.0) == pytest.approx(STALL.cdf(2.0), abs=0.005)
    for q in (0.5, 0.9):
        assert STALL.quantile(q) == pytest.approx(sample_quantile(values, q), rel=0.05)
    # p99 lies in the stall: 2 s plus a third of the way into the 2-5 s uniform.
    assert STALL.quantile(0.99) == pytest.approx(2.0 + 3.0 * (0.99 - 0.97) / 0.03, rel=0.01)


def test_non_mixture_draws_ignore_the_choice_uniform() -> None:
    rng = random.Random(11)
    model = LogNormal(0.3, 3.0)
    for _ in range(200):
        u = rng.random()
        assert draw_latency(model, u, rng.random()) == draw_latency(model, u, rng.random())


# --- scaled and describe -------------------------------------------------------------------

MODELS = [
    pytest.param(Fixed(0.5), id="fixed"),
    pytest.param(Uniform(0.1, 0.9), id="uniform"),
    pytest.param(Normal(0.5, 0.2), id="normal"),
    pytest.param(LogNormal(0.3, 3.0), id="lognormal"),
    pytest.param(TABLE, id="percentiles"),
    pytest.param(STALL, id="mixture"),
    pytest.param(Mixture((0.5, 0.5), (STALL, Fixed(1.0))), id="nested-mixture"),
]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("factor", [pytest.param(0.5, id="speed2"), pytest.param(4.0, id="slow4")])
def test_scaled_multiplies_every_delay(model: LatencyModel, factor: float) -> None:
    faster = scaled(model, factor)
    rng = random.Random(3)
    for _ in range(200):
        u_value, u_choice = rng.random(), rng.random()
        assert draw_latency(faster, u_value, u_choice) == pytest.approx(
            factor * draw_latency(model, u_value, u_choice), rel=1e-9, abs=1e-12
        )


@pytest.mark.parametrize("model", MODELS)
def test_scaled_by_one_is_the_same_model(model: LatencyModel) -> None:
    assert scaled(model, 1.0) == model


def test_scaled_by_one_over_speed_divides_delays() -> None:
    speed = 4.0
    assert scaled(LogNormal(0.4, 2.0), 1.0 / speed) == LogNormal(0.1, 0.5)
    assert scaled(Uniform(2.0, 5.0), 1.0 / speed) == Uniform(0.5, 1.25)


@pytest.mark.parametrize(
    ("model", "fragments"),
    [
        pytest.param(Fixed(0.3), ["fixed", "value=0.3"], id="fixed"),
        pytest.param(Uniform(2.0, 5.0), ["uniform", "low=2", "high=5"], id="uniform"),
        pytest.param(Normal(0.5, 0.1), ["normal", "mean=0.5", "stddev=0.1"], id="normal"),
        pytest.param(LogNormal(0.3, 3.0), ["lognormal", "median=0.3", "p99=3"], id="lognormal"),
        pytest.param(TABLE, ["percentiles", "p50=0.1", "p99=2"], id="percentiles"),
        pytest.param(STALL, ["mixture", "97% lognormal", "3% uniform"], id="mixture"),
    ],
)
def test_describe_names_the_model(model: LatencyModel, fragments: list[str]) -> None:
    text = describe(model)
    for fragment in fragments:
        assert fragment in text
