"""Delivering a plan on the wire: the answer after its delay, or the fault it draws.

A reset is a TCP RST (SO_LINGER 0); a hang never answers until the client gives up or its cap
passes; a truncated body promises the whole length and sends half; a malformed one is a whole
HTTP answer that is not JSON; a slow body trickles at its byte rate. Every wait is slept to an
absolute deadline on the event loop and notices a client that left (`ClientGone`). The stats
are counted here, as each answer goes out; the journal entry is the caller's (`handler`).
"""

from __future__ import annotations

import asyncio
import math
import socket
import struct
from collections.abc import Callable
from typing import Final

from aiohttp import web

from ..config.plan import Plan
from ..models.faults import Fault
from ..state import State
from .responses import json_error

JSON: Final = "application/json"
GONE_POLL: Final = 1.0  # a long delay checks this often whether its client is still there
HANG_POLL: Final = 0.05  # how often a hanging request checks whether its client gave up
SLOW_TICK: Final = 0.05  # a slow body is written in slices this far apart


class ClientGone(Exception):
    """The peer closed the connection before its answer was complete."""


async def send(request: web.Request, response: web.StreamResponse) -> bool:
    """Write the whole answer now, so its end can be journaled; False if the client left."""
    try:
        await response.prepare(request)
        await response.write_eof()
    except ConnectionError:
        return False
    return True


def body_length(response: web.StreamResponse) -> int:
    """The bytes of a whole answer's body (0 for a stream, whose writer counts its own)."""
    body = response.body if isinstance(response, web.Response) else None
    return len(body) if isinstance(body, bytes) else 0


async def deliver(
    request: web.Request,
    state: State,
    route: str,
    body: bytes,
    plan: Plan,
    header: str,
    timing: tuple[float, float, float],
) -> tuple[web.StreamResponse, tuple[int | str, int]]:
    """The planned fault, or the answer; with what the client got (status, body bytes)."""
    fault = plan.fault
    fault_name = fault.value if fault else None
    if fault is Fault.RESET:
        _reset(request)
        state.stats.record(route, "reset", fault_name, timing)
        return web.Response(status=499), ("reset", 0)  # never sent: the connection is gone
    if fault is Fault.HANG:
        await _hang(request, state, plan.hang_cap)  # raises ClientGone if the client leaves
        state.stats.record(route, "hang", fault_name, timing)
        return web.Response(status=499), ("reset", 0)
    if fault in (Fault.ERROR_500, Fault.ERROR_503):
        status = 500 if fault is Fault.ERROR_500 else 503
        response = json_error(status, f"injected fault: {fault_name}")
    else:
        response = web.Response(body=body, content_type=JSON)
    response.headers["Server-Timing"] = header
    state.stats.record(route, str(response.status), fault_name, timing)
    if fault in (Fault.TRUNCATE, Fault.MALFORMED, Fault.SLOW_BODY) and response.status == 200:
        return await _broken_body(request, state, response, fault, plan.slow_bps)
    if not await send(request, response):
        raise ClientGone
    return response, (response.status, body_length(response))


async def wait_until(
    request: web.Request, clock: Callable[[], float], deadline: float, *, watch: bool = True
) -> None:
    """Sleep on the event loop until `clock` reads `deadline`; a long wait checks every
    GONE_POLL seconds that its client is still there (raises ClientGone if not), unless it
    is not to `watch` (the work is kept whether anyone waits for it)."""
    while True:
        remaining = deadline - clock()
        if remaining <= 0:
            return
        if watch and _client_left(request):
            raise ClientGone
        if remaining <= GONE_POLL:
            await asyncio.sleep(remaining)  # the common case: one timer, no polling
            return
        await asyncio.sleep(GONE_POLL)


def _client_left(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


def _reset(request: web.Request) -> None:
    """Abort the connection with a TCP RST (SO_LINGER 0), so the client sees a reset."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


async def _hang(request: web.Request, state: State, cap: float) -> None:
    """Never answer: wait until the client gives up (ClientGone) or `cap` seconds pass, then
    drop the connection."""
    deadline = state.clock() + cap
    while state.clock() < deadline:
        if _client_left(request):
            raise ClientGone
        await asyncio.sleep(min(HANG_POLL, max(0.0, deadline - state.clock())))
    _reset(request)


async def _broken_body(
    request: web.Request, state: State, response: web.Response, fault: Fault, rate: float
) -> tuple[web.StreamResponse, tuple[int | str, int]]:
    body = response.body
    assert isinstance(body, bytes)
    timing = response.headers["Server-Timing"]
    if fault is Fault.MALFORMED:  # complete as HTTP, broken as JSON
        half = web.Response(body=body[: max(1, len(body) // 2)], status=200,
                            content_type=JSON, headers={"Server-Timing": timing})  # fmt: skip
        if not await send(request, half):
            raise ClientGone
        return half, (200, body_length(half))
    stream = web.StreamResponse(status=200, headers={"Server-Timing": timing})
    stream.content_type = JSON
    stream.content_length = len(body)
    await stream.prepare(request)
    if fault is Fault.TRUNCATE:  # promise the whole body, send half, hang up
        await stream.write(body[: len(body) // 2])
        _reset(request)
        return stream, ("reset", len(body) // 2)
    sent = await _slow_write(request, state, stream, body, rate)
    return stream, (200 if sent == len(body) else "gone", sent)


async def _slow_write(
    request: web.Request, state: State, stream: web.StreamResponse, body: bytes, rate: float
) -> int:
    """Write `body` at `rate` bytes a second; stop as soon as the client leaves. Returns the
    bytes written."""
    chunk = max(1, int(rate * SLOW_TICK))
    start, sent = state.clock(), 0
    try:
        for offset in range(0, len(body), chunk):
            await wait_until(request, state.clock, start + _seconds_for(offset, rate))
            await stream.write(body[offset : offset + chunk])
            sent = min(len(body), offset + chunk)
        await stream.write_eof()
    except (ClientGone, ConnectionError):
        pass  # the client gave up on a slow body (its timeout): that is the point, not an error
    return sent


def _seconds_for(size: int, rate: float) -> float:
    """How long `size` bytes take at `rate` bytes a second — finite even for absurd rates."""
    seconds = size / rate
    return seconds if math.isfinite(seconds) else 1e9
