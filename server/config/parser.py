"""The configuration parser: a document in, a `ServerConfig` out, validated in one place.

A configuration document mirrors a scenario file's top level: `seed`, `speed` and the
`[server]` table. Every error names the dotted key (`server.latency.p99`) and, for a typo,
the valid keys. The keys and bounds below are the ones `server.openapi.scenario` declares.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from ..errors import ScenarioError
from ..models.faults import FAULT_KEYS, NO_FAULTS, RATE_NAMES, FaultRates
from ..models.latency import (
    ZERO,
    Fixed,
    LatencyModel,
    LogNormal,
    Mixture,
    Normal,
    Percentiles,
    Uniform,
)
from .documents import MAX_DEPTH, as_integer, check_keys, shown, too_deep, unknown_key
from .settings import (
    ROUTES,
    Abandon,
    Capacity,
    Override,
    Phase,
    RateLimit,
    ServerConfig,
)

TOP_KEYS: Final = ("seed", "speed", "server")
SERVER_KEYS: Final = (
    "latency", "faults", "rate_limit", "capacity", "routes", "zips", "require_key", "phases",
)  # fmt: skip
PHASE_KEYS: Final = ("name", "at", "for", "latency", "latency_scale", "faults", "capacity")
CAPACITY_KEYS: Final = ("workers", "queue", "abandon")
ABANDON: Final = tuple(choice.value for choice in Abandon)
MAX_RUN: Final = 86_400.0  # seconds: a phase starts and ends within a day of the reset
MAX_PHASES: Final = 100
SCALE: Final = (1e-3, 1e3)  # a phase's latency_scale
OVERRIDE_KEYS: Final = ("latency", "faults")
MODEL_KEYS: Final = {
    "fixed": ("value",),
    "uniform": ("low", "high"),
    "normal": ("mean", "stddev"),
    "lognormal": ("median", "p99"),
    "percentiles": (),  # p<N> keys, min and max: checked by _percentiles
    "mixture": ("components",),
}
_PERCENTILE_KEY: Final = re.compile(r"p([0-9]+(?:\.[0-9]+)?)")  # ASCII digits, as documented
MAX_DELAY: Final = 3600.0
# Every rate, speed and scale is bounded on both sides, so the arithmetic built on them (a
# refill wait, a lognormal's sigma, a slow body's duration) stays finite and readable:
# `rate: 5e-324` would divide by zero, `1e-300` would give a 300-digit Retry-After.
SPEED: Final = (1e-3, 1e3)
RATE: Final = (1e-3, 1e9)  # tokens a second; the longest refill wait is 1 / (1e-3 * 1e-3) s
BYTE_RATE: Final = (1.0, 1e9)  # bytes a second of a slow body
WEIGHT: Final = (1e-6, 1e6)  # a mixture component's relative weight
MIN_SCALE: Final = 1e-6  # seconds: the least lognormal median and the least hang_cap
HEADER_KEY: Final = r"header:[A-Za-z0-9_-]+"  # a rate-limit key read from a request header


def parse_config(document: Mapping[str, Any], *, strict: bool = True) -> ServerConfig:
    """Validate a configuration document; `strict` rejects top-level keys other than ours."""
    if not isinstance(document, Mapping):
        raise ScenarioError("", "the configuration must be a table (a JSON object)")
    deep = too_deep(document)
    if deep is not None:
        raise ScenarioError(deep, f"nested more than {MAX_DEPTH} levels deep")
    if strict:
        _check_keys(document, "", TOP_KEYS)
    seed = as_integer(document.get("seed", 0))
    if seed is None:
        raise ScenarioError("seed", f"must be an integer, got {shown(document['seed'])}")
    if not -(2**63) <= seed < 2**63:
        raise ScenarioError("seed", "must fit in 64 bits")
    speed = _number(document.get("speed", 1.0), "speed", low=SPEED[0], high=SPEED[1])
    section = _table(document.get("server", {}), "server")
    _check_keys(section, "server", SERVER_KEYS)
    require_key = section.get("require_key", False)
    if not isinstance(require_key, bool):
        raise ScenarioError("server.require_key", f"must be true or false, got {require_key!r}")
    base = ServerConfig(
        seed=seed,
        speed=speed,
        latency=_model(section["latency"], "server.latency") if "latency" in section else ZERO,
        faults=_faults(section["faults"], "server.faults") if "faults" in section else NO_FAULTS,
        rate_limit=_rate_limit(section["rate_limit"]) if "rate_limit" in section else None,
        capacity=_capacity(section["capacity"]) if "capacity" in section else None,
        routes=_overrides(section.get("routes", {}), "server.routes", allowed=ROUTES),
        zips=_overrides(section.get("zips", {}), "server.zips", allowed=None),
        require_key=require_key,
        document=MappingProxyType({"seed": seed, "speed": speed, "server": dict(section)}),
    )
    if "phases" not in section:
        return base
    return dataclasses.replace(base, phases=_phases(section["phases"], base))


def config_from_scenario(document: Mapping[str, Any]) -> ServerConfig:
    """The server's part of a whole scenario file (other top-level keys are the clients')."""
    return parse_config({key: document[key] for key in TOP_KEYS if key in document}, strict=True)


def _check_keys(table: Mapping[str, Any], where: str, allowed: tuple[str, ...]) -> None:
    check_keys(table, allowed, ScenarioError, where=where)


def _table(value: Any, key: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ScenarioError(key, f"must be a table, got {type(value).__name__}")
    return value


def _number(value: Any, key: str, *, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(key, f"must be a number, got {value!r}")
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        raise ScenarioError(
            key, f"must be <= {high:g}, got a number too large for a float"
        ) from None
    if math.isnan(number) or not low <= number <= high:
        raise ScenarioError(key, f"must be >= {low:g} and <= {high:g}, got {value!r}")
    return number


def _integer(value: Any, key: str, *, low: int, high: int) -> int:
    number = as_integer(value)
    if number is None:
        raise ScenarioError(key, f"must be an integer, got {shown(value)}")
    if not low <= number <= high:
        raise ScenarioError(key, f"must be between {low} and {high}, got {shown(number)}")
    return number


def _model(value: Any, key: str) -> LatencyModel:
    table = _table(value, key)
    name = table.get("model")
    if name is None:  # a typo (`modle`) is named as one, not as a missing model
        _check_keys(table, key, ("model", *dict.fromkeys(itertools.chain(*MODEL_KEYS.values()))))
        raise ScenarioError(f"{key}.model", f"is required: one of {', '.join(MODEL_KEYS)}")
    if not isinstance(name, str) or name not in MODEL_KEYS:
        raise ScenarioError(f"{key}.model", f"must be one of {', '.join(MODEL_KEYS)}, got {name!r}")
    if name == "percentiles":
        return _percentiles(table, key)
    _check_keys(table, key, ("model", *MODEL_KEYS[name]))
    for required in MODEL_KEYS[name]:
        if required not in table:
            raise ScenarioError(f"{key}.{required}", f"is required by the {name} model")
    if name == "mixture":
        return _mixture(table["components"], f"{key}.components")

    def seconds(name: str, *, positive: bool = False) -> float:
        low = MIN_SCALE if positive else 0.0
        return _number(table[name], f"{key}.{name}", low=low, high=MAX_DELAY)

    if name == "fixed":
        return Fixed(seconds("value"))
    if name == "uniform":
        low, high = seconds("low"), seconds("high")
        if high < low:
            raise ScenarioError(f"{key}.high", f"must be >= low ({low:g}), got {high:g}")
        return Uniform(low, high)
    if name == "normal":
        return Normal(seconds("mean"), seconds("stddev"))
    median, p99 = seconds("median", positive=True), seconds("p99", positive=True)
    if p99 < median:
        raise ScenarioError(f"{key}.p99", f"must be >= median ({median:g}), got {p99:g}")
    return LogNormal(median, p99)


def _percentiles(table: Mapping[str, Any], key: str) -> Percentiles:
    points: list[tuple[float, float]] = []
    for name, raw in table.items():
        if name == "model":
            continue
        where = f"{key}.{name}"
        match = _PERCENTILE_KEY.fullmatch(name)
        if name in ("min", "max"):
            probability = 0.0 if name == "min" else 1.0
        elif match and 0.0 < float(match.group(1)) < 100.0:
            probability = float(match.group(1)) / 100.0
        else:
            message = unknown_key(name, ("model", "min", "max"), also="p<N> (0<N<100)")
            raise ScenarioError(where, message)
        points.append((probability, _number(raw, where, low=0.0, high=MAX_DELAY)))
    if not any(0.0 < p < 1.0 for p, _ in points):
        raise ScenarioError(key, "a percentiles model needs at least one p<N> key, e.g. p50")
    points.sort()
    if points[0][0] > 0.0:
        points.insert(0, (0.0, 0.0))
    if points[-1][0] < 1.0:
        points.append((1.0, points[-1][1]))
    for (_, before), (p, after) in itertools.pairwise(points):
        if after < before:
            name = "max" if p == 1.0 else f"p{p * 100:g}"
            raise ScenarioError(f"{key}.{name}", f"must be >= {before:g} (the table is monotone)")
    return Percentiles(tuple(points))


def _mixture(value: Any, key: str) -> Mixture:
    if not isinstance(value, list) or not value:
        raise ScenarioError(key, "must be a non-empty list of {weight = W, model = ...} tables")
    weights: list[float] = []
    models: list[LatencyModel] = []
    for index, item in enumerate(value):
        where = f"{key}[{index}]"
        component = dict(_table(item, where))
        if "weight" not in component:
            raise ScenarioError(f"{where}.weight", "is required for a mixture component")
        weights.append(
            _number(component.pop("weight"), f"{where}.weight", low=WEIGHT[0], high=WEIGHT[1])
        )
        models.append(_model(component, where))
    total = sum(weights)
    return Mixture(tuple(w / total for w in weights), tuple(models))


def _faults(value: Any, key: str) -> FaultRates:
    table = _table(value, key)
    _check_keys(table, key, FAULT_KEYS)
    rates = {
        name: _number(table.get(name, 0.0), f"{key}.{name}", low=0.0, high=1.0)
        for name in RATE_NAMES
    }
    if sum(rates.values()) > 1.0 + 1e-9:
        raise ScenarioError(key, f"fault rates add up to {sum(rates.values()):g}, more than 1")
    hang_cap = _number(
        table.get("hang_cap", 30.0), f"{key}.hang_cap", low=MIN_SCALE, high=MAX_DELAY
    )
    bps = _number(
        table.get("slow_body_bps", 2048.0),
        f"{key}.slow_body_bps",
        low=BYTE_RATE[0],
        high=BYTE_RATE[1],
    )
    return FaultRates(**rates, hang_cap=hang_cap, slow_body_bps=bps)


def _rate_limit(value: Any) -> RateLimit:
    table = _table(value, "server.rate_limit")
    _check_keys(table, "server.rate_limit", ("rate", "burst", "key"))
    for required in ("rate", "burst"):
        if required not in table:
            raise ScenarioError(f"server.rate_limit.{required}", "is required")
    key = table.get("key", "peer")
    if not isinstance(key, str) or not (key == "peer" or re.fullmatch(HEADER_KEY, key)):
        raise ScenarioError(
            "server.rate_limit.key", f"must be 'peer' or 'header:NAME', got {key!r}"
        )
    return RateLimit(
        rate=_number(table["rate"], "server.rate_limit.rate", low=RATE[0], high=RATE[1]),
        burst=_integer(table["burst"], "server.rate_limit.burst", low=1, high=1_000_000),
        key=key,
    )


def _capacity(value: Any, key: str = "server.capacity", base: Capacity | None = None) -> Capacity:
    """A capacity table; in a phase (`base` given), a key left out keeps the base's value."""
    table = _table(value, key)
    _check_keys(table, key, CAPACITY_KEYS)
    if "workers" not in table and base is None:
        raise ScenarioError(f"{key}.workers", "is required")
    abandon = table.get("abandon", base.abandon.value if base else Abandon.DROP.value)
    if abandon not in ABANDON:
        raise ScenarioError(f"{key}.abandon", f"must be one of {', '.join(ABANDON)}, got "
                            f"{shown(abandon)}")  # fmt: skip
    workers = table.get("workers", base.workers if base else 1)
    queue = table.get("queue", base.queue if base else 0)
    return Capacity(
        workers=_integer(workers, f"{key}.workers", low=1, high=1_000_000),
        queue=_integer(queue, f"{key}.queue", low=0, high=10_000_000),
        abandon=Abandon(abandon),
    )


