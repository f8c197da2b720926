"""The API routes' handlers: key, rate limit, capacity, latency and faults, honest timing.

`api_handler` builds one handler per route, once, that does what a middleware chain would —
refuse, parse, plan, wait, answer, count — because every middleware layer costs every
request a coroutine. The decisions are pure code (`Planner`, `TokenBuckets`, `CapacityGate`);
the waits and the faults on the wire are `delivery`'s. Each request ends in the journal and
the stats exactly once, whichever way it ends; the common path — nothing to wait for,
nothing to break — makes one call for both (`Stats.finished`).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from typing import Final

from aiohttp import web

from ..config.plan import NOTHING, Plan
from ..config.settings import Abandon, RateLimit
from ..errors import BadParameter, StoreUnreachable
from ..models.capacity import QueueFull
from ..models.faults import Fault
from ..models.keys import bounded
from ..shared.protocol import Stale
from ..state import State
from . import envelopes
from .delivery import JSON, ClientGone, body_length, deliver, send, wait_until
from .params import PageQuery, parse_jobs_query, parse_search_query
from .responses import json_error
from .timing import ZERO_TIMING, timing_header

log = logging.getLogger(__name__)

API_ROUTES: Final = {"/api/jobs": "jobs", "/api/search": "search", "/api/Search": "search"}
PARSERS: Final = {"jobs": parse_jobs_query, "search": parse_search_query}
RENDERERS: Final = {"jobs": envelopes.render_jobs, "search": envelopes.render_search}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
STALE_TRIES: Final = 5  # a request decided under a scenario another process just replaced
# A parsed query, the seed it was rendered with, the body, and the zip's attempt key (the zip
# itself, or the digest of a long place name: `models.keys.bounded`, worked out once a page).
Page = tuple[PageQuery, int, bytes, str]


def api_handler(state: State, route: str, require_key: bool) -> Handler:
    """The handler of one API route (`jobs` or `search`), with everything it needs bound."""
    if not state.shared.inline:
        return shared_handler(state, route, require_key)
    parse, render = PARSERS[route], RENDERERS[route]
    clock, gauges = state.clock, state.stats.gauges
    counters = state.attempts.routes  # changed in place on a reset: these stay the live ones
    pages: dict[str, Page] = {}  # a client asks the same few URLs again and again
    wants_key = route == "search"

    async def handle(request: web.Request) -> web.StreamResponse:
        arrival = clock()
        gauges.in_flight += 1
        if gauges.in_flight > gauges.peak:
            gauges.peak = gauges.in_flight
        zip_code: str | None = None
        served = False  # past this point `_serve` journals the request, whatever happens
        try:
            if (
                wants_key
                and (require_key or state.config.require_key)
                and not request.headers.get("Authorization-Key")
            ):
                message = "Authorization-Key: header is required by this server"
                return await _refuse(request, state, route, arrival, json_error(401, message))
            if state.buckets is not None:
                refused = _rate_limited(request, state, arrival)
                if refused is not None:
                    zip_code = _zip_of(pages, request, parse)
                    return await _refuse(request, state, route, arrival, refused, zip_code)
            page = pages.get(request.query_string)
            if page is None or page[1] != state.config.seed:
                page = _page(pages, request, parse, render, state.config.seed)
            query, _, body, key = page
            zip_code = query.zip_code
            attempt = next(counters[route](key))  # two C calls: see accounting.attempts
            planner, phase = state.planner, 0
            if state.phased:  # the phase active at the request's arrival picks the model
                phase = state.refresh(arrival)
                planner = state.planners[phase]
            plan = planner.constant[route] or planner.plan(route, zip_code, attempt)
            gate = state.gate
            if (plan is not NOTHING and (plan.delay > 0.0 or plan.fault is not None)) or not (
                gate is None or gate.try_acquire()
            ):
                served = True
                if state.capacities[phase].abandon is Abandon.KEEP:
                    return await _kept(request, state, route, page, attempt, plan, arrival)
                return await _serve(request, state, route, page, attempt, plan, arrival)
            status: int | str | None = None  # what the client got; None: the handler answers
            try:  # the common path — nothing to wait for, nothing to break — kept short
                actual = clock() - arrival
                timing = f"{ZERO_TIMING}{1000 * actual:.3f}"
                response = web.Response(  # headers given whole: cheaper than set one by one
                    body=body, headers={"Content-Type": JSON, "Server-Timing": timing}
                )
                stats = state.stats  # the run it arrived in counts it, even past a reset
                await response.prepare(request)
                await response.write_eof()
                status = 200
            except (ConnectionError, asyncio.CancelledError):
                status = "gone"
                raise
            finally:
                if gate is not None:
                    gate.release()
                if status is not None:  # counted and journaled in one call: the path's one
                    stats.finished(arrival, arrival, route, zip_code, attempt, 0.0, 0.0, status,
                                   None, len(body) if status == 200 else 0, request,
                                   served=actual)  # fmt: skip
            return response
        except ConnectionError:
            return web.Response(status=499)  # never sent: the client is gone (journaled)
        except Exception as error:  # a bad parameter, or the last line of defence
            return await _failed(request, state, route, arrival, error, served, zip_code)
        finally:
            gauges.in_flight -= 1

    return handle


def _page(
    pages: dict[str, Page],
    request: web.Request,
    parse: Callable[..., PageQuery],
    render: Callable[[int, str, int, int], bytes],
    seed: int,
) -> Page:
    """Parse a query string not seen before (raises BadParameter), render its page, and
    remember both: next time the whole page is one lookup."""
    query = parse(request.query)
    body = render(seed, query.zip_code, query.per_page, query.page)
    page = (query, seed, body, bounded(query.zip_code))
    if len(pages) >= envelopes.CACHED_BODIES:
        pages.clear()  # as many pages as the renderer keeps; cheaper than LRU bookkeeping
    pages[request.query_string] = page
    return page


def _zip_of(
    pages: dict[str, Page], request: web.Request, parse: Callable[..., PageQuery]
) -> str | None:
    """The zip a refused request asked for, for its journal entry (None when unreadable)."""
    page = pages.get(request.query_string)
    if page is not None:
        return page[0].zip_code
    try:
        return parse(request.query).zip_code
    except BadParameter:
        return None


def client_key(request: web.Request, limit: RateLimit) -> str:
    """Who a rate-limit bucket belongs to: a header's value, or the peer address (bounded in
    size whatever the client sends: `models.keys.bounded`)."""
    if limit.key.startswith("header:"):
        value = request.headers.get(limit.key.removeprefix("header:"))
        if value:
            return bounded(f"header:{value}")
    return bounded(f"peer:{request.remote}")


def _rate_limited(request: web.Request, state: State, arrival: float) -> web.Response | None:
    """A 429 with Retry-After when the client's bucket is empty; None when it may go on."""
    limit, buckets = state.config.rate_limit, state.buckets
    if limit is None or buckets is None:
        return None
    wait = buckets.take(client_key(request, limit), arrival)
    return None if wait <= 0 else _too_many(wait)


