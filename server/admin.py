"""Admin routes: the live scenario, stats, metrics, reset, the preview and the lease.

Loopback peers only. While a run holds the lease, the calls that change the server (scenario,
reset, warm) need its token in `X-Lease`; every read stays open to anyone on this machine.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import json
import time
from collections.abc import Mapping
from typing import Any, TypeVar

from aiohttp import web
from aiohttp.typedefs import Handler

from .accounting.metrics import render_metrics
from .api import envelopes
from .api.responses import json_error
from .config.documents import MAX_DEPTH, MAX_DOCUMENT_BYTES, check_keys, size_message, too_deep
from .config.parser import parse_config
from .errors import BadParameter, BodyTooLarge, ScenarioError
from .journal import read_tag
from .lease import DEFAULT_TTL, HEADER, LeaseConflict, Leases, parse_holder, parse_ttl
from .preview import Steps, preview_steps
from .state import STATE
from .workload import from_query, parse_workload

LEASES = web.AppKey("leases", Leases)
T = TypeVar("T")


def is_loopback(remote: str | None) -> bool:
    """Whether a peer address is on this machine's loopback."""
    try:
        address = ipaddress.ip_address(remote) if remote else None
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # a dual-stack socket shows 127.0.0.1 as ::ffff:127.0.0.1
    return address is not None and address.is_loopback


async def get_scenario(request: web.Request) -> web.Response:
    """The active configuration document."""
    config = request.app[STATE].config
    document = dict(config.document) or {"seed": config.seed, "speed": config.speed, "server": {}}
    return web.json_response(document)


def bounded(handler: Handler) -> Handler:
    """Answer 413 naming the limit when `handler` reads a body over MAX_DOCUMENT_BYTES."""

    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except BodyTooLarge as error:
            return json_error(413, str(error), parameter="body")

    return wrapped


async def read_json(request: web.Request, *, empty: Any = ...) -> Any:
    """The request's JSON body, read up to MAX_DOCUMENT_BYTES (`empty`: the value of no body).

    Read here rather than by `request.json()`, whose limit is the application's
    `client_max_size` (1 MiB) and whose 413 names no limit: one rule, for file and body alike.
    """
    length = request.content_length
    if length is not None and length > MAX_DOCUMENT_BYTES:
        raise BodyTooLarge(length, size_message(length))
    raw = bytearray()
    async for chunk in request.content.iter_any():
        raw += chunk
        if len(raw) > MAX_DOCUMENT_BYTES:
            raise BodyTooLarge(length, size_message(length))
    if not raw and empty is not ...:
        return empty
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (ValueError, RecursionError) as error:  # bad JSON or UTF-8, or absurd nesting
        reason = "nested too deeply to read" if isinstance(error, RecursionError) else error
        raise BadParameter("body", f"not valid JSON ({reason})") from None
    deep = too_deep(document)
    if deep is not None:
        raise BadParameter("body", f"nested more than {MAX_DEPTH} levels deep, at {deep}")
    return document


async def sliced(steps: Steps[T]) -> T:
    """Run a sliced computation, handing the event loop back between its slices."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            result: T = done.value
            return result
        await asyncio.sleep(0)


@bounded
async def put_scenario(request: web.Request) -> web.StreamResponse:
    """Replace the active configuration; an invalid one changes nothing. While a run holds
    the lease, only its holder may (a `dry_run` changes nothing, so anyone may)."""
    dry_run = request.query.get("dry_run") not in (None, "", "0", "false")
    refused = None if dry_run else lease_refusal(request)
    if refused is not None:
        return refused
    try:
        document = await read_json(request)
    except BadParameter as error:
        return json_error(400, str(error), key="body")
    active = request.app[STATE].config
    if isinstance(document, dict):  # replacing the server section keeps the running seed and speed
        document = {"seed": active.seed, "speed": active.speed, **document}
    try:
        config = parse_config(document)
    except ScenarioError as error:
        return json_error(400, str(error), key=error.key)
    if dry_run:
        return web.json_response(dict(config.document))  # valid: said, not applied
    request.app[STATE].apply(config)
    return web.json_response(dict(config.document))


async def reset(request: web.Request) -> web.Response:
    """Clear stats, journal, attempt counters and token buckets; an optional JSON body
    `{"tag": "..."}` labels the new run in the journal."""
    refused = lease_refusal(request)
    if refused is not None:
        return refused
    try:
        tag = await read_tag(request)
    except BadParameter as error:
        return json_error(400, str(error), key=error.name)
    request.app[STATE].reset(tag)
    if tag is None:
        return web.json_response({"reset": True})
    return web.json_response({"reset": True, "tag": tag, "now": 0.0})


async def stats(request: web.Request) -> web.Response:
    """Per-route counts, gauges, timing percentiles and the server's CPU time."""
    return web.json_response(request.app[STATE].stats.snapshot())


async def metrics(request: web.Request) -> web.Response:
    """The same as `/__admin/stats`, in Prometheus text format."""
    text = render_metrics(request.app[STATE].stats.snapshot())
    return web.Response(text=text, content_type="text/plain", charset="utf-8")