def _phases(value: Any, base: ServerConfig) -> tuple[Phase, ...]:
    """`[[server.phases]]`: each a window of the run and the parts of the server it changes;
    sorted by start, and no two may overlap."""
    if not isinstance(value, list) or not value:
        raise ScenarioError("server.phases", "must be a non-empty list of {at, for, ...} tables")
    if len(value) > MAX_PHASES:
        raise ScenarioError("server.phases", f"at most {MAX_PHASES} phases, got {len(value)}")
    phases = sorted(
        (_phase(item, f"server.phases[{index}]", index, base) for index, item in
         enumerate(value)), key=lambda pair: pair[1].at)  # fmt: skip
    names: dict[str, str] = {}
    for (_, before), (where, after) in itertools.pairwise(phases):
        if after.at < before.at + before.duration:
            raise ScenarioError(
                where,
                f"overlaps phase {before.name!r} ({before.at:g} to "
                f"{before.at + before.duration:g} s): phases may not overlap",
            )
    for where, phase in phases:
        if phase.name in names:
            raise ScenarioError(f"{where}.name", f"{phase.name!r} is also {names[phase.name]}'s")
        names[phase.name] = where
    return tuple(phase for _, phase in phases)


def _phase(item: Any, where: str, index: int, base: ServerConfig) -> tuple[str, Phase]:
    table = _table(item, where)
    _check_keys(table, where, PHASE_KEYS)
    for required in ("at", "for"):
        if required not in table:
            raise ScenarioError(
                f"{where}.{required}",
                "is required: when the phase starts "
                "and how long it lasts, in seconds after the reset",
            )
    at = _number(table["at"], f"{where}.at", low=0.0, high=MAX_RUN)
    duration = _number(table["for"], f"{where}.for", low=MIN_SCALE, high=MAX_RUN)
    if at + duration > MAX_RUN:
        raise ScenarioError(f"{where}.for", f"the phase ends at {at + duration:g} s, after the "
                            f"longest run ({MAX_RUN:g} s)")  # fmt: skip
    name = table.get("name", f"phase {index + 1}")
    if not isinstance(name, str) or not 0 < len(name) <= 40 or not name.isprintable():
        raise ScenarioError(f"{where}.name", f"must be 1 to 40 printable characters, got "
                            f"{shown(name)}")  # fmt: skip
    changes: dict[str, Any] = {"phases": (), "document": MappingProxyType(dict(table))}
    if "latency" in table:
        changes["latency"] = _model(table["latency"], f"{where}.latency")
    if "latency_scale" in table:
        changes["latency_scale"] = _number(
            table["latency_scale"], f"{where}.latency_scale", low=SCALE[0], high=SCALE[1]
        )
    if "faults" in table:
        changes["faults"] = _faults(table["faults"], f"{where}.faults")
    if "capacity" in table:
        changes["capacity"] = _capacity(table["capacity"], f"{where}.capacity", base.capacity)
    config = dataclasses.replace(base, **changes)
    return where, Phase(name=name, at=at, duration=duration, config=config)


def _overrides(value: Any, key: str, *, allowed: tuple[str, ...] | None) -> Mapping[str, Override]:
    table = _table(value, key)
    if allowed is not None:
        _check_keys(table, key, allowed)
    overrides: dict[str, Override] = {}
    for name, raw in table.items():
        where = f"{key}.{name}"
        if allowed is None and not re.fullmatch(r"[0-9]{5}", str(name)):
            raise ScenarioError(where, "must be a 5-digit zip code")
        item = _table(raw, where)
        _check_keys(item, where, OVERRIDE_KEYS)
        overrides[str(name)] = Override(
            latency=_model(item["latency"], f"{where}.latency") if "latency" in item else None,
            faults=_faults(item["faults"], f"{where}.faults") if "faults" in item else None,
        )
    return MappingProxyType(overrides)
