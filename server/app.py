"""The aiohttp application factory: routes, each wrapped once, and JSON for every error.

There is no middleware: a middleware runs on every request, so the API routes get one
handler each that does the whole job (`server.api.handler.api_handler`), every other route is
wrapped once at build time (`guarded`), and the router itself answers an unknown path or
method in JSON (`JsonRouter`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
import warnings
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, Final

from aiohttp import web
from aiohttp.web_urldispatcher import MatchInfoError, UrlMappingMatchInfo

from . import NAME, __version__
from .accounting.journal import DEFAULT_BYTES, DEFAULT_SIZE, Journal
from .admin import journal, routes
from .admin.plumbing import is_loopback
from .api.handler import API_ROUTES, Handler, api_handler
from .api.responses import json_error
from .api.zipsets import ZIP_SETS
from .config.parser import parse_config
from .config.settings import ServerConfig
from .errors import BadParameter, StoreError
from .openapi.document import openapi_document
from .shared.protocol import SharedStore
from .state import STATE, State

log = logging.getLogger(__name__)

REQUIRE_KEY = web.AppKey("require_key", bool)
DEMO_PAGE: Final = (Path(__file__).with_name("static") / "demo.html").read_text(encoding="utf-8")


async def demo(request: web.Request) -> web.Response:
    """`GET /demo`: the talk's async.html — the fan-out run by the browser itself."""
    page = DEMO_PAGE.replace("__ZIPS__", json.dumps(list(ZIP_SETS["mempy-2015"])))
    return web.Response(text=page, content_type="text/html")


async def health(request: web.Request) -> web.Response:
    """`GET /health`: liveness, version, the active seed, and how many processes serve (all
    of them on the shared state, `--state`; 503 naming the store when it is away)."""
    state = request.app[STATE]
    try:
        await state.shared.refresh()
    except StoreError as error:
        return json_error(503, str(error), version=__version__, state=state.shared.url)
    answer = {"status": "ok", "name": NAME, "version": __version__, "seed": state.config.seed,
              "state": state.shared.url, "pid": os.getpid()}  # fmt: skip
    try:
        answer["workers"] = await state.shared.serving()
    except StoreError as error:
        return json_error(503, str(error), version=__version__, state=state.shared.url)
    return web.json_response(answer)


async def openapi(request: web.Request) -> web.Response:
    """`GET /openapi.json`: an OpenAPI 3 document for every route."""
    return web.json_response(openapi_document(__version__))


async def get_journal(request: web.Request) -> web.StreamResponse:
    """`GET /__admin/journal`: every API request since the last reset (see server.admin.journal)."""
    state = request.app[STATE]

    async def load(since: int) -> Journal:
        read = await state.shared.journal(since)
        read.schedule = state.schedule  # names each entry's phase, from its arrival
        return read

    return await journal.get_journal(request, load)


def refusal(request: web.Request) -> web.Response | None:
    """403 for a non-loopback peer on an admin route; None when the request may go on."""
    if request.path.startswith("/__admin") and not is_loopback(request.remote):
        return json_error(403, f"admin routes answer loopback peers only, not {request.remote}")
    return None


