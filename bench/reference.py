"""The benchmarks' baseline: a bare aiohttp app that answers fixed bytes, nothing else.

`python -m bench.reference --jobs-body FILE [--search-body FILE] [--pages FILE] [--delay S]
--loop uvloop` serves `/api/jobs` and `/api/search` with bodies captured from the fake server
in the same run — with `--pages`, each query string's own page, one dict lookup — so the fake
server is compared with the least an aiohttp handler can do for the same bytes. `--delay`
sleeps that long in the handler first (the injection benchmark's baseline) and reports how
late the sleep ended in `Server-Timing: overshoot;dur=MS`, as the fake server does.
It binds, listens and runs exactly as `python -m server` does, and says so in the same words.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler

# The fake server's own socket, loop and limits, so both queue a burst in the kernel alike.
from server.cli import BACKLOG, bind, new_loop
from server.listening import raise_descriptor_limit


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.reference", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port (default 0: any free one)")
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds to sleep per request")
    parser.add_argument("--jobs-body", type=Path, required=True, help="the /api/jobs body")
    parser.add_argument("--search-body", type=Path, help="the /api/search body (default: jobs)")
    parser.add_argument(
        "--pages", type=Path, help='JSON {"jobs": {QUERY: BODY}, "search": {...}}: per-URL bodies'
    )
    return parser


def fixed_handler(body: bytes, delay: float, pages: Mapping[str, bytes] | None = None) -> Handler:
    """A handler answering `body` (or the query string's own page) as JSON; with a delay,
    sleeps first and says how late it woke."""

    async def handle(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    async def handle_page(request: web.Request) -> web.Response:
        page = pages.get(request.query_string, body) if pages else body
        return web.Response(body=page, content_type="application/json")

    async def sleep_then_handle(request: web.Request) -> web.Response:
        start = time.perf_counter()
        await asyncio.sleep(delay)
        late = time.perf_counter() - start - delay
        page = pages.get(request.query_string, body) if pages else body
        response = web.Response(body=page, content_type="application/json")
        response.headers["Server-Timing"] = f"overshoot;dur={1000 * late:.3f}"
        return response

    if delay > 0:
        return sleep_then_handle
    return handle_page if pages else handle


def create_app(
    jobs: bytes,
    search: bytes,
    delay: float = 0.0,
    pages: Mapping[str, Mapping[str, bytes]] | None = None,
) -> web.Application:
    """The reference app: two routes, fixed bodies (one per URL with `pages`), no middleware."""
    pages = pages or {}
    app = web.Application()
    app.router.add_get("/api/jobs", fixed_handler(jobs, delay, pages.get("jobs")))
    app.router.add_get("/api/search", fixed_handler(search, delay, pages.get("search")))
    return app


def load_pages(path: Path) -> dict[str, dict[str, bytes]]:
    """Per-route, per-query-string bodies from `--pages` (text stored as latin-1: exact bytes)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    return {
        route: {query: text.encode("latin-1") for query, text in bodies.items()}
        for route, bodies in document.items()
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until terminated."""
    args = build_parser().parse_args(argv)
    jobs = args.jobs_body.read_bytes()
    search = args.search_body.read_bytes() if args.search_body else jobs
    pages = load_pages(args.pages) if args.pages else None
    raise_descriptor_limit()
    sock = bind("127.0.0.1", args.port)
    host, port = sock.getsockname()[:2]
    print(f"serving on http://{host}:{port} (reference, {args.loop})", flush=True)
    web.run_app(
        create_app(jobs, search, args.delay, pages),
        sock=sock,
        backlog=BACKLOG,
        keepalive_timeout=75.0,
        access_log=None,
        print=None,
        loop=new_loop(args.loop),
        shutdown_timeout=1.0,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
