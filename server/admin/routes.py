"""Admin routes: the live scenario, stats, metrics, reset, the preview and warm-up, and the
lease's routes (`lease`), all registered by `add_routes`.

Loopback peers only (the app's guard asks `plumbing.is_loopback`). While a run holds the
lease, the calls that change the server (scenario, reset, warm) need its token in `X-Lease`;
every read stays open to anyone on this machine.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Final

from aiohttp import web

from ..accounting.metrics import render_metrics
from ..api import envelopes
from ..api.responses import json_error
from ..config.parser import parse_config
from ..config.plan import Planner, planners_for
from ..config.settings import ServerConfig
from ..errors import BadParameter, ScenarioError
from ..state import STATE
from .journal import read_tag
from .lease import (
    LEASES,
    lease_refusal,
    release_lease,
    renew_lease,
    show_lease,
    take_lease,
)
from .plumbing import (
    COLLECTOR,
    LARGE,
    CollectorPause,
    bounded,
    decode,
    json_answer,
    off_loop,
    read_body,
    read_json,
    sliced,
)
from .preview import preview_steps
from .workload import from_query, parse_workload

LARGE_ZIPS: Final = 1_000  # zip overrides past which the active scenario is encoded in a thread
JSON_KINDS: Final = {list: "an array", str: "a string", type(None): "null", bool: "a boolean",
                     int: "a number", float: "a number"}  # fmt: skip


async def get_scenario(request: web.Request) -> web.Response:
    """The active configuration document (encoded off the loop when it is large)."""
    await request.app[STATE].shared.refresh()
    config = request.app[STATE].config
    document = dict(config.document) or {"seed": config.seed, "speed": config.speed, "server": {}}
    return await json_answer(document, large=len(config.zips) > LARGE_ZIPS)


@bounded
async def put_scenario(request: web.Request) -> web.StreamResponse:
    """Replace the active configuration; an invalid one changes nothing. While a run holds
    the lease, only its holder may (a `dry_run` changes nothing, so anyone may).

    A body over `LARGE` is decoded, validated, planned and echoed in a thread: 100,000 zip
    overrides take seconds of CPU, and the API keeps answering meanwhile.
    """
    dry_run = request.query.get("dry_run") not in (None, "", "0", "false")
    refused = None if dry_run else await lease_refusal(request)
    if refused is not None:
        return refused
    raw = await read_body(request)
    if len(raw) <= LARGE:
        return await replace_scenario(request, raw, dry_run, None)
    with COLLECTOR as pause:  # the response holds bytes alone: what stays is the scenario
        return await replace_scenario(request, raw, dry_run, pause)


async def replace_scenario(
    request: web.Request, raw: bytes, dry_run: bool, pause: CollectorPause | None
) -> web.Response:
    """Validate `raw` and, unless it is a dry run, apply it; off the loop when `pause` is given
    (a large body, built with the garbage collector paused)."""
    large = pause is not None
    try:
        document = await off_loop(large, decode, raw)
    except BadParameter as error:
        return json_error(400, str(error), key="body")
    if not isinstance(document, dict):
        return json_error(400, not_an_object(document), key="body")
    await request.app[STATE].shared.refresh()
    active = request.app[STATE].config
    # replacing the server section keeps the running seed and speed
    document = {"seed": active.seed, "speed": active.speed, **document}
    try:
        config, planners = await off_loop(large, prepared, document, dry_run)
    except ScenarioError as error:
        return json_error(400, str(error), key=error.key)
    refused = None if dry_run else await lease_refusal(request)  # it may have moved meanwhile
    if refused is not None:
        return refused
    if planners is not None:
        await request.app[STATE].shared.publish(config.document)  # every process serves it
        request.app[STATE].apply(config, planners)
        if pause is not None:
            pause.keep()
    return await json_answer(dict(config.document), large=large)  # a dry run: said, not applied


def prepared(
    document: dict[str, Any], dry_run: bool
) -> tuple[ServerConfig, tuple[Planner, ...] | None]:
    """The configuration a document gives and, unless it is a dry run, its planners."""
    config = parse_config(document)
    return config, None if dry_run else planners_for(config)


def not_an_object(document: Any) -> str:
    """What a scenario body must be, and what came instead."""
    came = JSON_KINDS.get(type(document), type(document).__name__)
    text = json.dumps(document)
    return (
        "body: expected a JSON object, a scenario's seed, speed and server table such as "
        f'{{"server": {{"latency": {{"model": "fixed", "value": 0.1}}}}}}; got {came}: '
        f"{text if len(text) <= 40 else text[:40] + '…'}"
    )


@bounded
async def reset(request: web.Request) -> web.Response:
    """Clear stats, journal, attempt counters and token buckets; an optional JSON body
    `{"tag": "..."}` labels the new run in the journal."""
    refused = await lease_refusal(request)
    if refused is not None:
        return refused
    try:
        tag = await read_tag(request)
    except BadParameter as error:
        return json_error(400, str(error), key=error.name)
    state = request.app[STATE]
    await state.shared.reset(tag)
    state.reset(tag)
    if tag is None:
        return web.json_response({"reset": True})
    return web.json_response({"reset": True, "tag": tag, "now": 0.0})


async def stats(request: web.Request) -> web.Response:
    """Per-route counts, gauges, timing percentiles and the server's CPU time."""
    return web.json_response(await request.app[STATE].shared.stats())


async def metrics(request: web.Request) -> web.Response:
    """The same as `/__admin/stats`, in Prometheus text format."""
    text = render_metrics(await request.app[STATE].shared.stats())
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
    await request.app[STATE].shared.refresh()
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
    refused = await lease_refusal(request)
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


def add_routes(app: web.Application) -> None:
    """Register the admin routes and `/metrics`, and the lease they answer to."""
    app[LEASES] = app[STATE].shared.leases
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
