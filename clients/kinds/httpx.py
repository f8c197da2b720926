"""httpx's async client, the popular alternative to aiohttp, on the same fan-out."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import httpx

from ..progress import Progress
from ..protocol import Answer
from ..records import Attempt, ClientSettings
from .asyncio import fan_out


async def get(client: httpx.AsyncClient, url: str, timeout: float) -> Answer:
    """One GET that never raises: failures come back as an `Answer` with an error kind."""
    headers_in = False  # a failure after the headers arrived is a broken body, not a connection
    try:
        # httpx's timeout is per operation; the scenario's is for the whole request.
        async with asyncio.timeout(timeout):
            async with client.stream("GET", url, timeout=timeout) as response:
                headers_in = True
                body = await response.aread()
                return Answer(response.status_code, body, response.headers)
    except (httpx.TimeoutException, TimeoutError):
        return Answer(None, error="timeout")
    except httpx.TransportError:
        return Answer(None, error="payload" if headers_in else "connection")
    except httpx.HTTPError as error:
        return Answer(None, error=type(error).__name__)


async def fetch_all(
    zips: Sequence[str], base_url: str, settings: ClientSettings, progress: Progress
) -> list[Attempt]:
    """Every zip through one `httpx.AsyncClient` (connections capped by `concurrency`)."""
    limit = settings.concurrency if settings.concurrency > 0 else None
    limits = httpx.Limits(max_connections=limit, max_keepalive_connections=limit)
    async with httpx.AsyncClient(limits=limits, headers=progress.mark) as client:

        async def one_get(url: str, timeout: float) -> Answer:
            return await get(client, url, timeout)

        return await fan_out(zips, base_url, settings, progress, one_get)


def run(
    zips: Sequence[str], base_url: str, settings: ClientSettings, progress: Progress
) -> list[Attempt]:
    """Run the httpx fan-out on the standard asyncio loop."""
    return asyncio.run(fetch_all(zips, base_url, settings, progress))
