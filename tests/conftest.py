"""Shared fixtures: the real server on a free loopback port, driven by real HTTP clients.

The helpers themselves (a free port, the live server) live in `tests/helpers.py`.

Two ways to run it:

* async tests use pytest-aiohttp: `make_client(config, require_key=...)` builds the app with
  `server.app.create_app` and returns an `aiohttp.test_utils.TestClient` whose server listens
  on 127.0.0.1 at a free port; `client` is one with the default configuration.
* blocking tests use `live_server` / `live_server_factory`: the app runs under
  `web.AppRunner` + `web.TCPSite` on its own event loop in a background thread, and
  `requests` talks to it over a real socket. Teardown stops the site and joins the thread.
"""

from __future__ import annotations

import platform
import subprocess
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any, Protocol

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.config.parser import parse_config
from server.config.settings import ServerConfig
from tests.helpers import LiveServer

Client = TestClient[web.Request, web.Application]


# platform's processor name runs `uname -p` once, on first use: have it now, not in a test.
_ = platform.uname().processor


@pytest.fixture(autouse=True)
def _subprocess_means_slow(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test that starts a process must be marked `slow`, so `make test-fast` can skip it."""
    if request.node.get_closest_marker("slow") is not None:
        return

    def refuse(self: subprocess.Popen[Any], args: Any, *rest: Any, **kw: Any) -> None:
        raise AssertionError(
            f"{request.node.nodeid} starts a process ({args!r}): mark it @pytest.mark.slow"
        )

    monkeypatch.setattr(subprocess.Popen, "_execute_child", refuse)


class MakeClient(Protocol):
    """The `make_client` fixture's signature."""

    def __call__(
        self, config: ServerConfig | Mapping[str, Any] | None = None, *, require_key: bool = False
    ) -> Awaitable[Client]: ...


PutScenario = Callable[[Client, Mapping[str, Any]], Awaitable[Any]]


def as_config(config: ServerConfig | Mapping[str, Any] | None) -> ServerConfig | None:
    """A `ServerConfig` from a configuration document (or one already parsed)."""
    if config is None or isinstance(config, ServerConfig):
        return config
    return parse_config(config)


async def put_scenario_async(client: Client, document: Mapping[str, Any]) -> Any:
    """PUT a configuration document to /__admin/scenario; assert it was accepted."""
    async with client.put("/__admin/scenario", json=document) as response:
        body = await response.json()
        assert response.status == 200, body
        return body


@pytest.fixture
def put_scenario() -> PutScenario:
    """`await put_scenario(client, document)`: activate a configuration, return its echo."""
    return put_scenario_async


@pytest.fixture
def make_client(
    aiohttp_client: Callable[..., Awaitable[Client]],
) -> MakeClient:
    """`await make_client(config=None, require_key=False)`: a TestClient on a live server."""

    async def make(
        config: ServerConfig | Mapping[str, Any] | None = None, *, require_key: bool = False
    ) -> Client:
        return await aiohttp_client(create_app(as_config(config), require_key=require_key))

    return make


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    """A TestClient on a live server with the default configuration (seed 0, no injection)."""
    return await make_client()


LiveServerFactory = Callable[..., LiveServer]


@pytest.fixture
def live_server_factory() -> Iterator[LiveServerFactory]:
    """`live_server_factory(config=None, require_key=False)`: a started `LiveServer`."""
    servers: list[LiveServer] = []

    def make(
        config: ServerConfig | Mapping[str, Any] | None = None, *, require_key: bool = False
    ) -> LiveServer:
        server = LiveServer(create_app(as_config(config), require_key=require_key))
        servers.append(server)
        return server.start()

    yield make
    for server in reversed(servers):
        server.stop()


@pytest.fixture
def live_server(live_server_factory: LiveServerFactory) -> LiveServer:
    """A `LiveServer` with the default configuration, for blocking `requests` tests."""
    return live_server_factory()
