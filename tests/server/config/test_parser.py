"""Configuration parsing: valid documents become the right models, invalid ones name the key."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.config.parser import config_from_scenario, parse_config
from server.config.settings import Capacity, Override, RateLimit, ServerConfig
from server.errors import ScenarioError
from server.models.faults import NO_FAULTS, FaultRates
from server.models.latency import ZERO, Fixed, LogNormal, Mixture, Normal, Percentiles, Uniform
from tests.helpers import server

# --- valid documents -----------------------------------------------------------------------


def test_empty_document_is_the_default_config() -> None:
    config = parse_config({})
    assert config.seed == 0
    assert config.speed == 1.0
    assert config.latency == ZERO == Fixed(0.0)
    assert config.faults == NO_FAULTS
    assert config.rate_limit is None
    assert config.capacity is None
    assert dict(config.routes) == {}
    assert dict(config.zips) == {}
    assert config.require_key is False


def test_seed_speed_and_require_key() -> None:
    config = parse_config({"seed": 42, "speed": 10, "server": {"require_key": True}})
    assert config.seed == 42
    assert config.speed == 10.0
    assert isinstance(config.speed, float)
    assert config.require_key is True


@pytest.mark.parametrize(
    ("latency", "expected"),
    [
        pytest.param({"model": "fixed", "value": 0.25}, Fixed(0.25), id="fixed"),
        pytest.param({"model": "fixed", "value": 1}, Fixed(1.0), id="fixed-int"),
        pytest.param(
            {"model": "uniform", "low": 0.1, "high": 0.5}, Uniform(0.1, 0.5), id="uniform"
        ),
        pytest.param(
            {"model": "uniform", "low": 2, "high": 2}, Uniform(2.0, 2.0), id="uniform-point"
        ),
        pytest.param(
            {"model": "normal", "mean": 0.3, "stddev": 0.1}, Normal(0.3, 0.1), id="normal"
        ),
        pytest.param(
            {"model": "lognormal", "median": 0.3, "p99": 3}, LogNormal(0.3, 3.0), id="lognormal"
        ),
        pytest.param(
            {"model": "lognormal", "median": 0.5, "p99": 0.5},
            LogNormal(0.5, 0.5),
            id="lognormal-flat",
        ),
        pytest.param(
            {"model": "percentiles", "min": 0.01, "p50": 0.1, "p99.9": 2, "max": 5},
            Percentiles(((0.0, 0.01), (0.5, 0.1), (0.999, 2.0), (1.0, 5.0))),
            id="percentiles-full",
        ),
        pytest.param(
            {"model": "percentiles", "p90": 1.0, "p50": 0.2},
            Percentiles(((0.0, 0.0), (0.5, 0.2), (0.9, 1.0), (1.0, 1.0))),
            id="percentiles-implicit-ends",
        ),
        pytest.param(
            {
                "model": "mixture",
                "components": [
                    {"weight": 97, "model": "lognormal", "median": 0.3, "p99": 3},
                    {"weight": 3, "model": "uniform", "low": 2, "high": 5},
                ],
            },
            Mixture((0.97, 0.03), (LogNormal(0.3, 3.0), Uniform(2.0, 5.0))),
            id="mixture",
        ),
    ],
)
def test_each_latency_model_parses(latency: dict[str, Any], expected: object) -> None:
    config = parse_config(server(latency=latency))
    if isinstance(expected, Mixture):
        assert isinstance(config.latency, Mixture)
        assert config.latency.weights == pytest.approx(expected.weights)
        assert config.latency.models == expected.models
    elif isinstance(expected, Percentiles):
        assert isinstance(config.latency, Percentiles)
        assert len(config.latency.points) == len(expected.points)
        for got, want in zip(config.latency.points, expected.points, strict=True):
            assert got == pytest.approx(want, rel=1e-12)
    else:
        assert config.latency == expected


def test_nested_mixture_parses_and_normalises_each_level() -> None:
    inner = {
        "model": "mixture",
        "components": [
            {"weight": 1, "model": "fixed", "value": 1},
            {"weight": 3, "model": "fixed", "value": 2},
        ],
    }
    config = parse_config(
        server(
            latency={
                "model": "mixture",
                "components": [
                    {"weight": 0.5, **inner},
                    {"weight": 1.5, "model": "fixed", "value": 3},
                ],
            }
        )
    )
    outer = config.latency
    assert isinstance(outer, Mixture)
    assert outer.weights == pytest.approx((0.25, 0.75))
    nested = outer.models[0]
    assert isinstance(nested, Mixture)
    assert nested.weights == pytest.approx((0.25, 0.75))
    assert nested.models == (Fixed(1.0), Fixed(2.0))
    assert outer.models[1] == Fixed(3.0)


def test_faults_parse_with_defaults_for_the_rest() -> None:
    config = parse_config(
        server(faults={"error_500": 0.1, "hang": 0.05, "hang_cap": 5, "slow_body_bps": 100})
    )
    assert config.faults == FaultRates(error_500=0.1, hang=0.05, hang_cap=5.0, slow_body_bps=100.0)
    assert config.faults.total == pytest.approx(0.15)


def test_fault_rates_summing_to_exactly_one_are_allowed() -> None:
    config = parse_config(server(faults={"error_500": 0.5, "reset": 0.3, "truncate": 0.2}))
    assert config.faults.total == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        pytest.param({"rate": 5, "burst": 10}, RateLimit(5.0, 10, "peer"), id="default-key"),
        pytest.param(
            {"rate": 0.5, "burst": 1, "key": "header:X-Api-Key"},
            RateLimit(0.5, 1, "header:X-Api-Key"),
            id="header-key",
        ),
    ],
)
def test_rate_limit_parses(table: dict[str, Any], expected: RateLimit) -> None:
    assert parse_config(server(rate_limit=table)).rate_limit == expected


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        pytest.param({"workers": 4, "queue": 16}, Capacity(4, 16), id="with-queue"),
        pytest.param({"workers": 1}, Capacity(1, 0), id="default-queue"),
    ],
)
def test_capacity_parses(table: dict[str, Any], expected: Capacity) -> None:
    assert parse_config(server(capacity=table)).capacity == expected


PRECEDENCE = server(
    latency={"model": "fixed", "value": 1},
    faults={"error_500": 0.1},
    routes={
        "jobs": {"latency": {"model": "fixed", "value": 2}, "faults": {"error_503": 0.2}},
        "search": {"faults": {"reset": 0.3}},
    },
    zips={
        "90011": {"latency": {"model": "fixed", "value": 3}, "faults": {"hang": 0.4}},
        "10001": {"faults": {"truncate": 0.5}},
        "60629": {"latency": {"model": "fixed", "value": 4}},
    },
)


@pytest.mark.parametrize(
    ("route", "zip_code", "latency", "faults"),
    [
        pytest.param("jobs", "90011", 3.0, FaultRates(hang=0.4), id="zip-beats-route"),
        pytest.param("search", "90011", 3.0, FaultRates(hang=0.4), id="zip-beats-global"),
        pytest.param("jobs", "99999", 2.0, FaultRates(error_503=0.2), id="route-beats-global"),
        pytest.param("search", "99999", 1.0, FaultRates(reset=0.3), id="route-faults-only"),
        pytest.param("jobs", "10001", 2.0, FaultRates(truncate=0.5), id="zip-faults-only"),
        pytest.param("search", "60629", 4.0, FaultRates(reset=0.3), id="zip-latency-only"),
        pytest.param("other", "99999", 1.0, FaultRates(error_500=0.1), id="global"),
    ],
)
def test_overrides_take_precedence_zip_then_route_then_global(
    route: str, zip_code: str, latency: float, faults: FaultRates
) -> None:
    config = parse_config(PRECEDENCE)
    assert config.latency_for(route, zip_code) == Fixed(latency)
    assert config.faults_for(route, zip_code) == faults


def test_overrides_are_stored_by_name() -> None:
    config = parse_config(PRECEDENCE)
    assert set(config.routes) == {"jobs", "search"}
    assert set(config.zips) == {"90011", "10001", "60629"}
    assert config.zips["10001"] == Override(latency=None, faults=FaultRates(truncate=0.5))


@pytest.mark.parametrize(
    ("speed", "median", "p99"),
    [
        pytest.param(1, 0.4, 4.0, id="speed1"),
        pytest.param(2, 0.2, 2.0, id="speed2"),
        pytest.param(0.5, 0.8, 8.0, id="half-speed"),
    ],
)
def test_latency_for_applies_the_speed(speed: float, median: float, p99: float) -> None:
    config = parse_config(
        {
            "speed": speed,
            "server": {
                "latency": {"model": "lognormal", "median": 0.4, "p99": 4},
                "zips": {"90011": {"latency": {"model": "fixed", "value": 1}}},
            },
        }
    )
    model = config.latency_for("jobs", "12345")
    assert isinstance(model, LogNormal)
    assert model.median == pytest.approx(median)
    assert model.p99 == pytest.approx(p99)
    override = config.latency_for("jobs", "90011")
    assert isinstance(override, Fixed)
    assert override.value == pytest.approx(1.0 / speed)
    assert config.latency == LogNormal(0.4, 4.0)  # the stored model is unscaled


def test_config_from_scenario_ignores_the_clients_keys() -> None:
    scenario = {"seed": 3, "speed": 2, "clients": {"concurrency": 10}, "name": "demo", "server": {}}
    config = config_from_scenario(scenario)
    assert config.seed == 3
    assert config.speed == 2.0


def test_parse_config_strictness_is_for_top_level_keys() -> None:
    with pytest.raises(ScenarioError) as info:
        parse_config({"clients": {}})
    assert info.value.key == "clients"
    assert parse_config({"clients": {}, "seed": 5}, strict=False).seed == 5


def test_document_keeps_the_normalised_inputs() -> None:
    config = parse_config({"seed": 9, "server": {"capacity": {"workers": 2}}})
    assert config.document["seed"] == 9
    assert config.document["speed"] == 1.0
    assert config.document["server"] == {"capacity": {"workers": 2}}


def test_parse_config_does_not_mutate_the_document() -> None:
    document = server(
        latency={
            "model": "mixture",
            "components": [
                {"weight": 1, "model": "fixed", "value": 1},
                {"weight": 1, "model": "fixed", "value": 2},
            ],
        }
    )
    before = copy.deepcopy(document)
    parse_config(document)
    parse_config(document)  # a second parse sees the weights the first one saw
    assert document == before


@given(
    median=st.floats(0.001, 100.0),
    ratio=st.floats(1.0, 30.0),
    speed=st.floats(0.01, 1000.0),
)
def test_any_valid_lognormal_round_trips(median: float, ratio: float, speed: float) -> None:
    config = parse_config(
        {
            "speed": speed,
            "server": {"latency": {"model": "lognormal", "median": median, "p99": median * ratio}},
        }
    )
    assert config.latency == LogNormal(median, median * ratio)
    scaled = config.latency_for("jobs", "00000")
    assert isinstance(scaled, LogNormal)
    assert scaled.median == pytest.approx(median / speed)


def test_server_config_defaults_match_parse_of_nothing() -> None:
    assert parse_config({}) == ServerConfig(document=parse_config({}).document)


# --- invalid documents ---------------------------------------------------------------------

LOGNORMAL = {"model": "lognormal", "median": 0.3, "p99": 3}
INVALID = [
    # the document itself
    pytest.param([], "", "must be a table", id="document-list"),
    pytest.param("seed = 1", "", "must be a table", id="document-string"),
    # typos, with suggestions
    pytest.param({"sped": 2}, "sped", "did you mean 'speed'", id="top-typo"),
    pytest.param(
        server(latncy=LOGNORMAL), "server.latncy", "did you mean 'latency'", id="server-typo"
    ),
    pytest.param(
        server(latency={"model": "lognormal", "median": 0.3, "p95": 1}),
        "server.latency.p95",
        "did you mean 'p99'",
        id="model-key-typo",
    ),
    pytest.param(
        server(latency={"model": "fixed", "value": 1, "jitter": 2}),
        "server.latency.jitter",
        "unknown key",
        id="model-extra-key",
    ),
    pytest.param(
        server(faults={"eror_500": 0.1}),
        "server.faults.eror_500",
        "did you mean 'error_500'",
        id="fault-typo",
    ),
    pytest.param(
        server(faults={"timeout": 0.1}), "server.faults.timeout", "unknown key", id="fault-unknown"
    ),
    pytest.param(
        server(rate_limit={"rate": 1, "burts": 2}),
        "server.rate_limit.burts",
        "did you mean 'burst'",
        id="rate-limit-typo",
    ),
    pytest.param(
        server(capacity={"workers": 1, "queues": 2}),
        "server.capacity.queues",
        "did you mean 'queue'",
        id="capacity-typo",
    ),
    pytest.param(
        server(routes={"job": {}}), "server.routes.job", "did you mean 'jobs'", id="route-typo"
    ),
    pytest.param(
        server(routes={"jobs": {"latancy": LOGNORMAL}}),
        "server.routes.jobs.latancy",
        "did you mean 'latency'",
        id="route-override-typo",
    ),
    pytest.param(
        server(zips={"90011": {"fault": {}}}),
        "server.zips.90011.fault",
        "did you mean 'faults'",
        id="zip-override-typo",
    ),
    # wrong types
    pytest.param({"seed": "1"}, "seed", "must be an integer", id="seed-string"),
    pytest.param({"seed": 1.5}, "seed", "must be an integer", id="seed-float"),
    pytest.param({"seed": True}, "seed", "must be an integer", id="seed-bool"),
    pytest.param({"speed": "fast"}, "speed", "must be a number", id="speed-string"),
    pytest.param({"server": []}, "server", "must be a table", id="server-list"),
    pytest.param(server(latency="fast"), "server.latency", "must be a table", id="latency-string"),
    pytest.param(server(faults=0.1), "server.faults", "must be a table", id="faults-number"),
    pytest.param(
        server(rate_limit=5), "server.rate_limit", "must be a table", id="rate-limit-number"
    ),
    pytest.param(server(capacity=[4]), "server.capacity", "must be a table", id="capacity-list"),
    pytest.param(server(routes=[]), "server.routes", "must be a table", id="routes-list"),
    pytest.param(
        server(zips={"90011": 1}), "server.zips.90011", "must be a table", id="zip-not-table"
    ),
    pytest.param(
        server(require_key="yes"), "server.require_key", "must be true or false", id="require-key"
    ),
    pytest.param(
        server(latency={"model": "fixed", "value": "0.3"}),
        "server.latency.value",
        "must be a number",
        id="value-string",
    ),
    # bool where a number is expected
    pytest.param({"speed": True}, "speed", "must be a number", id="speed-bool"),
    pytest.param(
        server(latency={"model": "fixed", "value": True}),
        "server.latency.value",
        "must be a number",
        id="value-bool",
    ),
    pytest.param(
        server(faults={"hang": True}), "server.faults.hang", "must be a number", id="rate-bool"
    ),
    pytest.param(
        server(rate_limit={"rate": False, "burst": 1}),
        "server.rate_limit.rate",
        "must be a number",
        id="rate-limit-rate-bool",
    ),
    pytest.param(
        server(rate_limit={"rate": 1, "burst": True}),
        "server.rate_limit.burst",
        "must be an integer",
        id="burst-bool",
    ),
    pytest.param(
        server(capacity={"workers": True}),
        "server.capacity.workers",
        "must be an integer",
        id="workers-bool",
    ),
    # out of range
    pytest.param({"speed": 0}, "speed", "must be >= 0.001", id="speed-zero"),
    pytest.param({"speed": -1}, "speed", "must be >= 0.001", id="speed-negative"),
    pytest.param({"speed": float("nan")}, "speed", "must be >= 0.001", id="speed-nan"),
    pytest.param({"speed": 1e7}, "speed", "<= 1000", id="speed-huge"),
    pytest.param(
        server(latency={"model": "fixed", "value": -0.1}),
        "server.latency.value",
        "must be >= 0",
        id="value-negative",
    ),
    pytest.param(
        server(latency={"model": "fixed", "value": 3601}),
        "server.latency.value",
        "<= 3600",
        id="value-over-an-hour",
    ),
    pytest.param(
        server(latency={"model": "fixed", "value": float("inf")}),
        "server.latency.value",
        "<= 3600",
        id="value-infinite",
    ),
    pytest.param(
        server(latency={"model": "lognormal", "median": 0, "p99": 1}),
        "server.latency.median",
        "must be >= 1e-06 and <= 3600",
        id="median-zero",
    ),
    pytest.param(
        server(latency={"model": "normal", "mean": 0.3, "stddev": -1}),
        "server.latency.stddev",
        "must be >= 0",
        id="stddev-negative",
    ),
    pytest.param(server(faults={"hang": 1.5}), "server.faults.hang", "<= 1", id="rate-above-one"),
    pytest.param(server(faults={"reset": -0.1}), "server.faults.reset", ">= 0", id="rate-negative"),
    pytest.param(
        server(faults={"hang_cap": 0}),
        "server.faults.hang_cap",
        "must be >= 1e-06",
        id="hang-cap-zero",
    ),
    pytest.param(
        server(faults={"slow_body_bps": 0}),
        "server.faults.slow_body_bps",
        "must be >= 1 and <= 1e+09",
        id="bps-zero",
    ),
    pytest.param(
        server(rate_limit={"rate": 0, "burst": 1}),
        "server.rate_limit.rate",
        "must be >= 0.001 and <= 1e+09",
        id="rate-zero",
    ),
    pytest.param(
        server(rate_limit={"rate": 1, "burst": 0}),
        "server.rate_limit.burst",
        "between 1 and",
        id="burst-zero",
    ),
    pytest.param(
        server(rate_limit={"rate": 1, "burst": 2.5}),
        "server.rate_limit.burst",
        "must be an integer",
        id="burst-float",
    ),
    pytest.param(
        server(capacity={"workers": 0}),
        "server.capacity.workers",
        "between 1 and",
        id="workers-zero",
    ),
    pytest.param(
        server(capacity={"workers": 1, "queue": -1}),
        "server.capacity.queue",
        "between 0 and",
        id="queue-negative",
    ),
    # cross-field checks
    pytest.param(
        server(faults={"error_500": 0.6, "hang": 0.3, "reset": 0.2}),
        "server.faults",
        "more than 1",
        id="fault-sum-above-one",
    ),
    pytest.param(
        server(latency={"model": "lognormal", "median": 0.5, "p99": 0.4}),
        "server.latency.p99",
        "must be >= median",
        id="p99-below-median",
    ),
    pytest.param(
        server(latency={"model": "uniform", "low": 2, "high": 1}),
        "server.latency.high",
        "must be >= low",
        id="uniform-high-below-low",
    ),
    pytest.param(
        server(latency={"model": "percentiles", "p50": 2, "p90": 1}),
        "server.latency.p90",
        "monotone",
        id="percentiles-non-monotone",
    ),
    pytest.param(
        server(latency={"model": "percentiles", "min": 1, "p50": 0.5}),
        "server.latency.p50",
        "monotone",
        id="percentiles-min-above-p50",
    ),
    pytest.param(
        server(latency={"model": "percentiles", "p50": 1, "p99": 3, "max": 2}),
        "server.latency.max",
        "monotone",
        id="percentiles-max-below-p99",
    ),
    pytest.param(
        server(latency={"model": "percentiles", "min": 0, "max": 2}),
        "server.latency",
        "at least one p<N>",
        id="percentiles-no-points",
    ),
    pytest.param(
        server(latency={"model": "percentiles", "p50": 1, "p100": 3}),
        "server.latency.p100",
        "unknown key",
        id="percentiles-p100",
    ),
    pytest.param(
        server(latency={"model": "percentiles", "p50": 1, "q90": 3}),
        "server.latency.q90",
        "unknown key",
        id="percentiles-bad-key",
    ),
    pytest.param(
        server(latency={"model": "percentiles", "p50": -1}),
        "server.latency.p50",
        "must be >= 0",
        id="percentiles-negative",
    ),
    # models
    pytest.param(
        server(latency={"value": 1}), "server.latency.model", "is required: one of", id="no-model"
    ),
    pytest.param(
        server(latency={"model": "gamma"}), "server.latency.model", "'gamma'", id="unknown-model"
    ),
    pytest.param(
        server(latency={"model": "fixed"}),
        "server.latency.value",
        "is required",
        id="missing-value",
    ),
    pytest.param(
        server(latency={"model": "lognormal", "median": 1}),
        "server.latency.p99",
        "is required by the lognormal model",
        id="missing-p99",
    ),
    pytest.param(
        server(latency={"model": "mixture", "components": []}),
        "server.latency.components",
        "non-empty list",
        id="mixture-empty",
    ),
    pytest.param(
        server(latency={"model": "mixture", "components": {"weight": 1}}),
        "server.latency.components",
        "non-empty list",
        id="mixture-not-list",
    ),
    pytest.param(
        server(latency={"model": "mixture", "components": [{"weight": 1, **LOGNORMAL}, LOGNORMAL]}),
        "server.latency.components[1].weight",
        "is required",
        id="mixture-without-weight",
    ),
    pytest.param(
        server(latency={"model": "mixture", "components": [{"weight": 0, **LOGNORMAL}]}),
        "server.latency.components[0].weight",
        "must be >= 1e-06",
        id="mixture-zero-weight",
    ),
    pytest.param(
        server(latency={"model": "mixture", "components": ["fixed"]}),
        "server.latency.components[0]",
        "must be a table",
        id="mixture-component-string",
    ),
    pytest.param(
        server(
            latency={
                "model": "mixture",
                "components": [{"weight": 1, "model": "lognormal", "median": 2, "p99": 1}],
            }
        ),
        "server.latency.components[0].p99",
        "must be >= median",
        id="mixture-component-invalid",
    ),
    pytest.param(
        server(
            latency={
                "model": "mixture",
                "components": [
                    {
                        "weight": 1,
                        "model": "mixture",
                        "components": [{"weight": 1, **LOGNORMAL}, {"model": "fixed", "value": 1}],
                    }
                ],
            }
        ),
        "server.latency.components[0].components[1].weight",
        "is required",
        id="nested-mixture-without-weight",
    ),
    # rate_limit key, zip override keys, nested override errors
    pytest.param(
        server(rate_limit={"rate": 1, "burst": 1, "key": "cookie"}),
        "server.rate_limit.key",
        "'peer' or 'header:NAME'",
        id="rate-limit-key-cookie",
    ),
    pytest.param(
        server(rate_limit={"rate": 1, "burst": 1, "key": "header:"}),
        "server.rate_limit.key",
        "'peer' or 'header:NAME'",
        id="rate-limit-key-empty-header",
    ),
    pytest.param(
        server(rate_limit={"rate": 1, "burst": 1, "key": 5}),
        "server.rate_limit.key",
        "'peer' or 'header:NAME'",
        id="rate-limit-key-number",
    ),
    pytest.param(
        server(rate_limit={"burst": 1}), "server.rate_limit.rate", "is required", id="rate-missing"
    ),
    pytest.param(
        server(rate_limit={"rate": 1}), "server.rate_limit.burst", "is required", id="burst-missing"
    ),
    pytest.param(
        server(capacity={"queue": 1}),
        "server.capacity.workers",
        "is required",
        id="workers-missing",
    ),
    pytest.param(server(zips={"9001": {}}), "server.zips.9001", "5-digit", id="zip-four-digits"),
    pytest.param(server(zips={"abcde": {}}), "server.zips.abcde", "5-digit", id="zip-letters"),
    pytest.param(server(zips={"900111": {}}), "server.zips.900111", "5-digit", id="zip-six-digits"),
    pytest.param(
        server(zips={"90011": {"faults": {"hang": 2}}}),
        "server.zips.90011.faults.hang",
        "<= 1",
        id="zip-override-bad-rate",
    ),
    pytest.param(
        server(routes={"search": {"latency": {"model": "uniform", "low": 3, "high": 1}}}),
        "server.routes.search.latency.high",
        "must be >= low",
        id="route-override-bad-model",
    ),
]


@pytest.mark.parametrize(("document", "key", "fragment"), INVALID)
def test_invalid_documents_name_the_key(document: Any, key: str, fragment: str) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_config(document)
    assert info.value.key == key
    message = str(info.value)
    assert fragment in message
    if key:
        assert message.startswith(f"{key}: ")


def test_unknown_key_lists_the_valid_keys() -> None:
    with pytest.raises(ScenarioError) as info:
        parse_config(server(capacitee={}))
    assert "valid keys: latency, faults, rate_limit, capacity, routes, zips, require_key" in str(
        info.value
    )


def test_config_from_scenario_reports_the_same_errors() -> None:
    with pytest.raises(ScenarioError) as info:
        config_from_scenario({"clients": {}, "server": {"faults": {"hang": 2}}})
    assert info.value.key == "server.faults.hang"


@pytest.mark.parametrize(
    "model", [pytest.param(["fixed"], id="list"), pytest.param({"name": "fixed"}, id="table")]
)
def test_unhashable_model_name_is_a_scenario_error(model: object) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_config(server(latency={"model": model, "value": 1}))
    assert info.value.key == "server.latency.model"


def test_zip_override_rejects_non_ascii_digits() -> None:
    with pytest.raises(ScenarioError) as info:
        parse_config(server(zips={"\uff19\uff10\uff10\uff11\uff11": {}}))  # fullwidth 90011
    assert "5-digit" in str(info.value)