def _too_many(wait: float) -> web.Response:
    """429 saying when a token is due."""
    response = json_error(429, f"rate limit exceeded; retry in {wait:.3f} s")
    response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
    response.headers["Retry-After-Ms"] = str(math.ceil(wait * 1000))
    return response


async def _failed(
    request: web.Request,
    state: State,
    route: str,
    arrival: float,
    error: Exception,
    served: bool,
    zip_code: str | None,
) -> web.StreamResponse:
    """What both handlers answer when a request fails: a 400 naming a bad parameter; else the
    last line of defence — logged, a JSON 500, journaled unless `_serve` already journals it."""
    if isinstance(error, BadParameter):
        state.stats.record(route, "400")
        response = json_error(400, str(error), parameter=error.name)
        return await _refuse(request, state, route, arrival, response, counted=True)
    log.exception("unexpected error on %s %s", request.method, request.path_qs, exc_info=error)
    response = json_error(500, f"internal error: {type(error).__name__}")
    if served:
        return response
    return await _refuse(request, state, route, arrival, response, zip_code)


async def _refuse(
    request: web.Request,
    state: State,
    route: str,
    arrival: float,
    response: web.Response,
    zip_code: str | None = None,
    *,
    counted: bool = False,
    fault: str | None = None,
) -> web.StreamResponse:
    """An answer given without any injected delay (401, 400, 429, 500, 503 when the shared
    store is away: `fault` "store"): it still says so in `Server-Timing`, and is counted and
    journaled like every other."""
    response.headers["Server-Timing"] = timing_header(0.0, 0.0, state.clock() - arrival)
    if not counted:
        state.stats.record(route, str(response.status), fault)
    status: int | str = "gone"
    try:
        if await send(request, response):
            status = response.status
    finally:  # cancelled (the client left) or not, the request ends in the journal
        _note(state, request, route, arrival, arrival, zip_code, None, 0.0, 0.0, status, fault,
              body_length(response) if status != "gone" else 0)  # fmt: skip
    return response


