"""The injection middleware: rate limit, capacity, latency and faults, then honest timing.

The decisions are made by pure code (`plan_request`, `TokenBuckets`, `CapacityGate`); this
module is the thin layer that sleeps, aborts and writes. Every delay is slept to an absolute
deadline on the event loop, so ten thousand delayed requests cost timers, not threads.
"""

from __future__ import annotations

import asyncio
import math
import socket
import struct
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler

from server.capacity import QueueFull
from server.config import RateLimit
from server.errors import BadParameter
from server.faults import Fault
from server.params import PageQuery, parse_jobs_query, parse_search_query
from server.plan import Plan, plan_request
from server.responses import json_error
from server.state import STATE, State
from server.stats import Timing

API_ROUTES: Final = {"/api/jobs": "jobs", "/api/search": "search", "/api/Search": "search"}
PAGE_QUERY: Final = web.RequestKey("page_query", PageQuery)  # parsed once, read by the handler
PARSERS: Final = {"jobs": parse_jobs_query, "search": parse_search_query}
STATUS_TEXT: Final = {200: "200", 400: "400", 401: "401"}  # skips a str() on the hot path
HANG_POLL: Final = 0.05  # how often a hanging request checks whether its client gave up
SLOW_TICK: Final = 0.05  # a slow body is written in slices this far apart


_PARSED: dict[tuple[str, str], PageQuery] = {}  # a client asks the same few URLs again and again


def _parsed(route: str, query_string: str, request: web.Request) -> PageQuery:
    """The page a query asks for, parsed once per distinct query string (bounded cache)."""
    key = (route, query_string)
    found = _PARSED.get(key)
    if found is None:
        found = PARSERS[route](request.query)
        if len(_PARSED) >= 65_536:
            _PARSED.clear()  # cheaper than LRU bookkeeping on every hit
        _PARSED[key] = found
    return found


def client_key(request: web.Request, limit: RateLimit) -> str:
    """Who a rate-limit bucket belongs to: a header's value, or the peer address."""
    if limit.key.startswith("header:"):
        value = request.headers.get(limit.key.removeprefix("header:"))
        if value:
            return f"header:{value}"
    return f"peer:{request.remote}"


async def sleep_until(state: State, deadline: float) -> None:
    """Sleep on the event loop until the state's clock reads `deadline` (no-op if past)."""
    remaining = deadline - state.clock()
    if remaining > 0:
        await asyncio.sleep(remaining)


