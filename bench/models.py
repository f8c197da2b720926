"""The requested quantiles of a latency-model document, computed independently of the server.

A model is the same JSON-ready table a scenario's `[server] latency` holds. These functions
are deliberately a second implementation (closed forms and a bisection), so the distribution
benchmark checks the server's draws against the specification, not against its own code.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from statistics import NormalDist
from typing import Any, Final

Model = Mapping[str, Any]
_NORMAL: Final = NormalDist()
_Z99: Final = _NORMAL.inv_cdf(0.99)
_BISECTIONS: Final = 200


def scaled(model: Model, factor: float) -> dict[str, Any]:
    """The same model with every delay multiplied by `factor` (1 / speed)."""
    if model["model"] == "mixture":
        return {"model": "mixture", "components": [scaled(c, factor) for c in model["components"]]}
    return {k: v if k in ("model", "weight") else v * factor for k, v in model.items()}


def table_points(model: Model) -> list[tuple[float, float]]:
    """A percentiles model's (probability, delay) points, from min (default 0) to max."""
    points = [(float(k[1:]) / 100, float(v)) for k, v in model.items() if k.startswith("p")]
    points.sort()
    points.insert(0, (0.0, float(model.get("min", 0.0))))
    points.append((1.0, float(model.get("max", points[-1][1]))))
    return points


def cdf(model: Model, delay: float) -> float:
    """P(draw ≤ delay)."""
    name = model["model"]
    if name == "fixed":
        return 1.0 if delay >= model["value"] else 0.0
    if name == "uniform":
        low, high = model["low"], model["high"]
        return 1.0 if delay >= high else max(0.0, (delay - low) / (high - low))
    if name == "lognormal":
        if delay <= 0:
            return 0.0
        sigma = math.log(model["p99"] / model["median"]) / _Z99
        return _NORMAL.cdf(math.log(delay / model["median"]) / sigma)
    if name == "percentiles":
        return _table_cdf(table_points(model), delay)
    if name == "mixture":
        total = sum(c["weight"] for c in model["components"])
        return float(sum(c["weight"] / total * cdf(c, delay) for c in model["components"]))
    raise ValueError(f"unknown latency model {name!r}")


def _table_cdf(points: list[tuple[float, float]], delay: float) -> float:
    for (p0, d0), (p1, d1) in itertools.pairwise(points):
        if delay < d1:
            return p0 if d1 == d0 else p0 + (p1 - p0) * max(0.0, delay - d0) / (d1 - d0)
    return 1.0


def quantile(model: Model, q: float) -> float:
    """The delay at cumulative probability q: closed forms, else bisection on the CDF."""
    name = model["model"]
    if name == "lognormal":
        sigma = math.log(model["p99"] / model["median"]) / _Z99
        return float(model["median"] * math.exp(sigma * _NORMAL.inv_cdf(q)))
    if q >= 1.0:
        return upper(model)
    low, high = 0.0, upper(model)
    for _ in range(_BISECTIONS):
        middle = (low + high) / 2
        if cdf(model, middle) < q:
            low = middle
        else:
            high = middle
    return high


def upper(model: Model) -> float:
    """A delay no draw exceeds (for a log-normal, its 1 − 1e-9 quantile)."""
    name = model["model"]
    if name == "fixed":
        return float(model["value"])
    if name == "uniform":
        return float(model["high"])
    if name == "lognormal":
        return quantile(model, 1 - 1e-9)
    if name == "percentiles":
        return table_points(model)[-1][1]
    return max(upper(c) for c in model["components"])
