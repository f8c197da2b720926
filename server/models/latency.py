"""Latency models: each maps uniform draws to a delay in seconds, with no hidden state.

A model's `quantile(u)` is its inverse CDF, so a draw is `quantile(u)` for a keyed uniform
`u` and the model's own quantiles can be checked exactly. A mixture uses a second uniform
to pick its component, so adding a component never shifts the other draws.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Final, TypeAlias

Z99: Final = NormalDist().inv_cdf(0.99)  # ≈ 2.3263: how many sigmas p99 lies above the median
_STANDARD: Final = NormalDist()
_EDGE: Final = 1e-12  # keeps inv_cdf away from 0 and 1, where it is infinite


def _open(u: float) -> float:
    return min(max(u, _EDGE), 1.0 - _EDGE)


@dataclass(frozen=True, slots=True)
class Fixed:
    """Every request waits exactly `value` seconds."""

    value: float

    def quantile(self, u: float) -> float:
        """The delay at cumulative probability `u`."""
        return self.value


@dataclass(frozen=True, slots=True)
class Uniform:
    """Delays spread evenly over [low, high]."""

    low: float
    high: float

    def quantile(self, u: float) -> float:
        """The delay at cumulative probability `u`."""
        return self.low + (self.high - self.low) * u


@dataclass(frozen=True, slots=True)
class Normal:
    """Normal delays, clamped at zero (so the mean shifts up when stddev is large)."""

    mean: float
    stddev: float

    def quantile(self, u: float) -> float:
        """The delay at cumulative probability `u`."""
        return max(0.0, self.mean + self.stddev * _STANDARD.inv_cdf(_open(u)))


@dataclass(frozen=True, slots=True)
class LogNormal:
    """Log-normal delays given by their median and p99, the way latency is usually quoted."""

    median: float
    p99: float

    @property
    def sigma(self) -> float:
        """The log-space standard deviation implied by median and p99."""
        return math.log(self.p99 / self.median) / Z99

    def quantile(self, u: float) -> float:
        """The delay at cumulative probability `u`."""
        return self.median * math.exp(self.sigma * _STANDARD.inv_cdf(_open(u)))


@dataclass(frozen=True, slots=True)
class Percentiles:
    """A monotone table of (probability, delay) points, interpolated linearly between them.

    The table always starts at probability 0 (`min`, default 0 s) and ends at 1 (`max`).
    """

    points: tuple[tuple[float, float], ...]

    def quantile(self, u: float) -> float:
        """The delay at cumulative probability `u`."""
        probabilities = [p for p, _ in self.points]
        i = bisect.bisect_right(probabilities, u)
        if i >= len(self.points):
            return self.points[-1][1]
        (p0, d0), (p1, d1) = self.points[i - 1], self.points[i]
        return d0 + (d1 - d0) * (u - p0) / (p1 - p0)


@dataclass(frozen=True, slots=True)
class Mixture:
    """A weighted choice among models; `weights` are normalised to sum to 1."""

    weights: tuple[float, ...]
    models: tuple[LatencyModel, ...]

    def component(self, u: float) -> tuple[int, float]:
        """Which component the choice-uniform `u` picks, and `u` rescaled within its share.

        The rescaled value is again uniform on [0, 1), so a nested mixture can choose with it.
        """
        start = 0.0
        for index, weight in enumerate(self.weights):
            if u < start + weight or index == len(self.weights) - 1:
                return index, min(max((u - start) / weight, 0.0), 1.0 - _EDGE)
            start += weight
        raise AssertionError("unreachable: a mixture has at least one component")

    def quantile(self, u: float) -> float:
        """The mixture's inverse CDF, by bisection on its CDF (used to check, not to draw)."""
        low, high = 0.0, max(_upper(model) for model in self.models)
        for _ in range(100):
            mid = (low + high) / 2
            if self.cdf(mid) < u:
                low = mid
            else:
                high = mid
        return high

    def cdf(self, delay: float) -> float:
        """P(draw <= delay)."""
        return sum(w * _cdf(m, delay) for w, m in zip(self.weights, self.models, strict=True))


LatencyModel: TypeAlias = Fixed | Uniform | Normal | LogNormal | Percentiles | Mixture

ZERO: Final[LatencyModel] = Fixed(0.0)


def draw_latency(model: LatencyModel, u_value: float, u_choice: float) -> float:
    """The delay for one request: `u_choice` picks a mixture component, `u_value` the delay."""
    while isinstance(model, Mixture):
        index, u_choice = model.component(u_choice)
        model = model.models[index]
    return model.quantile(u_value)


def _upper(model: LatencyModel) -> float:
    """A delay no draw of `model` exceeds, in practice (for bisection bounds)."""
    return (
        model.quantile(1.0 - 1e-9)
        if not isinstance(model, Mixture)
        else max(_upper(m) for m in model.models)
    )


def _cdf(model: LatencyModel, delay: float) -> float:
    """P(draw <= delay) for any model, by bisection on its quantile function."""
    if isinstance(model, Mixture):
        return model.cdf(delay)
    if isinstance(model, Fixed):
        return 1.0 if delay >= model.value else 0.0
    low, high = 0.0, 1.0
    for _ in range(60):
        mid = (low + high) / 2
        if model.quantile(mid) <= delay:
            low = mid
        else:
            high = mid
    return low


def describe(model: LatencyModel) -> str:
    """A short human description, e.g. `lognormal(median=0.3, p99=3)`."""
    if isinstance(model, Mixture):
        parts = ", ".join(
            f"{w:.0%} {describe(m)}" for w, m in zip(model.weights, model.models, strict=True)
        )
        return f"mixture({parts})"
    if isinstance(model, Percentiles):
        return "percentiles(" + ", ".join(f"p{p * 100:g}={d:g}" for p, d in model.points) + ")"
    fields = ", ".join(f"{name}={getattr(model, name):g}" for name in model.__slots__)
    return f"{type(model).__name__.lower()}({fields})"


def scaled(model: LatencyModel, factor: float) -> LatencyModel:
    """`model` with every delay multiplied by `factor` (the scenario's 1 / speed)."""
    if factor == 1.0:
        return model
    if isinstance(model, Fixed):
        return Fixed(model.value * factor)
    if isinstance(model, Uniform):
        return Uniform(model.low * factor, model.high * factor)
    if isinstance(model, Normal):
        return Normal(model.mean * factor, model.stddev * factor)
    if isinstance(model, LogNormal):
        return LogNormal(model.median * factor, model.p99 * factor)
    if isinstance(model, Percentiles):
        return Percentiles(tuple((p, d * factor) for p, d in model.points))
    return Mixture(model.weights, tuple(scaled(m, factor) for m in model.models))
