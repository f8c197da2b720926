"""The talk's async client: aiohttp on an event loop, gathered with `as_completed`.

`fetch_all` is the one coroutine; `run` drives it on the standard loop and `uvloop_client`
drives the very same coroutine on uvloop's.
"""

from __future__ import annotations

import asyncio
import functools
import heapq
import time
from collections.abc import Awaitable, Callable, Sequence

import aiohttp

from ..progress import Progress
from ..protocol import (
    Answer,
    backoff_delay,
    is_retryable,
    request_url,
    retry_after,
    to_attempt,
)
from ..records import Attempt, ClientSettings


class Lanes:
    """Hands out the lowest free slot number, so a timeline can draw one lane per slot."""

    def __init__(self) -> None:
        self._free: list[int] = []
        self._next = 0

    def take(self) -> int:
        """A free lane."""
        if self._free:
            return heapq.heappop(self._free)
        self._next += 1
        return self._next - 1

    def give(self, lane: int) -> None:
        """Return a lane."""
        heapq.heappush(self._free, lane)


async def get(session: aiohttp.ClientSession, url: str, timeout: float) -> Answer:
    """One GET that never raises: failures come back as an `Answer` with an error kind."""
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            body = await response.read()
            return Answer(response.status, body, response.headers)
    except TimeoutError:
        return Answer(None, error="timeout")
    except aiohttp.ClientPayloadError:
        return Answer(None, error="payload")
    except aiohttp.ClientConnectionError:
        return Answer(None, error="connection")
    except aiohttp.ClientError as error:
        return Answer(None, error=type(error).__name__)


AsyncGetter = Callable[[str, float], Awaitable[Answer]]


async def fetch_zip(
    get: AsyncGetter,
    base_url: str,
    settings: ClientSettings,
    zip_code: str,
    clock: Callable[[], float],
    lanes: Lanes,
) -> list[Attempt]:
    """Ask for one zip, retrying as the settings say; every attempt is recorded."""
    url = request_url(base_url, settings, zip_code)
    timeout = settings.timeout / settings.speed
    attempts: list[Attempt] = []
    for number in range(settings.retries + 1):
        lane = lanes.take()
        start = clock()
        answer = await get(url, timeout)
        attempt = to_attempt(zip_code, number, start, clock(), answer, settings.api, lane)
        lanes.give(lane)
        attempts.append(attempt)
        if attempt.ok or not is_retryable(attempt.status, attempt.error):
            break
        if number < settings.retries:
            asked = retry_after(answer.headers or {})
            await asyncio.sleep(backoff_delay(settings, number + 1, asked))
    return attempts


async def fan_out(
    zips: Sequence[str],
    base_url: str,
    settings: ClientSettings,
    progress: Progress,
    get: AsyncGetter,
) -> list[Attempt]:
    """Every zip at once (or `concurrency` at a time) through `get`, collected as they complete.

    Shared by every async client: only the HTTP library behind `get` differs.
    """
    t0 = time.perf_counter()

    def clock() -> float:
        return time.perf_counter() - t0

    gate = asyncio.Semaphore(settings.concurrency) if settings.concurrency > 0 else None
    lanes = Lanes()

    async def one(zip_code: str) -> list[Attempt]:
        if gate is None:
            return await fetch_zip(get, base_url, settings, zip_code, clock, lanes)
        async with gate:
            return await fetch_zip(get, base_url, settings, zip_code, clock, lanes)

    attempts: list[Attempt] = []
    for finished in asyncio.as_completed([one(z) for z in zips]):
        attempts += await finished
        progress.tick()
    return attempts


async def fetch_all(
    zips: Sequence[str], base_url: str, settings: ClientSettings, progress: Progress
) -> list[Attempt]:
    """The talk's async.py: aiohttp, every zip at once (or `concurrency` at a time)."""
    limit = settings.concurrency
    # The connector's own default cap (100) would quietly limit "unlimited" runs: lift it.
    connector = aiohttp.TCPConnector(limit=limit if limit > 0 else 0)
    async with aiohttp.ClientSession(connector=connector) as session:
        return await fan_out(zips, base_url, settings, progress, functools.partial(get, session))


def run(
    zips: Sequence[str], base_url: str, settings: ClientSettings, progress: Progress
) -> list[Attempt]:
    """Run `fetch_all` on the standard asyncio event loop."""
    return asyncio.run(fetch_all(zips, base_url, settings, progress))
