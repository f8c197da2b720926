"""The admin API over real HTTP: scenario, reset, stats, metrics, preview, loopback-only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, make_mocked_request

from server.admin import plumbing
from server.api.zipsets import MEMPY_2015
from server.app import create_app, guard
from server.config.settings import ServerConfig
from tests.helpers import get_json, server

ZIP = "90011"
RICH = {
    "seed": 11,
    "speed": 2.0,
    "server": {
        "latency": {"model": "lognormal", "median": 0.01, "p99": 0.05},
        "faults": {"error_500": 0.1, "hang": 0.05, "hang_cap": 2.0},
        "rate_limit": {"rate": 100, "burst": 10, "key": "header:X-Client"},
        "capacity": {"workers": 4, "queue": 8},
        "routes": {"search": {"latency": {"model": "uniform", "low": 0.0, "high": 0.02}}},
        "zips": {ZIP: {"faults": {"error_503": 0.5}}},
        "require_key": False,
    },
}
ACTIVE = {"seed": 5, "speed": 1.0, "server": {"latency": {"model": "fixed", "value": 0.0}}}


# --- /__admin/scenario -----------------------------------------------------------------------


async def test_default_scenario_puts_back_unchanged(client: TestClient, put_scenario: Any) -> None:
    document = await get_json(client, "/__admin/scenario")
    assert isinstance(document, dict)
    echoed = await put_scenario(client, document)
    assert echoed == {"seed": 0, "speed": 1.0, "server": {}}
    assert (await get_json(client, "/health"))["seed"] == 0


async def test_scenario_of_a_document_started_server(make_client: Any) -> None:
    client = await make_client({"seed": 9, "server": {"require_key": True}})
    assert await get_json(client, "/__admin/scenario") == {
        "seed": 9,
        "speed": 1.0,
        "server": {"require_key": True},
    }


async def test_scenario_of_a_config_started_server(aiohttp_client: Any) -> None:
    client = await aiohttp_client(create_app(ServerConfig(seed=7)))
    document = await get_json(client, "/__admin/scenario")
    async with client.put("/__admin/scenario", json=document) as response:
        assert response.status == 200
    assert (await get_json(client, "/health"))["seed"] == 7
    assert document["seed"] == 7


async def test_scenario_round_trip(client: TestClient, put_scenario: Any) -> None:
    echoed = await put_scenario(client, RICH)
    assert echoed == RICH
    assert await get_json(client, "/__admin/scenario") == RICH
    assert (await get_json(client, "/health"))["seed"] == 11
    # A PUT that leaves out the seed (or the speed) keeps the running one.
    assert (await put_scenario(client, {"speed": 3})) == {"seed": 11, "speed": 3.0, "server": {}}
    assert await get_json(client, "/__admin/scenario") == {"seed": 11, "speed": 3.0, "server": {}}


@pytest.mark.parametrize(
    ("document", "key"),
    [
        pytest.param({"sede": 1}, "sede", id="unknown-top-key"),
        pytest.param(server(latancy={"model": "fixed", "value": 1}), "server.latancy", id="typo"),
        pytest.param(server(faults={"eror_500": 0.1}), "server.faults.eror_500", id="fault-typo"),
        pytest.param({"seed": "one"}, "seed", id="seed-string"),
        pytest.param({"seed": 1.5}, "seed", id="seed-float"),
        pytest.param({"seed": True}, "seed", id="seed-bool"),
        pytest.param({"speed": "fast"}, "speed", id="speed-string"),
        pytest.param({"speed": 0}, "speed", id="speed-zero"),
        pytest.param({"speed": -1}, "speed", id="speed-negative"),
        pytest.param({"server": []}, "server", id="server-not-table"),
        pytest.param(server(latency={"model": "gaussian"}), "server.latency.model", id="model"),
        pytest.param(
            server(latency={"model": "fixed", "value": -0.1}),
            "server.latency.value",
            id="negative-latency",
        ),
        pytest.param(
            server(latency={"model": "fixed", "value": 4000}),
            "server.latency.value",
            id="latency-over-an-hour",
        ),
        pytest.param(server(latency={"model": "fixed"}), "server.latency.value", id="missing"),
        pytest.param(
            server(latency={"model": "uniform", "low": 0.2, "high": 0.1}),
            "server.latency.high",
            id="uniform-backwards",
        ),
        pytest.param(
            server(latency={"model": "lognormal", "median": 0.3, "p99": 0.1}),
            "server.latency.p99",
            id="lognormal-p99-below-median",
        ),
        pytest.param(
            server(latency={"model": "percentiles", "p50": 0.2, "p90": 0.1}),
            "server.latency.p90",
            id="percentiles-not-monotone",
        ),
        pytest.param(
            server(latency={"model": "mixture", "components": []}),
            "server.latency.components",
            id="mixture-empty",
        ),
        pytest.param(server(faults={"error_500": 1.5}), "server.faults.error_500", id="rate>1"),
        pytest.param(server(faults={"reset": -0.1}), "server.faults.reset", id="rate<0"),
        pytest.param(
            server(faults={"error_500": 0.6, "error_503": 0.6}), "server.faults", id="sum>1"
        ),
        pytest.param(server(faults={"hang_cap": 0}), "server.faults.hang_cap", id="hang-cap-0"),
        pytest.param(server(rate_limit={"rate": 1}), "server.rate_limit.burst", id="no-burst"),
        pytest.param(
            server(rate_limit={"rate": 0, "burst": 1}), "server.rate_limit.rate", id="rate-0"
        ),
        pytest.param(
            server(rate_limit={"rate": 1, "burst": 1, "key": "ip"}),
            "server.rate_limit.key",
            id="limit-key",
        ),
        pytest.param(server(capacity={"workers": 0}), "server.capacity.workers", id="workers-0"),
        pytest.param(server(capacity={"queue": 3}), "server.capacity.workers", id="no-workers"),
        pytest.param(
            server(capacity={"workers": 1, "queue": -1}), "server.capacity.queue", id="queue<0"
        ),
        pytest.param(server(routes={"jobz": {}}), "server.routes.jobz", id="unknown-route"),
        pytest.param(server(zips={"9001": {}}), "server.zips.9001", id="zip-4-digits"),
        pytest.param(
            server(zips={ZIP: {"latency": {"model": "fixed", "value": -1}}}),
            f"server.zips.{ZIP}.latency.value",
            id="zip-override-value",
        ),
        pytest.param(server(zips={ZIP: {"delay": 1}}), f"server.zips.{ZIP}.delay", id="zip-key"),
        pytest.param(server(require_key="yes"), "server.require_key", id="require-key-string"),
    ],
)
async def test_invalid_scenario_is_400_naming_the_key_and_changes_nothing(
    client: TestClient, put_scenario: Any, document: dict[str, Any], key: str
) -> None:
    await put_scenario(client, ACTIVE)
    async with client.put("/__admin/scenario", json=document) as response:
        assert response.status == 400
        body = await response.json()
    assert body["key"] == key
    assert body["message"].startswith(f"{key}:")
    assert await get_json(client, "/__admin/scenario") == ACTIVE


@pytest.mark.parametrize(
    ("raw", "key", "words"),
    [
        pytest.param(b"{not json", "body", "not valid JSON", id="invalid-json"),
        pytest.param(b"", "body", "not valid JSON", id="empty-body"),
        pytest.param(b"\xff\xfe{}", "body", "not valid JSON", id="not-utf8"),
        pytest.param(b"[1, 2]", "body", "expected a JSON object", id="array"),
        pytest.param(b'"seed"', "body", "expected a JSON object", id="string"),
        pytest.param(b"null", "body", "expected a JSON object", id="null"),
    ],
)
async def test_unparseable_scenario_is_400_and_changes_nothing(
    client: TestClient, put_scenario: Any, raw: bytes, key: str, words: str
) -> None:
    await put_scenario(client, ACTIVE)
    async with client.put(
        "/__admin/scenario", data=raw, headers={"Content-Type": "application/json"}
    ) as response:
        assert response.status == 400
        body = await response.json()
    assert body["key"] == key
    assert words in body["message"]
    assert await get_json(client, "/__admin/scenario") == ACTIVE


@pytest.mark.parametrize(
    ("raw", "came"),
    [
        pytest.param(b"[]", "got an array: []", id="array"),
        pytest.param(b'"str"', 'got a string: "str"', id="string"),
        pytest.param(b"null", "got null: null", id="null"),
        pytest.param(b"42", "got a number: 42", id="number"),
        pytest.param(b"true", "got a boolean: true", id="boolean"),
        pytest.param(b'["' + b"x" * 100 + b'"]', 'got an array: ["' + "x" * 38 + "…", id="long"),
    ],
)
async def test_a_scenario_body_not_an_object_says_what_was_expected_and_what_came(
    client: TestClient, put_scenario: Any, raw: bytes, came: str
) -> None:
    await put_scenario(client, ACTIVE)
    for dry_run in ("", "?dry_run=1"):
        async with client.put(
            f"/__admin/scenario{dry_run}", data=raw, headers={"Content-Type": "application/json"}
        ) as response:
            assert response.status == 400
            body = await response.json()
        assert body["key"] == "body"
        assert body["message"].startswith("body: expected a JSON object, a scenario's seed")
        assert body["message"].endswith(came)
    assert await get_json(client, "/__admin/scenario") == ACTIVE


async def test_huge_integer_is_400_not_500(client: TestClient, put_scenario: Any) -> None:
    await put_scenario(client, ACTIVE)
    raw = '{"speed": 1' + "0" * 400 + "}"
    async with client.put("/__admin/scenario", data=raw) as response:
        status = response.status
        body = await response.json()
    assert await get_json(client, "/__admin/scenario") == ACTIVE
    assert status == 400, body
    assert body["key"] == "speed"


# --- /__admin/reset, /__admin/stats, /metrics -------------------------------------------------


async def make_traffic(client: TestClient) -> None:
    for path in (
        f"/api/jobs?LocationId={ZIP}",
        f"/api/jobs?LocationId={ZIP}",
        "/api/jobs?LocationId=bad",
        f"/api/search?LocationName={ZIP}",
        f"/api/Search?LocationName={ZIP}&ResultsPerPage=501",
        "/health",
    ):
        async with client.get(path) as response:
            await response.read()


async def test_stats_counts_routes_and_statuses(client: TestClient) -> None:
    await make_traffic(client)
    stats = await get_json(client, "/__admin/stats")
    assert stats["routes"] == {
        "jobs": {"requests": 3, "statuses": {"200": 2, "400": 1}},
        "search": {"requests": 2, "statuses": {"200": 1, "400": 1}},
    }
    assert stats["requests"] == 5  # /health is not an API route
    assert stats["in_flight"] == 0
    assert stats["queued"] == 0
    assert stats["faults"] == {}
    for series in ("intended", "actual", "overshoot", "queue_wait"):
        summary = stats[series]
        assert summary["count"] == 3  # timed: the requests that reached a handler with a zip
        for name in ("mean_ms", "max_ms", "p50_ms", "p90_ms", "p95_ms", "p99_ms", "p99.9_ms"):
            assert isinstance(summary[name], float)
    assert stats["intended"]["max_ms"] == 0.0
    assert set(stats["cpu"]) == {"user_s", "system_s", "total_s"}
    assert stats["cpu"]["total_s"] >= 0


async def test_stats_record_faults_and_429(client: TestClient, put_scenario: Any) -> None:
    await put_scenario(
        client,
        {
            "server": {
                "rate_limit": {"rate": 0.001, "burst": 2},
                "faults": {"error_503": 1.0},
            }
        },
    )
    for _ in range(3):
        async with client.get(f"/api/jobs?LocationId={ZIP}") as response:
            await response.read()
    stats = await get_json(client, "/__admin/stats")
    assert stats["routes"]["jobs"] == {"requests": 3, "statuses": {"503": 2, "429": 1}}
    assert stats["faults"] == {"error_503": 2}


async def test_reset_clears_stats(client: TestClient, put_scenario: Any) -> None:
    await put_scenario(client, ACTIVE)
    await make_traffic(client)
    assert (await get_json(client, "/__admin/stats"))["requests"] == 5
    async with client.post("/__admin/reset") as response:
        assert response.status == 200
        assert await response.json() == {"reset": True}
    stats = await get_json(client, "/__admin/stats")
    assert stats["routes"] == {}
    assert stats["requests"] == 0
    assert stats["intended"]["count"] == 0
    assert await get_json(client, "/__admin/scenario") == ACTIVE  # the scenario stays


async def test_metrics_is_prometheus_text(client: TestClient) -> None:
    await make_traffic(client)
    async with client.get("/metrics") as response:
        assert response.status == 200
        assert response.content_type == "text/plain"
        text = await response.text()
    lines = text.splitlines()
    assert "# TYPE asynchronicity_requests_total counter" in lines
    assert 'asynchronicity_requests_total{route="jobs",status="200"} 2' in lines
    assert 'asynchronicity_requests_total{route="search",status="400"} 1' in lines
    assert "# TYPE process_cpu_seconds_total counter" in lines
    assert any(line.startswith("process_cpu_seconds_total ") for line in lines)
    assert "asynchronicity_in_flight 0" in lines
    for line in lines:  # every sample line is `name{labels} number`
        if line and not line.startswith("#"):
            float(line.rsplit(" ", 1)[1])


# --- /__admin/preview -----------------------------------------------------------------------


async def test_preview_get_mempy_with_fixed_latency(client: TestClient, put_scenario: Any) -> None:
    await put_scenario(client, {"server": {"latency": {"model": "fixed", "value": 0.1}}})
    body = await get_json(client, "/__admin/preview?zips=mempy-2015&concurrency=1,0&timeout=0.05")
    assert body["expected_total"] == 1651
    assert body["requests"] == 100
    assert body["route"] == "jobs"
    assert [item["zip"] for item in body["zips"]] == list(MEMPY_2015)
    for item in body["zips"]:
        assert item["delay"] == pytest.approx(0.1)
        assert item["fault"] is None
    for name in ("mean", "p50", "p90", "p95", "p99", "max"):
        assert body["latency"][name] == pytest.approx(0.05)  # each wait is capped at the timeout
    assert body["slower_than_timeout"] == 1.0
    assert set(body["makespans"]) == {"1", "0"}

    body = await get_json(client, "/__admin/preview?zips=mempy-2015&concurrency=1,0")
    assert body["timeout"] is None
    assert body["slower_than_timeout"] == 0.0
    for name in ("mean", "p50", "p90", "p95", "p99", "max"):
        assert body["latency"][name] == pytest.approx(0.1)
    assert body["latency"]["sum"] == pytest.approx(10.0)
    assert body["makespans"]["1"] == pytest.approx(10.0)
    assert body["makespans"]["0"] == pytest.approx(0.1)


async def test_preview_reports_faults(client: TestClient, put_scenario: Any) -> None:
    await put_scenario(client, {"server": {"faults": {"error_500": 1.0}}})
    body = await get_json(client, "/__admin/preview?zips=mempy-2015")
    assert body["faults"] == {"error_500": 100}
    assert {item["fault"] for item in body["zips"]} == {"error_500"}
    assert body["makespans"] == {"0": 0.0}


async def test_preview_post_json_body(client: TestClient, put_scenario: Any) -> None:
    await put_scenario(client, {"server": {"latency": {"model": "fixed", "value": 0.2}}})
    request = {
        "zips": [ZIP, "60629", "12345"],
        "concurrency": [1, 2, 0],
        "timeout": 5,
        "route": "search",
        "per_page": 10,
    }
    async with client.post("/__admin/preview", json=request) as response:
        assert response.status == 200
        body = await response.json()
    assert body["route"] == "search"
    assert body["requests"] == 3
    assert body["timeout"] == 5
    assert [item["zip"] for item in body["zips"]] == request["zips"]
    assert body["makespans"] == pytest.approx({"1": 0.6, "2": 0.4, "0": 0.2})
    await put_scenario(client, {})  # count the jobs without waiting out the latency
    async with client.get(f"/api/search?LocationName={ZIP}&ResultsPerPage=0") as response:
        count = (await response.json())["SearchResult"]["SearchResultCountAll"]
    async with client.get("/api/jobs?LocationId=60629&NumberOfJobs=0") as response:
        count += int((await response.json())["TotalJobs"])
    async with client.get("/api/jobs?LocationId=12345&NumberOfJobs=0") as response:
        count += int((await response.json())["TotalJobs"])
    assert body["expected_total"] == count


@pytest.mark.parametrize(
    ("query", "name"),
    [
        pytest.param("", "zips", id="no-zips"),
        pytest.param("zips=", "zips", id="empty-zips"),
        pytest.param("zips=9001", "zips", id="short-zip"),
        pytest.param("zips=no-such-set", "zips", id="unknown-set"),
        pytest.param(f"zips={ZIP},abcde", "zips", id="bad-zip-in-list"),
        pytest.param(f"zips={ZIP}&concurrency=x", "concurrency", id="concurrency-text"),
        pytest.param(f"zips={ZIP}&concurrency=1,-1", "concurrency", id="concurrency-neg"),
        pytest.param(f"zips={ZIP}&timeout=soon", "timeout", id="timeout-text"),
        pytest.param(f"zips={ZIP}&timeout=-1", "timeout", id="timeout-neg"),
        pytest.param(f"zips={ZIP}&timeout=3601", "timeout", id="timeout-huge"),
        pytest.param(f"zips={ZIP}&route=jobz", "route", id="route"),
        pytest.param(f"zips={ZIP}&per_page=many", "per_page", id="per-page"),
        pytest.param(f"zips={ZIP}&zip=90011", "zip", id="unknown-param"),
    ],
)
async def test_invalid_preview_query_is_400_naming_the_parameter(
    client: TestClient, query: str, name: str
) -> None:
    async with client.get(f"/__admin/preview?{query}") as response:
        assert response.status == 400
        body = await response.json()
    assert body["parameter"] == name
    assert body["message"].startswith(f"{name}:")


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        pytest.param(b"{nope", "body", id="invalid-json"),
        pytest.param(b"[]", "body", id="array"),
        pytest.param(json.dumps({"zips": [ZIP], "route": "x"}).encode(), "route", id="route"),
        pytest.param(json.dumps({"zips": [90011]}).encode(), "zips", id="zip-number"),
        pytest.param(json.dumps({"zips": [ZIP], "timeout": [1]}).encode(), "timeout", id="t"),
    ],
)
async def test_invalid_preview_body_is_400(client: TestClient, raw: bytes, name: str) -> None:
    async with client.post("/__admin/preview", data=raw) as response:
        assert response.status == 400
        body = await response.json()
    assert name in body["message"]
    assert body.get("parameter", body.get("key")) == name


async def test_scalar_preview_zips_is_400(client: TestClient) -> None:
    async with client.post("/__admin/preview", json={"zips": 90011}) as response:
        status = response.status
        body = await response.json()
    assert status == 400, body
    assert body["parameter"] == "zips"


async def test_scalar_preview_concurrency_is_a_list_of_one(client: TestClient) -> None:
    async with client.post("/__admin/preview", json={"zips": [ZIP], "concurrency": 4}) as response:
        status = response.status
        body = await response.json()
    assert status == 200, body
    assert list(body["makespans"]) == ["4"]


# --- loopback only -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("10.0.0.1", False),
        ("192.168.1.20", False),
        ("203.0.113.5", False),
        ("2001:db8::1", False),
        ("localhost", False),  # a name, not an address
        ("", False),
        (None, False),
    ],
)
def test_is_loopback(remote: str | None, expected: bool) -> None:
    assert plumbing.is_loopback(remote) is expected


def test_ipv4_mapped_loopback_is_loopback() -> None:
    assert plumbing.is_loopback("::ffff:127.0.0.1")


async def test_admin_refuses_a_non_loopback_peer() -> None:
    app = create_app()
    calls: list[str] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        calls.append(request.path)
        return web.json_response({})

    for path in ("/__admin/scenario", "/__admin/stats", "/__admin/reset"):
        request = make_mocked_request("GET", path, app=app).clone(remote="203.0.113.5")
        response = await guard(request, handler)
        assert response.status == 403
        assert isinstance(response, web.Response) and response.text is not None
        assert "203.0.113.5" in json.loads(response.text)["message"]
    assert calls == []
    # The API itself answers anyone; admin answers loopback.
    remote_api = make_mocked_request("GET", "/health", app=app).clone(remote="203.0.113.5")
    assert (await guard(remote_api, handler)).status == 200
    local = make_mocked_request("GET", "/__admin/stats", app=app).clone(remote="127.0.0.1")
    assert (await guard(local, handler)).status == 200
    assert calls == ["/health", "/__admin/stats"]


async def test_admin_answers_the_loopback_test_client(client: TestClient) -> None:
    async with client.get("/__admin/stats") as response:
        assert response.status == 200