def _note(
    state: State,
    request: web.Request,
    route: str,
    arrival: float,
    start: float,
    zip_code: str | None,
    attempt: int | None,
    intended: float,
    queue: float,
    status: int | str,
    fault: str | None = None,
    size: int = 0,
) -> None:
    """Journal one finished request that counted itself (every path but the common one)."""
    state.stats.finished(
        arrival, start, route, zip_code, attempt, intended, queue, status, fault, size, request
    )


async def _kept(
    request: web.Request,
    state: State,
    route: str,
    page: Page,
    attempt: int,
    plan: Plan,
    arrival: float,
) -> web.StreamResponse:
    """`_serve` under `abandon = "keep"`: a client that leaves does not stop the work — its
    request keeps its place in the queue and its worker for the whole planned delay, the
    wasted work that keeps an overloaded server overloaded — and only the answer is lost."""
    work = asyncio.ensure_future(
        _serve(request, state, route, page, attempt, plan, arrival, watch=False)
    )
    work.add_done_callback(_retrieved)
    return await asyncio.shield(work)  # cancelled (the client left): the work goes on


def _retrieved(work: asyncio.Future[web.StreamResponse]) -> None:
    """Read a kept request's outcome, so an error nobody awaits is logged, not lost."""
    if not work.cancelled() and work.exception() is not None:
        log.error("a kept request failed", exc_info=work.exception())


async def _serve(
    request: web.Request,
    state: State,
    route: str,
    page: Page,
    attempt: int,
    plan: Plan,
    arrival: float,
    *,
    watch: bool = True,
) -> web.StreamResponse:
    """Queue for a worker (when there is a capacity), wait the planned delay, then deliver;
    `watch`: stop waiting as soon as the client has gone (`abandon = "drop"`)."""
    gate, gauges, clock = state.gate, state.stats.gauges, state.clock
    query = page[0]
    fault_name = plan.fault.value if plan.fault else None
    queue = 0.0
    if gate is not None:
        gauges.queued += 1
        try:
            queue = await gate.acquire()
        except QueueFull:
            state.stats.record(route, "503", "queue_full")
            full = json_error(503, "server at capacity: the queue is full")
            return await _refuse(request, state, route, arrival, full, query.zip_code,
                                 counted=True)  # fmt: skip
        except StoreUnreachable as error:
            return await _refuse(request, state, route, arrival, _store_away(error),
                                 query.zip_code, fault="store")  # fmt: skip
        finally:
            gauges.queued -= 1
    start = arrival + queue
    outcome: tuple[int | str, int] = ("gone", 0)  # what the client got, unless it left first
    try:
        await wait_until(request, clock, start + plan.delay, watch=watch)
        timing = (plan.delay, queue, clock() - start)
        header = timing_header(*timing)
        answer, outcome = await deliver(request, state, route, page[2], plan, header, timing)
        return answer
    except (ClientGone, ConnectionError, asyncio.CancelledError) as error:
        state.stats.record(route, "hang" if plan.fault is Fault.HANG else "gone", fault_name)
        if isinstance(error, asyncio.CancelledError):
            raise
        return web.Response(status=499)  # never sent: the client is gone
    except Exception:
        outcome = (500, 0)  # the handler answers it (and logs why)
        raise
    finally:
        if gate is not None:
            if state.phased:  # a worker coming back is a moment a phase's change shows
                state.refresh(clock())
            gate.release()
        status, size = outcome
        _note(state, request, route, arrival, start, query.zip_code, attempt, plan.delay, queue,
              status, fault_name, size)  # fmt: skip