@web.middleware
async def inject(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Apply the active scenario to API requests; pass every other route straight through."""
    route = API_ROUTES.get(request.path)
    if route is None or request.match_info.http_exception is not None:  # e.g. 405: let it say so
        return await handler(request)
    state = request.app[STATE]
    config = state.config
    arrival = state.clock()
    if state.buckets is not None and config.rate_limit is not None:
        wait = state.buckets.take(client_key(request, config.rate_limit), arrival)
        if wait > 0:
            state.stats.record(route, "429", None, None)
            response = json_error(429, f"rate limit exceeded; retry in {wait:.3f} s")
            response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
            response.headers["Retry-After-Ms"] = str(math.ceil(wait * 1000))
            return _untimed(response, state, arrival)
    try:
        query = _parsed(route, request.query_string, request)  # the handler reads it back
    except BadParameter as error:
        state.stats.record(route, "400", None, None)
        response = json_error(400, str(error), parameter=error.name)
        return _untimed(response, state, arrival)
    request[PAGE_QUERY] = query
    zip_code = query.zip_code
    plan = plan_request(config, route, zip_code, state.next_attempt(route, zip_code))
    stats = state.stats
    stats.in_flight += 1
    try:
        if plan.delay <= 0.0 and plan.fault is None:
            return await _serve_now(request, handler, state, route, arrival)
        return await _serve(request, handler, state, route, plan, arrival)
    finally:
        stats.in_flight -= 1


def _untimed(response: web.Response, state: State, arrival: float) -> web.Response:
    """An answer given without any injected delay still says so in `Server-Timing`."""
    response.headers["Server-Timing"] = Timing(0.0, 0.0, state.clock() - arrival).header()
    return response


async def _serve_now(
    request: web.Request, handler: Handler, state: State, route: str, arrival: float
) -> web.StreamResponse:
    """The common path — nothing to wait for, nothing to break — kept short, as it is hot."""
    gate = state.gate
    if gate is not None and not gate.try_acquire():
        plan = Plan(0.0, None)
        return await _serve(request, handler, state, route, plan, arrival)  # queue, or 503
    try:
        timing = Timing(0.0, 0.0, state.clock() - arrival)
        answer = await handler(request)
        answer.headers["Server-Timing"] = timing.header()
        state.stats.record(
            route, STATUS_TEXT.get(answer.status) or str(answer.status), timing, None
        )
        return answer
    finally:
        if gate is not None:
            gate.release()


async def _serve(
    request: web.Request, handler: Handler, state: State, route: str, plan: Plan, arrival: float
) -> web.StreamResponse:
    gate = state.gate
    queue_wait = 0.0
    if gate is not None:
        state.stats.queued += 1
        try:
            queue_wait = await gate.acquire()
        except QueueFull:
            state.stats.record(route, "503", None, "queue_full")
            return _untimed(
                json_error(503, "server at capacity: the queue is full"), state, arrival
            )
        finally:
            state.stats.queued -= 1
    try:
        start = arrival + queue_wait
        await sleep_until(state, start + plan.delay)
        timing = Timing(plan.delay, queue_wait, state.clock() - start)
        return await _deliver(request, handler, state, route, plan, timing)
    finally:
        if gate is not None:
            gate.release()


async def _deliver(
    request: web.Request,
    handler: Handler,
    state: State,
    route: str,
    plan: Plan,
    timing: Timing,
) -> web.StreamResponse:
    fault = plan.fault
    response: web.StreamResponse
    fault_name = fault.value if fault else None
    if fault in (Fault.ERROR_500, Fault.ERROR_503):
        status = 500 if fault is Fault.ERROR_500 else 503
        response = json_error(status, f"injected fault: {fault_name}")
    elif fault is Fault.RESET:
        _reset(request)
        state.stats.record(route, "reset", timing, fault_name)
        return web.Response(status=499)  # never sent: the connection is already gone
    elif fault is Fault.HANG:
        await _hang(request, state, plan.hang_cap)
        state.stats.record(route, "hang", timing, fault_name)
        return web.Response(status=499)
    else:
        response = await handler(request)
    response.headers["Server-Timing"] = timing.header()
    state.stats.record(route, str(response.status), timing, fault_name)  # after any fault
    broken = fault in (Fault.TRUNCATE, Fault.MALFORMED, Fault.SLOW_BODY)
    if broken and fault and isinstance(response, web.Response) and response.status == 200:
        return await _broken_body(request, state, response, fault, plan.slow_bps)
    return response


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
    """Never answer: wait until the client gives up or `cap` seconds pass, then drop."""
    deadline = state.clock() + cap
    while state.clock() < deadline:
        transport = request.transport
        if transport is None or transport.is_closing():
            return
        await asyncio.sleep(min(HANG_POLL, max(0.0, deadline - state.clock())))
    _reset(request)


async def _broken_body(
    request: web.Request, state: State, response: web.Response, fault: Fault, rate: float
) -> web.StreamResponse:
    body = response.body
    assert isinstance(body, bytes)
    if fault is Fault.MALFORMED:  # complete as HTTP, broken as JSON
        return web.Response(
            body=body[: max(1, len(body) // 2)],
            status=200,
            content_type="application/json",
            headers={"Server-Timing": response.headers["Server-Timing"]},
        )
    timing = response.headers["Server-Timing"]
    stream = web.StreamResponse(status=200, headers={"Server-Timing": timing})
    stream.content_type = "application/json"
    stream.content_length = len(body)
    await stream.prepare(request)
    try:
        if fault is Fault.TRUNCATE:  # promise the whole body, send half, hang up
            await stream.write(body[: len(body) // 2])
            _reset(request)
            return stream
        chunk = max(1, int(rate * SLOW_TICK))
        start = state.clock()
        for offset in range(0, len(body), chunk):
            await sleep_until(state, start + offset / rate)
            await stream.write(body[offset : offset + chunk])
        await stream.write_eof()
    except ConnectionError:
        pass  # the client gave up on a slow body (its timeout): that is the point, not an error
    return stream
