"""The talk's async client: aiohttp on an event loop, gathered with `as_completed`.

`fetch_all` is the one coroutine; `run` drives it on the standard loop and `uvloop_client`
drives the very same coroutine on uvloop's. With `[workload] rate` (open loop) `fan_out`
starts each request when it is due (`open_loop`), whatever the answers so far.
"""

from __future__ import annotations

import asyncio
import functools
import heapq
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

import aiohttp

from ..arrivals import Due, planned
from ..policy import Policy, Step, Tries, settles
from ..progress import Progress
from ..protocol import Answer, request_url, retry_after, to_attempt
from ..records import CANCELLED, Attempt, ClientSettings
from ._loop import LagSampler, Offload, Work
from ._split import run_split


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


class _Try:
    """One try of one zip: a request, and its hedge when the policy sends one."""

    def __init__(
        self, get: AsyncGetter, url: str, zip_code: str, settings: ClientSettings,
        clock: Callable[[], float], lanes: Lanes,
    ) -> None:  # fmt: skip
        self.get, self.url, self.zip, self.settings = get, url, zip_code, settings
        self.timeout = settings.timeout / settings.speed
        self.clock, self.lanes = clock, lanes
        self.cancelled: list[Attempt] = []

    async def send(self, number: int, hedge: bool = False) -> tuple[Attempt, Answer]:
        """One request on a lane of its own; one cancelled is recorded as such."""
        lane = self.lanes.take()
        start = self.clock()
        try:
            answer = await self.get(self.url, self.timeout)
        except asyncio.CancelledError:
            self.cancelled.append(Attempt(self.zip, number, start, self.clock(), error=CANCELLED,
                                          lane=lane, hedge=hedge))  # fmt: skip
            raise
        finally:
            self.lanes.give(lane)
        attempt = to_attempt(self.zip, number, start, self.clock(), answer, self.settings.api, lane)
        return (replace(attempt, hedge=True) if hedge else attempt), answer

    async def hedged(self, number: int, tries: Tries, after: float) -> list[tuple[Attempt, Answer]]:
        """The request, and a second one if it has not answered `after` seconds on (when the
        policy allows): the first answer that settles it wins, the other is cancelled."""
        pending = {asyncio.ensure_future(self.send(number))}
        ended: list[tuple[Attempt, Answer]] = []
        try:
            done, _ = await asyncio.wait(pending, timeout=after)
            if not done and tries.may_hedge():
                pending.add(asyncio.ensure_future(self.send(number + 1, hedge=True)))
            while pending and not any(settles(a) for a, _ in ended):
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                ended += [task.result() for task in done]
        finally:  # the winner's rival, or both when this zip itself is cancelled (Ctrl-C)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        return ended


async def fetch_zip(
    get: AsyncGetter,
    base_url: str,
    settings: ClientSettings,
    zip_code: str,
    clock: Callable[[], float],
    lanes: Lanes,
    policy: Policy,
    work: Work,
    due: Due | None = None,
) -> list[Attempt]:
    """Ask for one zip, hedging and retrying as the policy says; every attempt is recorded
    (an open-loop request's with its number and due time). After its answer, the
    workload's CPU work (`cpuwork`), where `offload` says (`work`)."""
    one = _Try(get, request_url(base_url, settings, zip_code), zip_code, settings, clock, lanes)
    tries = policy.tries(zip_code if due is None else f"{zip_code}/{due.index}")
    after = tries.hedge_after()
    attempts: list[Attempt] = []
    while True:
        if after is None:
            ended = [await one.send(len(attempts))]
        else:
            ended = await one.hedged(len(attempts), tries, after)
        attempts += [a for a, _ in ended] + one.cancelled
        one.cancelled = []
        ranked = sorted(ended, key=lambda found: not found[0].ok)  # an answer before a failure
        last, answer = next(((a, r) for a, r in ranked if settles(a)), ended[-1])
        decision = tries.after(last, retry_after(answer.headers or {}))
        if decision.step is not Step.RETRY:
            if last.ok:
                await work(answer.body)
            attempts.sort(key=lambda a: a.attempt)
            if due is None:
                return attempts
            return [replace(a, request=due.index, due=due.at) for a in attempts]
        await asyncio.sleep(decision.delay)


