"""Shared fixtures: the real server on a free loopback port, driven by real HTTP clients.

Two ways to run it:

* async tests use pytest-aiohttp: `make_client(config, require_key=...)` builds the app with
  `server.app.create_app` and returns an `aiohttp.test_utils.TestClient` whose server listens
  on 127.0.0.1 at a free port; `client` is one with the default configuration.
* blocking tests use `live_server` / `live_server_factory`: the app runs under
  `web.AppRunner` + `web.TCPSite` on its own event loop in a background thread, and
  `requests` talks to it over a real socket. Teardown stops the site and joins the thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any, Protocol

import pytest
import requests
from aiohttp import web
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.config import ServerConfig, parse_config
from server.state import STATE, State

Client = TestClient[web.Request, web.Application]
LOOPBACK = "127.0.0.1"
START_TIMEOUT = 10.0  # seconds to wait for a background server to start or stop


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


class LiveServer:
    """The app on 127.0.0.1 at a free port, served by an event loop in a background thread."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.host = LOOPBACK
        self.port = 0
        self.loop = asyncio.new_event_loop()
        self._runner = web.AppRunner(app, shutdown_timeout=1.0)
        self._thread = threading.Thread(target=self._run, name="live-server", daemon=True)

    @property
    def url(self) -> str:
        """The base URL, e.g. `http://127.0.0.1:41234`."""
        return f"http://{self.host}:{self.port}"

    @property
    def state(self) -> State:
        """The app's live state (read it only; the server thread owns it)."""
        return self.app[STATE]

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        finally:
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()

    async def _start(self) -> int:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        port: int = self._runner.addresses[0][1]
        return port

    def start(self) -> LiveServer:
        """Start the loop thread and the site; return once the port is listening."""
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self.loop)
        self.port = future.result(START_TIMEOUT)
        return self

    def stop(self) -> None:
        """Close the site and its connections, stop the loop, join the thread."""
        if not self._thread.is_alive():
            return
        try:
            cleanup = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self.loop)
            cleanup.result(START_TIMEOUT)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(START_TIMEOUT)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        """`requests.get` on this server (timeout 10 s unless given)."""
        kwargs.setdefault("timeout", 10)
        return requests.get(self.url + path, **kwargs)

    def put_scenario(self, document: Mapping[str, Any]) -> Any:
        """PUT a configuration document to /__admin/scenario; assert it was accepted."""
        response = requests.put(self.url + "/__admin/scenario", json=document, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()


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
