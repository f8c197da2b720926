"""Admin routes: the live scenario, stats, metrics, reset and the preview. Loopback peers only."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from server import envelopes
from server.config import ROUTES, parse_config
from server.errors import BadParameter, ScenarioError
from server.journal import read_tag
from server.params import ZIP_PATTERN
from server.preview import preview
from server.responses import json_error
from server.state import STATE
from server.stats import render_metrics
from server.zipsets import ZIP_SETS

MAX_PREVIEW_ZIPS = 100_000


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


async def put_scenario(request: web.Request) -> web.Response:
    """Replace the active configuration; an invalid one changes nothing."""
    try:
        document = await request.json()
    except (ValueError, RecursionError) as error:  # JSONDecodeError, bad UTF-8, absurd nesting
        return json_error(400, f"body: not valid JSON ({error})", key="body")
    active = request.app[STATE].config
    if isinstance(document, dict):  # replacing the server section keeps the running seed and speed
        document = {"seed": active.seed, "speed": active.speed, **document}
    try:
        config = parse_config(document)
    except ScenarioError as error:
        return json_error(400, str(error), key=error.key)
    if request.query.get("dry_run") not in (None, "", "0", "false"):
        return web.json_response(dict(config.document))  # valid: said, not applied
    request.app[STATE].apply(config)
    return web.json_response(dict(config.document))


async def reset(request: web.Request) -> web.Response:
    """Clear stats, journal, attempt counters and token buckets; an optional JSON body
    `{"tag": "..."}` labels the new run in the journal."""
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


async def preview_route(request: web.Request) -> web.Response:
    """What the active scenario will do to a workload (GET query or POST JSON body)."""
    if request.method == "POST":
        try:
            params: Mapping[str, Any] = await request.json()
        except (ValueError, RecursionError) as error:  # JSONDecodeError, bad UTF-8, absurd nesting
            return json_error(400, f"body: not valid JSON ({error})", key="body")
        if not isinstance(params, Mapping):
            return json_error(400, "body: must be a JSON object", key="body")
    else:
        params = {
            key: value.split(",") if key in ("zips", "concurrency") else value
            for key, value in request.query.items()
        }
    try:
        arguments = _preview_arguments(params)
    except BadParameter as error:
        return json_error(400, str(error), parameter=error.name)
    return web.json_response(preview(request.app[STATE].config, **arguments))


async def warm(request: web.Request) -> web.Response:
    """Render a workload's pages ahead of a run, so no client pays for Faker's first call."""
    try:
        params = await request.json()
        arguments = _preview_arguments(params if isinstance(params, Mapping) else {})
    except (ValueError, RecursionError) as error:  # JSONDecodeError, bad UTF-8, absurd nesting
        return json_error(400, f"body: not valid JSON ({error})", key="body")
    except BadParameter as error:
        return json_error(400, str(error), parameter=error.name)
    route, per_page = arguments["route"], arguments["per_page"]
    render = envelopes.render_jobs if route == "jobs" else envelopes.render_search
    per_page = per_page if per_page is not None else (25 if route == "jobs" else 250)
    seed = request.app[STATE].config.seed
    zips = arguments["zips"][: envelopes.CACHED_BODIES]  # more would only evict each other
    started = time.perf_counter()
    for zip_code in zips:
        render(seed, zip_code, per_page, 1)
    return web.json_response({"warmed": len(zips), "seconds": time.perf_counter() - started})


def _preview_arguments(params: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(params) - {"zips", "concurrency", "timeout", "route", "per_page"}
    if unknown:
        raise BadParameter(
            sorted(unknown)[0], "unknown; valid: zips, concurrency, timeout, route, per_page"
        )
    zips = params.get("zips") or []
    if isinstance(zips, str):
        zips = [zips]  # one zip, or a set name
    if not isinstance(zips, list):
        raise BadParameter("zips", f"must be a list of zips or a set name, got {zips!r}")
    if len(zips) == 1 and isinstance(zips[0], str) and zips[0] in ZIP_SETS:
        zips = list(ZIP_SETS[zips[0]])
    if not zips or len(zips) > MAX_PREVIEW_ZIPS:
        raise BadParameter(
            "zips", f"give 1 to {MAX_PREVIEW_ZIPS} zips, or a set: {', '.join(ZIP_SETS)}"
        )
    for zip_code in zips:
        if not isinstance(zip_code, str) or not ZIP_PATTERN.fullmatch(zip_code):
            raise BadParameter("zips", f"{zip_code!r} is not a 5-digit zip code")
    route = params.get("route", "jobs")
    if route not in ROUTES:
        raise BadParameter("route", f"must be one of {', '.join(ROUTES)}, got {route!r}")
    return {
        "zips": zips,
        "route": route,
        "concurrency": [_int(c, "concurrency") for c in _listed(params, "concurrency", [0])],
        "timeout": _timeout(params.get("timeout")),
        "per_page": None
        if params.get("per_page") is None
        else _int(params["per_page"], "per_page"),
    }


def _listed(params: Mapping[str, Any], name: str, default: list[Any]) -> list[Any]:
    value = params.get(name)
    if value is None or value == []:
        return default
    return value if isinstance(value, list) else [value]  # one concurrency is a list of one


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise BadParameter(name, f"must be an integer, got {value!r}")
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise BadParameter(name, f"must be an integer, got {value!r}") from None
    if not 0 <= number <= 10_000_000:
        raise BadParameter(name, f"must be between 0 and 10000000, got {number}")
    return number


def _timeout(value: Any) -> float | None:
    if isinstance(value, bool):
        raise BadParameter("timeout", f"must be a number of seconds, got {value!r}")
    if value in (None, "", 0, "0"):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise BadParameter("timeout", f"must be a number of seconds, got {value!r}") from None
    if not 0 < number <= 3600:
        raise BadParameter("timeout", f"must be > 0 and <= 3600 seconds, got {value!r}")
    return number


def add_routes(app: web.Application) -> None:
    """Register the admin routes and `/metrics`."""
    app.router.add_get("/__admin/scenario", get_scenario)
    app.router.add_put("/__admin/scenario", put_scenario)
    app.router.add_post("/__admin/reset", reset)
    app.router.add_get("/__admin/stats", stats)
    app.router.add_get("/__admin/preview", preview_route)
    app.router.add_post("/__admin/preview", preview_route)
    app.router.add_post("/__admin/warm", warm)
    app.router.add_get("/metrics", metrics)