async def open_loop(
    plan: Sequence[Due],
    start: Callable[[Due], Awaitable[list[Attempt]]],
    clock: Callable[[], float],
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> list[Attempt]:
    """Start each request of `plan` when it is due on `clock` (at once when already late),
    never waiting for the answers before it; gather every attempt at the end."""
    tasks: list[asyncio.Future[list[Attempt]]] = []
    try:
        for due in plan:
            wait = due.at - clock()
            if wait > 0:
                await sleep(wait)
            tasks.append(asyncio.ensure_future(start(due)))
        return [attempt for found in await asyncio.gather(*tasks) for attempt in found]
    finally:  # interrupted: the requests already started are cancelled, not left running
        for task in tasks:
            task.cancel()


async def fan_out(
    zips: Sequence[str],
    base_url: str,
    settings: ClientSettings,
    progress: Progress,
    get: AsyncGetter,
) -> list[Attempt]:
    """Every zip at once (or `concurrency` at a time) through `get`, collected as they complete,
    the CPU work after each answer where `offload` says, the loop's lag sampled throughout.

    Shared by every async client: only the HTTP library behind `get` differs.
    """
    t0 = time.perf_counter()

    def clock() -> float:
        return time.perf_counter() - t0

    gate = asyncio.Semaphore(settings.concurrency) if settings.concurrency > 0 else None
    lanes = Lanes()
    policy = Policy(settings, clock)

    offload = Offload(settings)
    work = offload.work

    async def one(zip_code: str, due: Due | None = None) -> list[Attempt]:
        if gate is None:
            return await fetch_zip(get, base_url, settings, zip_code, clock, lanes, policy,
                                   work, due)  # fmt: skip
        async with gate:
            return await fetch_zip(get, base_url, settings, zip_code, clock, lanes, policy,
                                   work, due)  # fmt: skip

    async def started(due: Due) -> list[Attempt]:
        found = await one(due.zip, due)
        progress.tick()
        return found

    async def every() -> list[Attempt]:
        if settings.open_loop:  # each request when it is due, whatever the answers so far
            return await open_loop(planned(settings, zips), started, clock)
        attempts: list[Attempt] = []
        for finished in asyncio.as_completed([one(z) for z in zips]):
            attempts += await finished
            progress.tick()
        return attempts

    lag = LagSampler(origin=t0)
    try:
        found: list[Attempt] = await lag.around(every())
        return found
    finally:
        progress.budget_denied = policy.denied
        progress.loop_lag, progress.lags = lag.result(), lag.lags
        progress.extra_rss += offload.close()


async def fetch_all(
    zips: Sequence[str], base_url: str, settings: ClientSettings, progress: Progress
) -> list[Attempt]:
    """The talk's async.py: aiohttp, every zip at once (or `concurrency` at a time)."""
    limit = settings.concurrency
    # The connector's own default cap (100) would quietly limit "unlimited" runs: lift it.
    connector = aiohttp.TCPConnector(limit=limit if limit > 0 else 0)
    async with aiohttp.ClientSession(connector=connector, headers=progress.mark) as session:
        return await fan_out(zips, base_url, settings, progress, functools.partial(get, session))


def run(
    zips: Sequence[str], base_url: str, settings: ClientSettings, progress: Progress
) -> list[Attempt]:
    """Run `fetch_all` on the standard asyncio event loop (one in each of `processes`)."""
    if settings.processes > 1:
        return run_split(zips, base_url, settings, progress)
    return asyncio.run(fetch_all(zips, base_url, settings, progress))
