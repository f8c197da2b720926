"""niquests' `AsyncSession` (2026's drop-in successor to requests, with async and HTTP/2/3) on
the shared fan-out. Optional: a row is skipped where niquests is not installed.

niquests depends on urllib3-future, which installs itself as `urllib3`: in the same
environment requests (the blocking, threaded and processes rows) then runs on it too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from ..progress import Progress
from ..protocol import Answer
from ..records import Attempt, ClientSettings
from ._optional import need
from .asyncio import fan_out


async def get(lib: Any, session: Any, url: str, timeout: float) -> Answer:
    """One GET that never raises: failures come back as an `Answer` with an error kind."""
    try:
        async with asyncio.timeout(timeout):  # the scenario's timeout is for the whole request
            response = await session.get(url, timeout=timeout)
            body = response.content or b""
            return Answer(response.status_code, body, response.headers)
    except (lib.exceptions.Timeout, TimeoutError):
        return Answer(None, error="timeout")
    except (lib.exceptions.ChunkedEncodingError, lib.exceptions.ContentDecodingError):
        return Answer(None, error="payload")
    except lib.exceptions.ConnectionError:
        return Answer(None, error="connection")
    except lib.exceptions.RequestException as error:
        return Answer(None, error=type(error).__name__)


async def fetch_all(
    zips: Sequence[str], base_url: str, settings: ClientSettings, progress: Progress, lib: Any
) -> list[Attempt]:
    """Every zip through one `AsyncSession` (its pool as large as the concurrency)."""
    size = settings.concurrency if settings.concurrency > 0 else max(1, len(zips))
    async with lib.AsyncSession(pool_connections=1, pool_maxsize=size) as session:
        session.headers.update(progress.mark)  # the run's tag on every request

        async def one_get(url: str, timeout: float) -> Answer:
            return await get(lib, session, url, timeout)

        return await fan_out(zips, base_url, settings, progress, one_get)


def run(
    zips: Sequence[str], base_url: str, settings: ClientSettings, progress: Progress
) -> list[Attempt]:
    """Run the niquests fan-out on the standard asyncio loop."""
    lib = need("niquests")
    return asyncio.run(fetch_all(zips, base_url, settings, progress, lib))
