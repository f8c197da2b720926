"""Where a request's time goes: aiohttp and the app, driven in-process, no socket, no load.

`python -m bench.inprocess [--loop uvloop] [--requests N] [--rounds R] [--profile]` feeds raw
HTTP/1.1 requests to aiohttp's own protocol over a transport that only counts bytes, and
reports the process CPU per request of the bare reference app (the same bytes per URL) and
of the fake server's app as it runs, with the journal off, and with every feature configured
at zero — the minimum over rounds, which is what the code costs when nothing else on the
machine gets in the way. The shared machine's noise moves `make bench` by ±10 %; this moves
by a few tenths of a microsecond. `--profile` adds cProfile's view of the fake server's app.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import pstats
import time
from collections.abc import Callable, Sequence
from typing import Any, Final

from aiohttp import web

from bench import reference
from bench.overhead import all_features, paths
from server.api import envelopes
from server.api.zipsets import ZIP_SETS
from server.app import create_app
from server.config.parser import parse_config

MEMPY_2015: Final = ZIP_SETS["mempy-2015"]  # the talk's zips, in order

AppFactory = Callable[[], web.Application]


class CountingTransport(asyncio.Transport):
    """A transport that keeps nothing: it counts what the server writes."""

    def __init__(self) -> None:
        super().__init__()
        self.written = 0
        self._closing = False

    def write(self, data: Any) -> None:
        """Count the bytes."""
        self.written += len(data)

    def writelines(self, list_of_data: Any) -> None:
        """Count the bytes."""
        for data in list_of_data:
            self.written += len(data)

    def is_closing(self) -> bool:
        """Open until closed."""
        return self._closing

    def close(self) -> None:
        """Closed."""
        self._closing = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        """A loopback peer, as a real connection has."""
        return {"peername": ("127.0.0.1", 50_000), "sockname": ("127.0.0.1", 8080)}.get(
            name, default
        )

    def get_write_buffer_size(self) -> int:
        """Never backed up."""
        return 0


async def cpu_per_request(app: web.Application, requests: Sequence[bytes], count: int) -> float:
    """Process CPU microseconds per request for `count` requests through `app`."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    factory = runner.server
    assert factory is not None  # set up above: the runner's server makes the protocol
    protocol = factory()
    transport = CountingTransport()
    protocol.connection_made(transport)
    gc.collect()
    started = time.process_time()
    for index in range(count):
        before = transport.written
        protocol.data_received(requests[index % len(requests)])
        while transport.written == before:  # until the answer is written
            await asyncio.sleep(0)
        await asyncio.sleep(0)  # and the handler has returned
    elapsed = time.process_time() - started
    await runner.cleanup()
    return 1e6 * elapsed / count


def apps(route: str) -> dict[str, AppFactory]:
    """The apps compared: the reference answering each URL its own page, and the fake's."""
    render = envelopes.render_jobs if route == "jobs" else envelopes.render_search
    per_page = 25 if route == "jobs" else 250
    pages = {
        query.split("?", 1)[1]: render(0, zip_code, per_page, 1)
        for query, zip_code in zip(paths(route, MEMPY_2015), MEMPY_2015, strict=True)
    }
    default = next(iter(pages.values()))
    features = parse_config(all_features())
    return {
        "reference": lambda: reference.create_app(default, default, pages={route: pages}),
        "fake": lambda: create_app(),
        "fake, journal off": lambda: create_app(journal_size=0),
        "fake, all features": lambda: create_app(features),
    }


def measure(
    loop: asyncio.AbstractEventLoop, route: str, count: int, rounds: int
) -> dict[str, float]:
    """Each app's least CPU per request over `rounds` interleaved rounds."""
    requests = [f"GET {p} HTTP/1.1\r\nHost: x\r\n\r\n".encode() for p in paths(route, MEMPY_2015)]
    factories = apps(route)
    best: dict[str, float] = {}
    for _ in range(rounds):
        for name, factory in factories.items():
            figure = loop.run_until_complete(cpu_per_request(factory(), requests, count))
            best[name] = min(best.get(name, figure), figure)
    return best


def profile(loop: asyncio.AbstractEventLoop, route: str, count: int) -> None:
    """cProfile's top functions for the fake server's app (it inflates small calls)."""
    requests = [f"GET {p} HTTP/1.1\r\nHost: x\r\n\r\n".encode() for p in paths(route, MEMPY_2015)]
    loop.run_until_complete(cpu_per_request(create_app(), requests, count))  # warm
    profiler = cProfile.Profile()
    profiler.enable()
    loop.run_until_complete(cpu_per_request(create_app(), requests, count))
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


LOOPS: Final = ("asyncio", "uvloop")


def main(argv: Sequence[str] | None = None) -> int:
    """Print CPU per request for each app, and its difference from the reference."""
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess", description=__doc__)
    parser.add_argument("--loop", choices=LOOPS, default="uvloop")
    parser.add_argument("--route", choices=("jobs", "search"), default="jobs")
    parser.add_argument("--requests", type=int, default=1500, help="per round (default 1500)")
    parser.add_argument("--rounds", type=int, default=25, help="the minimum is kept (25)")
    parser.add_argument("--profile", action="store_true", help="add cProfile's view")
    args = parser.parse_args(argv)
    if args.loop == "uvloop":
        import uvloop

        loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    else:
        loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        best = measure(loop, args.route, args.requests, args.rounds)
        base = best["reference"]
        print(f"CPU per request, in-process, {args.loop}, /api/{args.route} (min of {args.rounds})")
        for name, figure in best.items():
            print(f"  {name:20s} {figure:6.1f} µs  {figure - base:+5.1f} µs  ÷ {base / figure:.2f}")
        if args.profile:
            profile(loop, args.route, args.requests * 4)
    finally:
        loop.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