@bounded
async def preview_route(request: web.Request) -> web.StreamResponse:
    """What the active scenario will do to a workload (GET query or POST JSON body).

    Computed in slices with the event loop handed back between them, so a preview of
    100,000 zips keeps every other request (`/health` included) answered meanwhile.
    """
    if request.method == "POST":
        workload = parse_workload(await read_json(request))
    else:
        workload = from_query(request.query)
    steps = preview_steps(
        request.app[STATE].config,
        workload.zips,
        route=workload.route,
        per_page=workload.per_page,
        concurrency=workload.concurrency,
        timeout=workload.timeout,
    )
    return web.json_response(await sliced(steps))


@bounded
async def warm(request: web.Request) -> web.StreamResponse:
    """Render a workload's pages ahead of a run, so no client pays for Faker's first call.

    One page at a time with the event loop handed back after each: a warm-up of thousands
    of pages takes seconds, and the server keeps answering meanwhile.
    """
    refused = lease_refusal(request)
    if refused is not None:
        return refused
    workload = parse_workload(await read_json(request))
    render = envelopes.render_jobs if workload.route == "jobs" else envelopes.render_search
    seed = request.app[STATE].config.seed
    zips = workload.zips[: envelopes.CACHED_BODIES]  # more would only evict each other
    started = time.perf_counter()
    for zip_code in zips:
        render(seed, zip_code, workload.per_page, 1)
        await asyncio.sleep(0)
    return web.json_response({"warmed": len(zips), "seconds": time.perf_counter() - started})


def lease_refusal(request: web.Request) -> web.Response | None:
    """409 naming the holder when a run holds the lease and this request lacks its token."""
    try:
        request.app[LEASES].check(_token(request))
    except LeaseConflict as conflict:
        return _conflict(conflict)
    return None


def _token(request: web.Request) -> str | None:
    return request.headers.get(HEADER) or None  # an empty header is no header


def _required_token(request: web.Request) -> str:
    token = request.headers.get(HEADER)
    if token is None:
        raise BadParameter(HEADER, "header is required: the token POST /__admin/lease gave")
    return token


def _conflict(conflict: LeaseConflict) -> web.Response:
    return json_error(409, str(conflict), **conflict.body())


def _granted(leases: Leases, token: str) -> web.Response:
    lease = leases.current()
    assert lease is not None and lease.token == token
    return web.json_response({"token": lease.token, **lease.public(leases.now())})


async def _lease_body(request: web.Request) -> Mapping[str, Any]:
    """The optional JSON object of a lease call (no body is `{}`)."""
    body = await read_json(request, empty={})
    if not isinstance(body, Mapping):
        raise BadParameter("body", "must be a JSON object")
    return body


@bounded
async def take_lease(request: web.Request) -> web.StreamResponse:
    """`POST /__admin/lease`: hold the server for one run; 409 while another run holds it."""
    body = await _lease_body(request)
    check_keys(body, ("holder", "ttl"), BadParameter)
    holder = parse_holder(body.get("holder"))
    ttl = parse_ttl(body.get("ttl"))
    leases = request.app[LEASES]
    try:
        lease = leases.acquire(holder, ttl or DEFAULT_TTL, token=_token(request))
    except LeaseConflict as conflict:
        return _conflict(conflict)
    return _granted(leases, lease.token)


@bounded
async def renew_lease(request: web.Request) -> web.StreamResponse:
    """`PUT /__admin/lease` with `X-Lease`: push the expiry on; 409 if the lease was lost."""
    body = await _lease_body(request)
    check_keys(body, ("ttl",), BadParameter)
    ttl = parse_ttl(body.get("ttl"))
    leases = request.app[LEASES]
    try:
        lease = leases.renew(_required_token(request), ttl)
    except LeaseConflict as conflict:
        return _conflict(conflict)
    return _granted(leases, lease.token)


async def release_lease(request: web.Request) -> web.Response:
    """`DELETE /__admin/lease` with `X-Lease`: free the server; 409 if the lease was lost."""
    leases = request.app[LEASES]
    try:
        lease = leases.release(_required_token(request))
    except LeaseConflict as conflict:
        return _conflict(conflict)
    return web.json_response({"released": True, "holder": dict(lease.holder)})


async def show_lease(request: web.Request) -> web.Response:
    """`GET /__admin/lease`: whether a run holds the server, who, since when, for how long."""
    leases = request.app[LEASES]
    lease = leases.current()
    if lease is None:
        return web.json_response({"held": False, "holder": None, "since": None, "expires_in": None})
    return web.json_response({"held": True, **lease.public(leases.now())})


def add_routes(app: web.Application) -> None:
    """Register the admin routes and `/metrics`, and the lease they answer to."""
    app[LEASES] = Leases(clock=app[STATE].clock)
    app.router.add_get("/__admin/lease", show_lease)
    app.router.add_post("/__admin/lease", take_lease)
    app.router.add_put("/__admin/lease", renew_lease)
    app.router.add_delete("/__admin/lease", release_lease)
    app.router.add_get("/__admin/scenario", get_scenario)
    app.router.add_put("/__admin/scenario", put_scenario)
    app.router.add_post("/__admin/reset", reset)
    app.router.add_get("/__admin/stats", stats)
    app.router.add_get("/__admin/preview", preview_route)
    app.router.add_post("/__admin/preview", preview_route)
    app.router.add_post("/__admin/warm", warm)
    app.router.add_get("/metrics", metrics)
