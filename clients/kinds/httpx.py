"""httpx's async client, the popular alternative to aiohttp, on the same fan-out (and, with
`lib`, any library with httpx's API: the httpx2 kind)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import httpx

from ..progress import Progress
from ..protocol import Answer
from ..records import Attempt, ClientSettings
from .asyncio import fan_out


async def get(client: Any, url: str, timeout: float, lib: Any = httpx) -> Answer:
    """One GET that never raises: failures come back as an `Answer` with an error kind."""
    headers_in = False  # a failure after the headers arrived is a broken body, not a connection
    try:
        # httpx's timeout is per operation; the scenario's is for the whole request.
        async with asyncio.timeout(timeout):
            async with client.stream("GET", url, timeout=timeout) as response:
                headers_in = True
                body = await response.aread()
                return Answer(response.status_code, body, response.headers)
    except (lib.TimeoutException, TimeoutError):
        return Answer(None, error="timeout")
    except lib.TransportError:
        return Answer(None, error="payload" if headers_in else "connection")
    except lib.HTTPError as error:
        return Answer(None, error=type(error).__name__)


async def fetch_all(
    zips: Sequence[str],
    base_url: str,
    settings: ClientSettings,
    progress: Progress,
    lib: Any = httpx,
) -> list[Attempt]:
    """Every zip through one `AsyncClient` (connections capped by `concurrency`)."""
    limit = settings.concurrency if settings.concurrency > 0 else None
    limits = lib.Limits(max_connections=limit, max_keepalive_connections=limit)
    async with lib.AsyncClient(limits=limits, headers=progress.mark) as client:

        async def one_get(url: str, timeout: float) -> Answer:
            return await get(client, url, timeout, lib)

        return await fan_out(zips, base_url, settings, progress, one_get)


def run(
    zips: Sequence[str], base_url: str, settings: ClientSettings, progress: Progress
) -> list[Attempt]:
    """Run the httpx fan-out on the standard asyncio loop."""
    return asyncio.run(fetch_all(zips, base_url, settings, progress))
