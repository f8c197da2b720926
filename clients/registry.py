"""Client kinds by name; modules load lazily so a worker imports only the client it runs."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Final

from clients.progress import Progress
from clients.records import Attempt, ClientSettings

RunFunction = Callable[[Sequence[str], str, ClientSettings, Progress], list[Attempt]]

KINDS: Final = {
    "blocking": "clients.blocking",
    "threaded": "clients.threaded",
    "asyncio": "clients.asyncio_client",
    "uvloop": "clients.uvloop_client",
    "httpx": "clients.httpx_client",
    "processes": "clients.processes",
    "javascript": "clients.javascript_client",
    "browser": "clients.browser_client",
}


def load(kind: str) -> RunFunction:
    """The `run` function of a client kind."""
    module = importlib.import_module(KINDS[kind])
    run: RunFunction = module.run
    return run
