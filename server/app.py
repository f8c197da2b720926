"""The aiohttp application factory: routes, JSON errors, and the middleware stack."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler

from server import __version__, admin, envelopes
from server.config import ServerConfig, parse_config
from server.errors import BadParameter
from server.injection import PAGE_QUERY, inject
from server.openapi import openapi_document
from server.params import parse_jobs_query, parse_search_query
from server.responses import json_error
from server.state import STATE, State
from server.zipsets import ZIP_SETS

log = logging.getLogger(__name__)

REQUIRE_KEY = web.AppKey("require_key", bool)
JSON: Final = "application/json"


async def jobs(request: web.Request) -> web.Response:
    """`GET /api/jobs`: the 2015 API the talk called."""
    query = request.get(PAGE_QUERY) or parse_jobs_query(request.query)
    seed = request.app[STATE].config.seed
    body = envelopes.render_jobs(seed, query.zip_code, query.per_page, query.page)
    return web.Response(body=body, content_type=JSON)


async def search(request: web.Request) -> web.Response:
    """`GET /api/search`: today's Search API envelope."""
    state = request.app[STATE]
    query = request.get(PAGE_QUERY) or parse_search_query(request.query)
    body = envelopes.render_search(state.config.seed, query.zip_code, query.per_page, query.page)
    return web.Response(body=body, content_type=JSON)


DEMO_PAGE: Final = (Path(__file__).with_name("static") / "demo.html").read_text(encoding="utf-8")


async def demo(request: web.Request) -> web.Response:
    """`GET /demo`: the talk's async.html — the fan-out run by the browser itself."""
    page = DEMO_PAGE.replace("__ZIPS__", json.dumps(list(ZIP_SETS["mempy-2015"])))
    return web.Response(text=page, content_type="text/html")


async def health(request: web.Request) -> web.Response:
    """`GET /health`: liveness, version and the active seed."""
    config = request.app[STATE].config
    return web.json_response({"status": "ok", "version": __version__, "seed": config.seed})


async def openapi(request: web.Request) -> web.Response:
    """`GET /openapi.json`: an OpenAPI 3 document for every route."""
    return web.json_response(openapi_document(__version__))


def refusal(request: web.Request) -> web.Response | None:
    """403 for a non-loopback peer on an admin route; 401 for the Search API without its key
    (with `--require-key`), before any injected delay; None when the request may go on."""
    path = request.path
    if path.startswith("/__admin") and not admin.is_loopback(request.remote):
        return json_error(403, f"admin routes answer loopback peers only, not {request.remote}")
    if path.startswith("/api/") and path.lower() == "/api/search":
        wants_key = request.app[REQUIRE_KEY] or request.app[STATE].config.require_key
        if wants_key and not request.headers.get("Authorization-Key"):
            return json_error(401, "Authorization-Key: header is required by this server")
    return None


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Who may ask what, and a JSON body naming the problem for every error — never a
    traceback. One middleware, not three: each layer costs every request a few µs."""
    refused = refusal(request)
    if refused is not None:
        return refused
    try:
        return await handler(request)
    except BadParameter as error:
        return json_error(400, str(error), parameter=error.name)
    except web.HTTPMethodNotAllowed as error:
        allowed = ", ".join(sorted(error.allowed_methods))
        response = json_error(
            405, f"method {request.method} is not allowed on {request.path}; allowed: {allowed}"
        )
        response.headers["Allow"] = allowed
        return response
    except web.HTTPNotFound:
        return json_error(404, f"no route {request.path}; see /openapi.json for the routes")
    except web.HTTPException as error:
        if error.status < 400:
            raise
        return json_error(error.status, error.reason)
    except (asyncio.CancelledError, ConnectionError):
        raise
    except Exception as error:  # the last line of defence: log it, answer JSON
        log.exception("unexpected error on %s %s", request.method, request.path_qs)
        return json_error(500, f"internal error: {type(error).__name__}")


def create_app(
    config: ServerConfig | None = None,
    *,
    require_key: bool = False,
    clock: Callable[[], float] = time.perf_counter,
) -> web.Application:
    """Build the fake usajobs API; `clock` is injectable so timing logic can be tested."""
    app = web.Application(middlewares=[guard, inject])
    app[STATE] = State(config or parse_config({}), clock=clock)
    app[REQUIRE_KEY] = require_key
    app.router.add_get("/api/jobs", jobs)
    app.router.add_get("/api/search", search)
    app.router.add_get("/api/Search", search)
    app.router.add_get("/health", health)
    app.router.add_get("/demo", demo)
    app.router.add_get("/openapi.json", openapi)
    admin.add_routes(app)
    return app
