"""Bad configuration gets a one-line answer naming what was wrong and its bound — never a 500,
a traceback or an endless number: rates, speeds and byte rates, nesting, typos."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import given
from hypothesis import strategies as st

from server.admin.preview import preview
from server.config.documents import MAX_DEPTH, check_keys, too_deep
from server.config.parser import BYTE_RATE, MIN_SCALE, RATE, SPEED, WEIGHT, parse_config
from server.config.plan import plan_request
from server.errors import BadParameter, ScenarioError
from server.models.ratelimit import TokenBuckets
from tests.helpers import server

ZIP = "90011"


# --- every rate, speed and byte rate is bounded, with the bound in the message ---------------


@pytest.mark.parametrize(
    ("document", "key", "bound"),
    [
        pytest.param(
            {"speed": 0.001, "server": {"rate_limit": {"rate": 5e-324, "burst": 1}}},
            "server.rate_limit.rate",
            ">= 0.001",
            id="rate-5e-324-zero-division",
        ),
        pytest.param(
            {"speed": 1, "server": {"rate_limit": {"rate": 1e-320, "burst": 1}}},
            "server.rate_limit.rate",
            ">= 0.001",
            id="rate-1e-320-overflow",
        ),
        pytest.param(
            server(rate_limit={"rate": 1e-300, "burst": 1}),
            "server.rate_limit.rate",
            ">= 0.001",
            id="rate-1e-300-long-retry-after",
        ),
        pytest.param(
            server(rate_limit={"rate": 1e10, "burst": 1}),
            "server.rate_limit.rate",
            "<= 1e+09",
            id="rate-huge",
        ),
        pytest.param(
            server(faults={"slow_body": 1.0, "slow_body_bps": 1e-300}),
            "server.faults.slow_body_bps",
            ">= 1 and <= 1e+09",
            id="slow-body-bps-1e-300",
        ),
        pytest.param(
            server(latency={"model": "lognormal", "median": 5e-324, "p99": 3600}),
            "server.latency.median",
            ">= 1e-06",
            id="lognormal-median-tiny-overflows-exp",
        ),
        pytest.param(
            server(faults={"hang_cap": 1e-300}),
            "server.faults.hang_cap",
            ">= 1e-06",
            id="hang-cap-tiny",
        ),
        pytest.param(
            server(
                latency={
                    "model": "mixture",
                    "components": [{"weight": 5e-324, "model": "fixed", "value": 1}],
                }
            ),
            "server.latency.components[0].weight",
            ">= 1e-06",
            id="mixture-weight-tiny",
        ),
        pytest.param({"speed": 1e-300}, "speed", ">= 0.001", id="speed-tiny"),
    ],
)
async def test_rates_out_of_bounds_are_400_naming_key_and_bound(
    client: TestClient, document: dict[str, Any], key: str, bound: str
) -> None:
    async with client.put("/__admin/scenario", json=document) as response:
        assert response.status == 400
        body = await response.json()
    assert body["key"] == key
    assert bound in body["message"]


async def test_the_slowest_limit_accepted_gives_a_finite_short_retry_after(
    client: TestClient, put_scenario: Any
) -> None:
    await put_scenario(
        client, {"speed": SPEED[0], "server": {"rate_limit": {"rate": RATE[0], "burst": 1}}}
    )
    statuses, retry_after = [], ""
    for _ in range(2):
        async with client.get(f"/api/jobs?LocationId={ZIP}&NumberOfJobs=0") as response:
            statuses.append(response.status)
            retry_after = response.headers.get("Retry-After", "")
    assert statuses == [200, 429]
    assert retry_after.isdigit() and len(retry_after) <= 7  # at most 1 / (1e-3 * 1e-3) s


bounded_number = st.floats(allow_nan=False, allow_infinity=False)


@given(
    speed=st.sampled_from(SPEED) | st.floats(*SPEED),
    rate=st.sampled_from(RATE) | st.floats(*RATE),
    bps=st.sampled_from(BYTE_RATE) | st.floats(*BYTE_RATE),
    median=st.sampled_from((MIN_SCALE, 3600.0)) | st.floats(MIN_SCALE, 3600.0),
    weight=st.sampled_from(WEIGHT),
    clock=st.floats(0, 1e9),
)
def test_every_accepted_config_keeps_the_arithmetic_finite(
    speed: float, rate: float, bps: float, median: float, weight: float, clock: float
) -> None:
    config = parse_config(
        {
            "speed": speed,
            "server": {
                "rate_limit": {"rate": rate, "burst": 1},
                "faults": {"slow_body": 0.5, "hang": 0.5, "slow_body_bps": bps},
                "latency": {
                    "model": "mixture",
                    "components": [
                        {"weight": weight, "model": "lognormal", "median": median, "p99": 3600},
                        {"weight": WEIGHT[1], "model": "fixed", "value": 0},
                    ],
                },
            },
        }
    )
    assert config.rate_limit is not None
    buckets = TokenBuckets(config.rate_limit.rate * config.speed, 1)
    assert buckets.take("peer", clock) == 0.0
    wait = buckets.take("peer", clock)
    assert 0 < wait <= 1 / (RATE[0] * SPEED[0])
    assert len(str(math.ceil(wait))) <= 7
    for attempt in range(3):
        plan = plan_request(config, "jobs", ZIP, attempt)
        assert math.isfinite(plan.delay) and math.isfinite(plan.slow_bps) and plan.slow_bps > 0
    result = preview(config, [ZIP, "60629", "10025"], concurrency=[1, 0], timeout=None)
    assert all(math.isfinite(value) for value in result["makespans"].values())
    assert math.isfinite(result["rate_limit_floor"])


# --- a typo is named as a typo ---------------------------------------------------------------


def test_a_misspelt_model_key_suggests_model() -> None:
    with pytest.raises(ScenarioError) as error:
        parse_config(server(latency={"modle": "fixed", "value": 1}))
    assert error.value.key == "server.latency.modle"
    assert "did you mean 'model'" in str(error.value)


def test_a_missing_model_lists_the_models() -> None:
    with pytest.raises(ScenarioError) as error:
        parse_config(server(latency={"value": 1}))
    assert error.value.key == "server.latency.model"
    assert "is required: one of fixed, uniform" in str(error.value)


def test_one_key_validator_serves_config_and_parameters() -> None:
    with pytest.raises(BadParameter) as parameter:
        check_keys({"zipz": 1}, ("zips", "route"), BadParameter)
    with pytest.raises(ScenarioError) as key:
        check_keys({"zipz": 1}, ("zips", "route"), ScenarioError, where="a.b")
    assert parameter.value.name == "zipz"
    assert key.value.key == "a.b.zipz"
    for error in (parameter.value, key.value):
        assert "unknown key (did you mean 'zips'?); valid keys: zips, route" in str(error)


def test_the_server_has_exactly_one_unknown_key_helper() -> None:
    # Issue 10: the "unknown key, did you mean" logic lives in server/config/documents.py alone.
    root = Path(__file__).resolve().parents[3] / "server"
    owners = [
        p.relative_to(root).as_posix()
        for p in sorted(root.rglob("*.py"))
        if "get_close_matches" in p.read_text()
    ]
    assert owners == ["config/documents.py"]


@pytest.mark.parametrize(
    ("method", "path", "body", "name"),
    [
        pytest.param("POST", "/__admin/preview", {"zips": [ZIP], "rout": "jobs"}, "rout", id="p"),
        pytest.param("POST", "/__admin/warm", {"zips": [ZIP], "perpage": 5}, "perpage", id="w"),
    ],
)
async def test_admin_parameter_typos_suggest_the_key(
    client: TestClient, method: str, path: str, body: Any, name: str
) -> None:
    async with client.request(method, path, json=body) as response:
        assert response.status == 400
        answer = await response.json()
    assert answer["parameter"] == name
    assert "did you mean" in answer["message"]


def test_too_deep_is_iterative_and_names_the_path() -> None:
    document: Any = 1
    for _ in range(100_000):
        document = [document]
    assert too_deep(document) == "[0]" * MAX_DEPTH
    assert too_deep({"server": {"zips": {ZIP: {}}}}) is None
