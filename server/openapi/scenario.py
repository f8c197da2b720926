"""The JSON Schema of a configuration document (`PUT /__admin/scenario`), built from the
same constants `server.config.parser` validates with, so the two cannot drift apart.

JSON Schema cannot say four of the rules (they compare two values): a uniform's `high` is at
least its `low`, a lognormal's `p99` at least its `median`, a percentiles table is monotone,
and the fault rates add up to at most 1. Each schema that carries one says so in its
description; the server answers 400 naming the key.
"""

from __future__ import annotations

from typing import Any, Final

from ..config.parser import (
    ABANDON,
    BYTE_RATE,
    HEADER_KEY,
    MAX_DELAY,
    MAX_PHASES,
    MAX_RUN,
    MIN_SCALE,
    MODEL_KEYS,
    RATE,
    SCALE,
    SPEED,
    WEIGHT,
)
from ..config.settings import ROUTES
from ..models.faults import RATE_NAMES
from .builders import Schema, closed, integer, number, ref

PERCENTILE: Final = r"^p(0*[1-9][0-9]?(\.[0-9]+)?|0+\.0*[1-9][0-9]*)$"  # p<N>, 0 < N < 100
CROSS_FIELD: Final = {
    "uniform": "high must be >= low",
    "lognormal": "p99 must be >= median",
    "percentiles": "the delays must not decrease as the percentile grows",
}


def _fields(model: str) -> dict[str, Schema]:
    seconds = number(0.0, MAX_DELAY, description="seconds")
    positive = number(MIN_SCALE, MAX_DELAY, description="seconds")
    if model == "lognormal":
        return {"median": positive, "p99": positive}
    if model == "mixture":
        return {"components": {"type": "array", "minItems": 1, "items": ref("Component")}}
    return dict.fromkeys(MODEL_KEYS[model], seconds)


def _model(model: str, weighted: bool) -> Schema:
    """One latency model's table; in a mixture's component, with its `weight`."""
    extra: dict[str, Schema] = {"weight": number(*WEIGHT)} if weighted else {}
    required = ("weight",) if weighted else ()
    properties = {"model": {"const": model}, **extra}
    if model == "percentiles":
        seconds = number(0.0, MAX_DELAY)
        schema: Schema = {
            "type": "object",
            "properties": {**properties, "min": seconds, "max": seconds},
            "patternProperties": {PERCENTILE: seconds},
            "additionalProperties": False,
            "required": ["model", *required],
            # at least one p<N> key: not every name is one of the fixed ones
            "not": {"propertyNames": {"enum": ["model", "min", "max", *extra]}},
        }
    else:
        fields = _fields(model)
        schema = closed({**properties, **fields}, "model", *fields, *required)
    if model in CROSS_FIELD:
        schema["description"] = f"also: {CROSS_FIELD[model]}"
    return schema


def _faults() -> Schema:
    rates = {name: number(0.0, 1.0) for name in RATE_NAMES}
    return closed(
        {
            **rates,
            "hang_cap": number(MIN_SCALE, MAX_DELAY, description="seconds", default=30.0),
            "slow_body_bps": number(*BYTE_RATE, description="bytes a second", default=2048.0),
        },
        description="also: the rates add up to at most 1",
    )


def _capacity() -> dict[str, Schema]:
    return {
        "workers": integer(1, 1_000_000),
        "queue": integer(0, 10_000_000),
        "abandon": {"type": "string", "enum": list(ABANDON),
                    "description": "keep: work a request whose client left to its end"},
    }  # fmt: skip


def scenario_schemas() -> dict[str, Schema]:
    """The named schemas of a configuration document (`Scenario` is the whole body)."""
    models = list(MODEL_KEYS)
    schemas: dict[str, Schema] = {}
    for model in models:
        name = model.capitalize()
        schemas[f"Latency{name}"] = _model(model, weighted=False)
        schemas[f"Component{name}"] = _model(model, weighted=True)
    schemas["Latency"] = {"oneOf": [ref(f"Latency{m.capitalize()}") for m in models]}
    schemas["Component"] = {"oneOf": [ref(f"Component{m.capitalize()}") for m in models]}
    schemas["Faults"] = _faults()
    schemas["Override"] = closed({"latency": ref("Latency"), "faults": ref("Faults")})
    schemas["ServerSection"] = closed(
        {
            "latency": ref("Latency"),
            "faults": ref("Faults"),
            "rate_limit": closed(
                {
                    "rate": number(*RATE, description="tokens a second"),
                    "burst": integer(1, 1_000_000),
                    "key": {"type": "string", "pattern": f"^(peer|{HEADER_KEY})$"},
                },
                "rate",
                "burst",
            ),
            "capacity": closed(_capacity(), "workers"),
            "routes": closed(dict.fromkeys(ROUTES, ref("Override"))),
            "zips": {
                "type": "object",
                "patternProperties": {"^[0-9]{5}$": ref("Override")},
                "additionalProperties": False,
            },
            "require_key": {"type": "boolean"},
            "phases": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_PHASES,
                "items": ref("Phase"),
                "description": "also: no two phases overlap, and names are unique",
            },
        }
    )
    schemas["Phase"] = closed(
        {
            "name": {"type": "string", "minLength": 1, "maxLength": 40},
            "at": number(0.0, MAX_RUN, description="seconds after the reset"),
            "for": number(MIN_SCALE, MAX_RUN, description="seconds"),
            "latency": ref("Latency"),
            "latency_scale": number(*SCALE, description="multiplies every delay"),
            "faults": ref("Faults"),
            "capacity": closed(_capacity(), description="a key left out keeps the base's"),
        },
        "at",
        "for",
        description="also: the phase ends within the longest run (at + for <= 86400)",
    )
    schemas["Scenario"] = closed(
        {
            "seed": integer(-(2**63), 2**63 - 1),
            "speed": number(*SPEED, description="divides every delay"),
            "server": ref("ServerSection"),
        },
        description="a scenario's seed, speed and [server] table; one left out keeps its value",
    )
    return schemas


def scenario_example() -> dict[str, Any]:
    """A document the server accepts, shown in the document and used by its tests."""
    return {
        "seed": 2015,
        "speed": 1.0,
        "server": {"latency": {"model": "lognormal", "median": 0.3, "p99": 3.0}},
    }
