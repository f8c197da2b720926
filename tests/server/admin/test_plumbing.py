"""Admin bodies under the one size and nesting rule a scenario file obeys: 413 naming the
limit, 400 naming the nesting, a BOM read, and 25,000 zip overrides in one body."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server import cli
from server.config.documents import MAX_DOCUMENT_BYTES

ZIP = "90011"


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
        pytest.param("POST", "/__admin/reset", id="reset"),
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
