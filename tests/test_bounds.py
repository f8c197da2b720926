"""Bad input gets a one-line answer naming what was wrong and its bound — never a 500, a
traceback or an endless number: rates, speeds and byte rates, nesting, size, BOMs, typos."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import math
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from hypothesis import given
from hypothesis import strategies as st

from server import cli, logs
from server.admin.preview import preview
from server.config.documents import MAX_DEPTH, MAX_DOCUMENT_BYTES, check_keys, too_deep
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
    root = Path(__file__).resolve().parents[1] / "server"
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


# --- nesting and size ------------------------------------------------------------------------


def nested(depth: int, kind: str) -> str:
    if kind == "table":
        return "a = " + "{b = " * depth + "1" + "}" * depth + "\n"
    return "a = " + "[" * depth + "]" * depth + "\n"


@pytest.mark.parametrize("kind", ["table", "array"])
def test_a_scenario_file_nested_5000_deep_is_one_line(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "deep.toml"
    path.write_text(nested(5000, kind), encoding="utf-8")
    with pytest.raises(ScenarioError) as error:
        cli.load_config(path, None)
    assert "nested too deeply" in str(error.value)


def test_a_readable_but_too_deep_scenario_names_where(tmp_path: Path) -> None:
    inner = '{weight = 1, model = "fixed", value = 1}'
    for _ in range(20):
        inner = f'{{weight = 1, model = "mixture", components = [{inner}]}}'
    path = tmp_path / "mixture.toml"
    path.write_text(f'[server.latency]\nmodel = "mixture"\ncomponents = [{inner}]\n')
    with pytest.raises(ScenarioError) as error:
        cli.load_config(path, None)
    assert error.value.key.startswith("server.latency.components[0].components[0]")
    assert f"nested more than {MAX_DEPTH} levels deep" in str(error.value)


def test_too_deep_is_iterative_and_names_the_path() -> None:
    document: Any = 1
    for _ in range(100_000):
        document = [document]
    assert too_deep(document) == "[0]" * MAX_DEPTH
    assert too_deep({"server": {"zips": {ZIP: {}}}}) is None


def test_a_scenario_file_with_a_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b'\xef\xbb\xbfseed = 3\n[server.latency]\nmodel = "fixed"\nvalue = 0.5\n')
    config = cli.load_config(path, None)
    assert config.seed == 3
    assert config.document["server"] == {"latency": {"model": "fixed", "value": 0.5}}


def test_a_scenario_file_over_the_limit_names_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.toml"
    path.write_bytes(b"#" * (MAX_DOCUMENT_BYTES + 1) + b"\n")
    with pytest.raises(ScenarioError) as error:
        cli.load_config(path, None)
    assert f"{MAX_DOCUMENT_BYTES + 2} bytes is over the 16 MiB ({MAX_DOCUMENT_BYTES} bytes)" in (
        str(error.value)
    )


def zip_overrides(count: int) -> dict[str, Any]:
    zips = {f"{n:05d}": {"latency": {"model": "fixed", "value": 0.01}} for n in range(count)}
    return {"server": {"zips": zips}}


async def test_a_scenario_of_25000_zip_overrides_fits_one_body(
    client: TestClient, tmp_path: Path
) -> None:
    document = zip_overrides(25_000)
    raw = json.dumps(document).encode()
    assert 1024 * 1024 < len(raw) <= MAX_DOCUMENT_BYTES  # over aiohttp's 1 MiB default
    async with client.put("/__admin/scenario?dry_run=1", data=io.BytesIO(raw)) as response:
        assert response.status == 200, await response.text()
    # ...and `server --scenario` takes the same scenario as a file: one rule for both.
    path = tmp_path / "zips.toml"
    lines = [
        f'[server.zips."{z}".latency]\nmodel = "fixed"\nvalue = 0.01\n'
        for z in document["server"]["zips"]
    ]
    path.write_text("".join(lines), encoding="utf-8")
    assert len(cli.load_config(path, None).zips) == 25_000


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("PUT", "/__admin/scenario", id="scenario"),
        pytest.param("POST", "/__admin/preview", id="preview"),
        pytest.param("POST", "/__admin/warm", id="warm"),
        pytest.param("POST", "/__admin/lease", id="lease"),
    ],
)
async def test_an_admin_body_over_the_limit_is_413_naming_it(
    client: TestClient, method: str, path: str
) -> None:
    raw = io.BytesIO(b" " * (MAX_DOCUMENT_BYTES + 1))
    async with client.request(method, path, data=raw) as response:
        assert response.status == 413
        body = await response.json()
    assert body["parameter"] == "body"
    assert f"over the 16 MiB ({MAX_DOCUMENT_BYTES} bytes) limit" in body["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("PUT", "/__admin/scenario", id="scenario"),
        pytest.param("POST", "/__admin/preview", id="preview"),
        pytest.param("POST", "/__admin/warm", id="warm"),
        pytest.param("POST", "/__admin/lease", id="lease"),
    ],
)
@pytest.mark.parametrize("depth", [40, 5000])
async def test_a_deeply_nested_admin_body_is_400(
    client: TestClient, method: str, path: str, depth: int
) -> None:
    raw = '{"zips": ' + "[" * depth + "]" * depth + "}"
    async with client.request(method, path, data=raw) as response:
        assert response.status == 400
        body = await response.json()
    assert body.get("parameter", body.get("key")) == "body"
    assert "nested" in body["message"]
    assert "\n" not in body["message"]


async def test_a_json_body_with_a_bom_is_read(client: TestClient) -> None:
    raw = b"\xef\xbb\xbf" + json.dumps({"zips": [ZIP]}).encode()
    async with client.post("/__admin/preview", data=raw) as response:
        assert response.status == 200, await response.text()


# --- one log line per refused request --------------------------------------------------------


@pytest.fixture
def server_log() -> Iterator[io.StringIO]:
    """aiohttp's server logger with the one-line filter, written to a string (then undone)."""
    logger = logging.getLogger(logs.SERVER_LOGGER)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    refusals = logs.OneLineRefusals()
    logger.addFilter(refusals)
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.removeFilter(refusals)


