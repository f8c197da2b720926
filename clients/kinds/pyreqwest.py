"""pyreqwest: Rust's reqwest (on tokio, in threads of its own) behind an asyncio API, on the
shared fan-out. Optional: a row is skipped where pyreqwest is not installed."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from typing import Any

from ..progress import Progress
from ..protocol import Answer
from ..records import Attempt, ClientSettings
from ._optional import need
from .asyncio import fan_out


async def get(errors: Any, client: Any, url: str, timeout: float) -> Answer:
    """One GET that never raises: failures come back as an `Answer` with an error kind."""
    try:
        request = client.get(url).timeout(dt.timedelta(seconds=timeout)).build()
        response = await request.send()
        body = bytes(await response.bytes())
        return Answer(response.status, body, response.headers)  # case-insensitive
    except (errors.RequestTimeoutError, TimeoutError):
        return Answer(None, error="timeout")
    except errors.ConnectError:
        return Answer(None, error="connection")
    except (errors.ReadError, errors.DecodeError):
        return Answer(None, error="payload")
    except errors.PyreqwestError as error:
        return Answer(None, error=type(error).__name__)


async def fetch_all(
    zips: Sequence[str], base_url: str, settings: ClientSettings, progress: Progress
) -> list[Attempt]:
    """Every zip through one pyreqwest `Client` (connections capped by `concurrency`)."""
    client_module, errors = need("pyreqwest.client"), need("pyreqwest.exceptions")
    builder = client_module.ClientBuilder().error_for_status(False)
    if progress.mark:  # the run's tag on every request
        builder = builder.default_headers(progress.mark)
    if settings.concurrency > 0:
        builder = builder.max_connections(settings.concurrency)
    async with builder.build() as client:

        async def one_get(url: str, timeout: float) -> Answer:
            return await get(errors, client, url, timeout)

        return await fan_out(zips, base_url, settings, progress, one_get)


def run(
    zips: Sequence[str], base_url: str, settings: ClientSettings, progress: Progress
) -> list[Attempt]:
    """Run the pyreqwest fan-out on the standard asyncio loop."""
    need("pyreqwest")
    return asyncio.run(fetch_all(zips, base_url, settings, progress))