def _store_away(error: StoreUnreachable) -> web.Response:
    """503 naming the shared store and what went wrong with it."""
    response = json_error(503, str(error), store=error.url)
    response.headers["Retry-After"] = "1"
    return response


def shared_handler(state: State, route: str, require_key: bool) -> Handler:
    """The handler of one API route when the state is shared with other processes: the
    attempt, the token and the capacity slot are the store's (`server.shared.store`), asked
    together with every other request of this event-loop tick in one round trip."""
    parse, render = PARSERS[route], RENDERERS[route]
    clock, shared = state.clock, state.shared
    pages: dict[str, Page] = {}
    wants_key = route == "search"

    async def handle(request: web.Request) -> web.StreamResponse:
        arrival = clock()
        gauges = state.stats.gauges
        gauges.in_flight += 1
        if gauges.in_flight > gauges.peak:
            gauges.peak = gauges.in_flight
        zip_code: str | None = None
        served = False
        try:
            for _ in range(STALE_TRIES):  # again when another process changed the scenario
                config = state.config
                if (
                    wants_key
                    and (require_key or config.require_key)
                    and not request.headers.get("Authorization-Key")
                ):
                    message = "Authorization-Key: header is required by this server"
                    return await _refuse(request, state, route, arrival, json_error(401, message))
                try:
                    limit = config.rate_limit
                    if limit is not None:
                        key = client_key(request, limit)
                        wait = await shared.take(key, limit.rate * config.speed, limit.burst)
                        if wait > 0:
                            zip_code = _zip_of(pages, request, parse)
                            return await _refuse(request, state, route, arrival,
                                                 _too_many(wait), zip_code)  # fmt: skip
                    page = pages.get(request.query_string)
                    if page is None or page[1] != config.seed:
                        page = _page(pages, request, parse, render, config.seed)
                    zip_code = page[0].zip_code
                    attempt = await shared.attempt(route, page[3])
                    break
                except Stale:
                    continue
                except StoreUnreachable as error:
                    return await _refuse(request, state, route, arrival, _store_away(error),
                                         zip_code, fault="store")  # fmt: skip
            else:
                raise RuntimeError("the scenario changed under every try")
            planner, phase = state.planner, 0
            if state.phased:  # the phase active at the request's arrival picks the model
                phase = state.refresh(arrival)
                planner = state.planners[phase]
            plan = planner.constant[route] or planner.plan(route, zip_code, attempt)
            served = True
            if state.gate is None and (
                plan is NOTHING or (plan.delay <= 0.0 and plan.fault is None)
            ):
                return await _at_once(request, state, route, page, attempt, arrival)
            if state.capacities[phase].abandon is Abandon.KEEP:
                return await _kept(request, state, route, page, attempt, plan, arrival)
            return await _serve(request, state, route, page, attempt, plan, arrival)
        except ConnectionError:
            return web.Response(status=499)  # never sent: the client is gone (journaled)
        except Exception as error:  # a bad parameter, or the last line of defence
            return await _failed(request, state, route, arrival, error, served, zip_code)
        finally:
            gauges.in_flight -= 1

    return handle


async def _at_once(
    request: web.Request, state: State, route: str, page: Page, attempt: int, arrival: float
) -> web.StreamResponse:
    """The common path of `shared_handler`: nothing to wait for, nothing to break, no capacity
    to ask for — answered and counted as the in-process handler's common path is."""
    body, zip_code = page[2], page[0].zip_code
    stats = state.stats
    status: int | str | None = None
    actual = state.clock() - arrival
    response = web.Response(
        body=body,
        headers={"Content-Type": JSON, "Server-Timing": f"{ZERO_TIMING}{1000 * actual:.3f}"},
    )
    try:
        await response.prepare(request)
        await response.write_eof()
        status = 200
    except (ConnectionError, asyncio.CancelledError):
        status = "gone"
        raise
    finally:
        if status is not None:
            stats.finished(arrival, arrival, route, zip_code, attempt, 0.0, 0.0, status, None,
                           len(body) if status == 200 else 0, request, served=actual)  # fmt: skip
    return response