MALFORMED = [
    pytest.param(b"GET /" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", id="10kb-path"),
    pytest.param(
        b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(200)) + b"\r\n",
        id="200-headers",
    ),
    pytest.param(
        b"POST /__admin/reset HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        id="negative-length",
    ),
]


@pytest.mark.parametrize("raw", MALFORMED)
async def test_a_malformed_request_is_one_log_line(
    client: TestClient, server_log: io.StringIO, raw: bytes
) -> None:
    assert client.server.port is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", client.server.port)
    writer.write(raw)
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    await writer.wait_closed()
    assert status_line.startswith(b"HTTP/1.") and b" 400 " in status_line
    text = server_log.getvalue()
    assert "Traceback" not in text
    lines = text.splitlines()
    assert len(lines) == 1, text
    assert lines[0].startswith("refused a malformed request from 127.0.0.1: 400 ")
    assert len(lines[0]) < 300


def test_install_is_idempotent() -> None:
    logger = logging.getLogger(logs.SERVER_LOGGER)
    before = (list(logger.filters), list(logger.handlers), logger.propagate)
    try:
        logs.install(io.StringIO())
        logs.install(io.StringIO())
        assert sum(isinstance(f, logs.OneLineRefusals) for f in logger.filters) == 1
        assert len(logger.handlers) == max(1, len(before[1]))
    finally:
        logger.filters[:], logger.handlers[:], logger.propagate = before


# --- a server bound beyond loopback says so --------------------------------------------------


@pytest.mark.parametrize(
    ("host", "said"),
    [
        pytest.param("127.0.0.1", False, id="loopback"),
        pytest.param("::1", False, id="loopback-v6"),
        pytest.param("0.0.0.0", True, id="everything"),
        pytest.param("::", True, id="everything-v6"),
        pytest.param("192.168.1.20", True, id="lan"),
        pytest.param("", True, id="empty-binds-everything"),
    ],
)
def test_exposure_notice(host: str, said: bool) -> None:
    notice = cli.exposure(host)
    assert (notice is not None) is said
    if notice is not None:
        assert "/health" in notice and "/metrics" in notice
        assert "loopback peers only" in notice
        assert "\n" not in notice


class FakeSocket:
    """A listening socket as main() sees it, bound (so it says) to every address."""

    def getsockname(self) -> tuple[str, int]:
        return ("0.0.0.0", 8080)

    def close(self) -> None:
        pass


def test_main_says_in_one_line_when_bound_beyond_loopback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # No socket is really bound beyond loopback: `bind` and `run_app` are stood in for.
    monkeypatch.setattr(cli, "bind", lambda host, port: FakeSocket())
    monkeypatch.setattr(cli, "raise_open_file_limit", lambda: None)
    monkeypatch.setattr(cli, "new_loop", lambda name: None)
    monkeypatch.setattr(web, "run_app", lambda app, **kwargs: None)
    monkeypatch.setattr(logs, "install", lambda stream=None: None)
    assert cli.main(["--host", "", "--port", "8080"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("serving on http://0.0.0.0:8080")
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert "reachable from the network" in lines[0]


def test_main_is_quiet_about_exposure_on_loopback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sockets: list[socket.socket] = []
    real_bind = cli.bind

    def loopback(host: str, port: int) -> socket.socket:
        sockets.append(real_bind(host, port))
        return sockets[-1]

    monkeypatch.setattr(cli, "bind", loopback)
    monkeypatch.setattr(cli, "raise_open_file_limit", lambda: None)
    monkeypatch.setattr(cli, "new_loop", lambda name: None)
    monkeypatch.setattr(web, "run_app", lambda app, **kwargs: None)
    monkeypatch.setattr(logs, "install", lambda stream=None: None)
    try:
        assert cli.main(["--port", "0"]) == 0
    finally:
        for sock in sockets:
            sock.close()
    assert capsys.readouterr().err == ""


def test_a_bad_seed_flag_is_named_as_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--seed", "9" * 25, "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --seed: seed: must fit in 64 bits")
    assert len(err.strip().splitlines()) == 1
