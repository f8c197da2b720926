"""The listening guards: a deadline for a connection's first request head, one line when
the descriptors run out (and one when they come back), the soft limit raised at start and
said in the banner. Real sockets; the descriptor count is injected where a test needs it."""

from __future__ import annotations

import asyncio
import itertools
import logging
import resource
import socket
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator

import pytest
import requests
from aiohttp import web

from server.app import create_app
from server.cli import bind
from server.listening import DescriptorWatch, GuardedSite
from server.logs import SERVER_LOGGER
from tests.helpers import POLL_DEADLINE, ROOT, wait_for

REQUEST = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


class Lines(logging.Handler):
    """The server logger's lines, kept."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def said() -> Iterator[list[str]]:
    handler = Lines()
    logger = logging.getLogger(SERVER_LOGGER)
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)


def test_running_out_of_descriptors_is_said_once_and_coming_back_once(said: list[str]) -> None:
    used = [10]
    watch = DescriptorWatch(count=lambda: used[0], limit=lambda: 100)
    watch.check()
    assert said == []
    for count in (97, 99, 100, 99, 95):  # out: 96 and over; still out until under 90
        used[0] = count
        watch.check()
    used[0] = 80
    watch.check()
    watch.check()
    used[0] = 100
    watch.check()
    assert said == [
        "refusing new connections: 97 of 100 file descriptors in use (RLIMIT_NOFILE 100); "
        "raise `ulimit -n`, or lower --head-timeout to close idle sockets sooner",
        "accepting connections again: 80 of 100 file descriptors in use",
        "refusing new connections: 100 of 100 file descriptors in use (RLIMIT_NOFILE 100); "
        "raise `ulimit -n`, or lower --head-timeout to close idle sockets sooner",
    ]


def test_a_failed_accept_is_said_once_and_other_loop_errors_as_before(
    said: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    watch = DescriptorWatch(count=lambda: None, limit=lambda: 64)
    loop = asyncio.new_event_loop()
    try:
        error = OSError(24, "Too many open files")
        for _ in range(50):  # asyncio retries the accept every 0.1 s, and would log each time
            watch.handle(loop, {"message": "socket.accept() out of system resource",
                                "exception": error})  # fmt: skip
        with caplog.at_level(logging.ERROR, logger="asyncio"):
            watch.handle(loop, {"message": "something else", "exception": ValueError("x")})
    finally:
        loop.close()
    assert said == [
        "refusing new connections: accept failed: Too many open files (RLIMIT_NOFILE 64); "
        "raise `ulimit -n`, or lower --head-timeout to close idle sockets sooner",
    ]
    assert [r.getMessage() for r in caplog.records if r.name == "asyncio"] == ["something else"]


@pytest.fixture
async def guarded() -> AsyncIterator[GuardedSite]:
    runner = web.AppRunner(create_app(), keepalive_timeout=75.0)
    await runner.setup()
    site = GuardedSite(runner, bind("127.0.0.1", 0), 0.2)
    await site.start()
    try:
        yield site
    finally:
        await runner.cleanup()


async def connect(site: GuardedSite) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    port = int(site.name.rsplit(":", 1)[1])
    return await asyncio.open_connection("127.0.0.1", port)


async def test_a_head_not_whole_within_the_deadline_is_closed(guarded: GuardedSite) -> None:
    reader, writer = await connect(guarded)
    writer.write(REQUEST[:20])  # a slowloris: the head begun, never finished
    await writer.drain()
    assert await asyncio.wait_for(reader.read(), POLL_DEADLINE) == b""  # closed by the server
    writer.close()
    silent_reader, silent = await connect(guarded)  # one that sends nothing at all
    assert await asyncio.wait_for(silent_reader.read(), POLL_DEADLINE) == b""
    silent.close()
    assert guarded.deadline is not None and guarded.deadline.closed == 2


async def test_a_connection_that_sent_its_head_in_time_is_kept_alive(
    guarded: GuardedSite,
) -> None:
    reader, writer = await connect(guarded)
    for _ in range(2):
        writer.write(REQUEST)
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), POLL_DEADLINE)
        assert head.startswith(b"HTTP/1.1 200")
        length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
        await reader.readexactly(length)
        await asyncio.sleep(0.4)  # twice the deadline: a kept-alive connection is not cut
    writer.close()
    assert guarded.deadline is not None and guarded.deadline.closed == 0


# --- the real server, its descriptors exhausted -------------------------------------------


class Served:
    """`python -m server` under a descriptor limit, its stderr read as it comes."""

    def __init__(self, limit: tuple[int, int], *args: str) -> None:
        def lower() -> None:
            resource.setrlimit(resource.RLIMIT_NOFILE, limit)

        self.process = subprocess.Popen(
            [sys.executable, "-m", "server", "--port", "0", *args], cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=lower,
        )  # fmt: skip
        assert self.process.stdout is not None and self.process.stderr is not None
        self.banner = self.process.stdout.readline().strip()
        self.url = self.banner.split()[2]
        self.errors: list[str] = []
        stderr = self.process.stderr
        self.reader = threading.Thread(target=lambda: self.errors.extend(stderr), daemon=True)
        self.reader.start()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.reader.join(10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


@pytest.mark.slow
def test_the_soft_limit_is_raised_to_the_hard_one_and_the_banner_says_it() -> None:
    served = Served((64, 256), "--loop", "asyncio")
    try:
        assert served.banner.endswith("loop asyncio, 256 file descriptors)"), served.banner
    finally:
        served.stop()


@pytest.mark.slow
@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_descriptors_exhausted_by_silent_sockets_are_said_once_and_the_server_recovers(
    loop: str,
) -> None:
    pytest.importorskip(loop)
    served = Served((64, 64), "--loop", loop, "--head-timeout", "2")
    port = int(served.url.rsplit(":", 1)[1])
    sockets = []
    try:
        assert served.banner.endswith("64 file descriptors)"), served.banner
        for _ in range(100):  # more than the server has descriptors for; each sends nothing
            try:
                sockets.append(socket.create_connection(("127.0.0.1", port), timeout=5))
            except OSError:
                break
        assert wait_for(lambda: any("refusing new connections" in e for e in served.errors))
        assert wait_for(lambda: any("accepting connections again" in e for e in served.errors))
        refusals = [line for line in served.errors if "refusing new connections" in line]
        # Said once an episode, never per connection: on a loaded machine the kernel's backlog
        # can fill the descriptors again after the head timeout freed them, a second episode.
        episodes = ("refusing new connections", "accepting connections again")
        said = [line.split(":")[1].strip() for line in served.errors
                if any(phrase in line for phrase in episodes)]  # fmt: skip
        assert tuple(said[:2]) == episodes, said
        assert all(a != b for a, b in itertools.pairwise(said)), served.errors
        assert refusals[0].startswith("server: refusing new connections: ")
        assert "RLIMIT_NOFILE 64" in refusals[0]
        assert not any("Traceback" in line for line in served.errors), served.errors
        answer = requests.get(f"{served.url}/health", timeout=POLL_DEADLINE)
        assert answer.status_code == 200
    finally:
        for sock in sockets:
            sock.close()
        served.stop()
