"""The app factory: no middleware, `/health` and `/openapi.json`, and the router's own
errors in JSON."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from server.app import create_app
from tests.helpers import get_json


def test_no_route_runs_through_a_middleware() -> None:
    app = create_app()
    assert list(app.middlewares) == []


# --- /health and /openapi.json ----------------------------------------------------------


async def test_health(make_client: Any) -> None:
    client = await make_client({"seed": 42})
    body = await get_json(client, "/health")
    assert body["status"] == "ok"
    assert body["name"] == "asynchronicity"  # what the clients check before changing anything
    assert body["seed"] == 42
    assert isinstance(body["version"], str) and body["version"]


async def test_openapi_lists_every_registered_route(client: TestClient) -> None:
    document = await get_json(client, "/openapi.json")
    assert str(document["openapi"]).startswith("3.")
    assert document["info"]["title"]
    registered = {resource.canonical for resource in client.app.router.resources()}
    assert registered >= {"/api/jobs", "/api/search", "/api/Search", "/health", "/openapi.json"}
    assert registered <= set(document["paths"]), registered - set(document["paths"])
    for route in client.app.router.routes():
        if route.method == "HEAD":
            continue
        operations = document["paths"][route.resource.canonical]
        assert route.method.lower() in operations, (route.method, route.resource.canonical)


async def test_405_names_allowed_methods_in_allow_header(client: TestClient) -> None:
    async with client.post("/api/jobs") as response:
        assert response.status == 405
        assert "GET" in response.headers.get("Allow", "")