async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Who may ask what, and a JSON body naming the problem for every error — never a
    traceback."""
    refused = refusal(request)
    if refused is not None:
        return refused
    try:
        return await handler(request)
    except BadParameter as error:
        return json_error(400, str(error), parameter=error.name)
    except StoreError as error:  # the shared store went away: say which, and why
        return json_error(503, str(error), store=error.url)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        return json_error(error.status, error.reason)
    except (asyncio.CancelledError, ConnectionError):
        raise
    except Exception as error:  # the last line of defence: log it, answer JSON
        log.exception("unexpected error on %s %s", request.method, request.path_qs)
        return json_error(500, f"internal error: {type(error).__name__}")


def guarded(handler: Handler) -> Handler:
    """`handler` behind `guard`, wrapped once when the route is added."""

    async def guarded_handler(request: web.Request) -> web.StreamResponse:
        return await guard(request, handler)

    return guarded_handler


class JsonRouter(web.UrlDispatcher):
    """aiohttp's router, answering an unknown path (404) or method (405) in JSON like every
    other error, and an unknown admin path from a non-loopback peer with 403."""

    def resolve(self, request: web.Request) -> Coroutine[Any, Any, UrlMappingMatchInfo]:
        """The route for `request` (a coroutine, as aiohttp awaits it)."""
        if request.method == "GET" and request.path in API_ROUTES:  # the hot path: no extra
            return super().resolve(request)  # coroutine to check what cannot be an error
        return self._resolve(request)

    async def _resolve(self, request: web.Request) -> UrlMappingMatchInfo:
        """An error match carries a JSON body naming the problem."""
        match = await super().resolve(request)
        error = match.http_exception
        if error is None:
            return match
        refused = refusal(request)
        if refused is not None:
            forbidden = web.HTTPForbidden()
            _as_json(forbidden, refused)
            return MatchInfoError(forbidden)
        if isinstance(error, web.HTTPMethodNotAllowed):
            allowed = ", ".join(sorted(error.allowed_methods))
            method, path = request.method, request.path
            message = f"method {method} is not allowed on {path}; allowed: {allowed}"
            _as_json(error, json_error(405, message))
            error.headers["Allow"] = allowed
        elif isinstance(error, web.HTTPNotFound):
            message = f"no route {request.path}; see /openapi.json for the routes"
            _as_json(error, json_error(404, message))
        else:
            _as_json(error, json_error(error.status, error.reason))
        return match


def _as_json(error: web.HTTPException, answer: web.Response) -> None:
    """Give an HTTP error (which aiohttp writes as it is) the JSON body of `answer`."""
    error.body = answer.body
    error.content_type = "application/json"


def create_app(
    config: ServerConfig | None = None,
    *,
    require_key: bool = False,
    clock: Callable[[], float] = time.perf_counter,
    journal_size: int = DEFAULT_SIZE,
    journal_bytes: int = DEFAULT_BYTES,
    shared: SharedStore | None = None,
    publish: bool = True,
) -> web.Application:
    """Build the fake usajobs API; `clock` is injectable so timing logic can be tested;
    `journal_size` and `journal_bytes` bound the request journal (0 turns it off); `shared`,
    a store every process of the server shares (opened as the app starts, closed as it
    stops), with this app's scenario `publish`ed to it or, if not, the store's adopted."""
    with warnings.catch_warnings():  # `router=` is deprecated, yet the only way to give an
        warnings.simplefilter("ignore", DeprecationWarning)  # app JSON 404s without a middleware
        app = web.Application(router=JsonRouter())
    state = State(
        config or parse_config({}),
        clock=clock,
        journal_size=journal_size,
        journal_bytes=journal_bytes,
        shared=shared,
    )
    app[STATE] = state
    if shared is not None:
        store = shared

        async def open_store(app: web.Application) -> None:
            config = state.config
            await store.open(dict(config.document) if publish else None)

        async def close_store(app: web.Application) -> None:
            await store.close()

        app.on_startup.append(open_store)
        app.on_cleanup.append(close_store)
    app[REQUIRE_KEY] = require_key
    for path, route in API_ROUTES.items():
        app.router.add_get(path, api_handler(state, route, require_key))
    app.router.add_get("/health", guarded(health))
    app.router.add_get("/demo", guarded(demo))
    app.router.add_get("/openapi.json", guarded(openapi))
    app.router.add_get("/__admin/journal", guarded(get_journal))
    add_guarded_routes(app, routes.add_routes)
    return app


def add_guarded_routes(app: web.Application, add_routes: Callable[[web.Application], None]) -> None:
    """Let `add_routes` register its routes on a scratch app, then add each one to `app`
    behind `guard` (and carry over any state it set), so no route is left unguarded."""
    scratch = web.Application()
    for key in app:  # what the routes need to know (the state, its clock) they find as usual
        scratch[key] = app[key]
    add_routes(scratch)
    for route in scratch.router.routes():
        assert route.resource is not None  # every route added with add_get & co. has one
        app.router.add_route(route.method, route.resource.canonical, guarded(route.handler))
    for key in scratch:
        app[key] = scratch[key]
