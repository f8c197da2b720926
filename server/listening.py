"""The listening socket's guards: a deadline for a connection's first request head, one
line when the server runs out of file descriptors, and the run loop that puts them in place.

aiohttp closes a connection that sends nothing after its keep-alive timeout (75 s here), and
a head sent a byte at a time lasts as long: a few hundred such sockets hold a descriptor each
for over a minute (slowloris). `HeadDeadline` closes a connection whose first request head is
not whole within `--head-timeout` seconds. When every descriptor is in use, accept fails: the
asyncio loop would log it with a traceback every time, uvloop (libuv) not at all; the
`DescriptorWatch` says it once, in one line, and once again when the server accepts again.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import resource
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import suppress
from typing import Any, Final

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from .logs import SERVER_LOGGER

HEAD_TIMEOUT: Final = 10.0  # seconds a new connection has to send its first request head
WATCH_EVERY: Final = 1.0  # seconds between two counts of the descriptors in use
SPARE: Final = 4  # descriptors short of the limit that count as out of them (a log file, …)
OUT_OF_DESCRIPTORS: Final = frozenset({errno.EMFILE, errno.ENFILE})

log = logging.getLogger(SERVER_LOGGER)


def descriptor_limit() -> int:
    """The soft limit on open files (RLIMIT_NOFILE)."""
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def raise_descriptor_limit() -> int:
    """Lift the soft limit on open files to the hard one where allowed (every connection is a
    descriptor); the soft limit in force after."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        with suppress(ValueError, OSError):  # a container may forbid it: keep what we have
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return descriptor_limit()


def descriptors_in_use() -> int | None:
    """How many descriptors this process holds (None where /proc cannot say)."""
    try:
        return len(os.listdir("/proc/self/fd")) - 1  # the listing's own descriptor
    except OSError as error:  # no descriptor left even to list them: every one is in use
        return descriptor_limit() if error.errno in OUT_OF_DESCRIPTORS else None


class DescriptorWatch:
    """Says once, in one line, that connections are refused for lack of descriptors, and
    once that they are accepted again; `count` and `limit` are injectable for tests."""

    def __init__(
        self,
        count: Callable[[], int | None] = descriptors_in_use,
        limit: Callable[[], int] = descriptor_limit,
    ) -> None:
        self.count = count
        self.limit = limit
        self.out = False  # said "refusing" and not yet "accepting again"

    def refusing(self, detail: str) -> None:
        """Accept failed (or would) for lack of descriptors: say so, if not said already."""
        if not self.out:
            self.out = True
            log.warning(
                "refusing new connections: %s (RLIMIT_NOFILE %d); raise `ulimit -n`, or "
                "lower --head-timeout to close idle sockets sooner", detail, self.limit(),
            )  # fmt: skip

    def check(self) -> None:
        """Compare the descriptors in use with the limit; say a change of state once."""
        used, limit = self.count(), self.limit()
        if used is None:
            return
        if used >= limit - SPARE:
            self.refusing(f"{used} of {limit} file descriptors in use")
        elif self.out and used < limit * 0.9:
            self.out = False
            log.warning("accepting connections again: %d of %d file descriptors in use",
                        used, limit)  # fmt: skip

    def handle(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """The loop's exception handler: a failed accept for lack of descriptors is said
        once (asyncio would log it, with a traceback, every time); all else as usual."""
        error = context.get("exception")
        if isinstance(error, OSError) and error.errno in OUT_OF_DESCRIPTORS:
            self.refusing(f"accept failed: {error.strerror}")
            return
        loop.default_exception_handler(context)

    async def run(self) -> None:
        """Check every WATCH_EVERY seconds until cancelled."""
        while True:
            self.check()
            await asyncio.sleep(WATCH_EVERY)


class HeadDeadline:
    """A protocol factory around aiohttp's: each new connection must send its first request
    head within `timeout` seconds, or it is closed. Later heads on a kept-alive connection are
    bounded by aiohttp's keep-alive timeout, counted from the end of the last answer."""

    def __init__(self, server: web.Server, timeout: float) -> None:
        self.server = server
        self.timeout = timeout
        self.closed = 0  # connections closed for want of a head

    def __call__(self) -> RequestHandler:
        """A new connection's protocol, with its deadline set."""
        handler = self.server()
        asyncio.get_running_loop().call_later(self.timeout, self.expire, handler)
        return handler

    def expire(self, handler: RequestHandler) -> None:
        """Close the connection if its first request head has not come whole."""
        if handler.transport is not None and not handler._request_count:
            self.closed += 1
            handler.force_close()  # aiohttp has no public count of the heads it has read


class GuardedSite(web.SockSite):
    """aiohttp's site for a bound socket, its connections under a `HeadDeadline`."""

    def __init__(self, runner: web.AppRunner, sock: socket.socket, head_timeout: float,
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(runner, sock, **kwargs)
        self.head_timeout = head_timeout
        self.deadline: HeadDeadline | None = None

    async def start(self) -> None:
        """Listen, each connection made by the deadline's factory."""
        await web.BaseSite.start(self)
        server = self._runner.server
        assert server is not None
        self.deadline = HeadDeadline(server, self.head_timeout)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            self.deadline, sock=self._sock, ssl=self._ssl_context, backlog=self._backlog
        )


def watched(watch: DescriptorWatch) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup context running `watch` (and its exception handler) while the app runs."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(watch.handle)
        task = asyncio.create_task(watch.run())
        yield
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task

    return context


async def serve_forever(runner: web.AppRunner, sock: socket.socket, head_timeout: float,
                        backlog: int) -> None:  # fmt: skip
    """Set the runner up, listen on `sock` until cancelled, then clean up."""
    await runner.setup()
    try:
        await GuardedSite(runner, sock, head_timeout, backlog=backlog).start()
        while True:
            await asyncio.sleep(3600)
    finally:
        await runner.cleanup()


def run(runner: web.AppRunner, sock: socket.socket, loop: asyncio.AbstractEventLoop, *,
        head_timeout: float, backlog: int) -> None:  # fmt: skip
    """Serve until SIGINT or SIGTERM, as `web.run_app` does, with the guards in place."""
    asyncio.set_event_loop(loop)
    main = loop.create_task(serve_forever(runner, sock, head_timeout, backlog))
    try:
        loop.run_until_complete(main)
    except (web.GracefulExit, KeyboardInterrupt):
        pass
    finally:
        try:
            main.cancel()
            with suppress(asyncio.CancelledError):
                loop.run_until_complete(main)
        finally:
            rest = asyncio.all_tasks(loop)
            for task in rest:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*rest, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            asyncio.set_event_loop(None)
