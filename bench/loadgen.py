"""A lean HTTP/1.1 load generator: raw asyncio protocols on uvloop, run as its own process.

`python -m bench.loadgen` reads one JSON job on stdin and prints one JSON result on stdout.
`closed` mode keeps `concurrency` keep-alive connections busy until `requests` answers came
back; `burst` mode opens `requests` connections at once and sends one request on each;
`probe` mode sends `requests` requests on a fixed schedule, one every `interval` seconds
whether the last was answered or not, and times each from when it was due (so a stalled
server shows as every probe that waited, not as one slow answer).
Every run is bounded by the job's `time_limit`: past it, open connections are aborted.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import resource
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Final, cast

from bench.figures import server_timing_ms

TERMINATOR: Final = b"\r\n\r\n"


class ProtocolError(Exception):
    """The server's answer is not HTTP/1.1 this generator can read."""


@dataclass(frozen=True, slots=True)
class Head:
    """What a response head says: the status, the body length and the Server-Timing value."""

    status: int
    length: int
    timing: str = ""


def parse_head(block: bytes) -> Head:
    """Parse a response head (status line and headers, without the blank line)."""
    lines = block.split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise ProtocolError(f"bad status line {lines[0][:60]!r}")
    length, timing = -1, ""
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        key = name.strip().lower()
        if key == b"content-length":
            length = int(value)
        elif key == b"server-timing":
            timing = value.strip().decode("latin-1")
    if length < 0:
        raise ProtocolError("no Content-Length (chunked answers are not supported)")
    return Head(int(parts[1]), length, timing)


def request_bytes(host: str, path: str, *, close: bool) -> bytes:
    """A GET request for `path`, keep-alive unless `close`."""
    connection = "Connection: close\r\n" if close else ""
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{connection}\r\n".encode()


class Connection(asyncio.Protocol):
    """One client connection that sends a request and resolves a future with the head."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._head: Head | None = None
        self._waiter: asyncio.Future[Head] | None = None
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport."""
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        """Buffer and try to complete the pending answer."""
        self._buffer += data
        self._advance()

    def connection_lost(self, exc: Exception | None) -> None:
        """Fail the pending answer, if any."""
        self.lost = True
        self._fail(ConnectionResetError("connection closed before the answer was complete"))

    def _fail(self, error: Exception) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(error)

    def _advance(self) -> None:
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        if self._head is None:
            end = self._buffer.find(TERMINATOR)
            if end < 0:
                return
            try:
                self._head = parse_head(bytes(self._buffer[:end]))
            except (ProtocolError, ValueError) as error:
                self._fail(ProtocolError(str(error)))
                return
            del self._buffer[: end + len(TERMINATOR)]
        if len(self._buffer) >= self._head.length:
            del self._buffer[: self._head.length]
            head, self._head, self._waiter = self._head, None, None
            waiter.set_result(head)

    async def send(self, raw: bytes) -> Head:
        """Write a request; wait for the whole answer."""
        if self.lost or self.transport is None:
            raise ConnectionResetError("connection already closed")
        self._waiter = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        return await self._waiter

    def abort(self) -> None:
        """Drop the connection now."""
        if self.transport is not None and not self.lost:
            self.transport.abort()


@dataclass
class Tally:
    """Everything one run counted."""

    statuses: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    intended: list[float] = field(default_factory=list)
    overshoot: list[float] = field(default_factory=list)
    keep_timing: bool = False

    def answer(self, head: Head, latency: float) -> None:
        """Record one complete answer (and its Server-Timing figures, when asked to)."""
        self.statuses[str(head.status)] += 1
        self.latencies.append(latency)
        if self.keep_timing:
            timing = server_timing_ms(head.timing)
            self.intended.append(timing.get("intended", -1.0))
            if "overshoot" in timing:  # may be below zero: a timer that fired a little early
                self.overshoot.append(timing["overshoot"])

    def error(self, error: BaseException) -> None:
        """Record one request that got no answer."""
        self.errors[error_kind(error)] += 1


def error_kind(error: BaseException) -> str:
    """A short name for why a request failed."""
    if isinstance(error, ConnectionRefusedError):
        return "refused"
    if isinstance(error, ConnectionResetError):
        return "reset"
    if isinstance(error, TimeoutError | asyncio.CancelledError):
        return "timeout"
    if isinstance(error, ProtocolError):
        return "protocol"
    return type(error).__name__


@dataclass(frozen=True, slots=True)
class Job:
    """What to run: where, which paths (cycled), how many, how many at once, how long at most."""

    host: str
    port: int
    paths: tuple[str, ...]
    requests: int
    concurrency: int = 64
    mode: str = "closed"  # "closed", "burst" or "probe"
    time_limit: float = 60.0
    timing: bool = False  # keep each answer's intended delay and overshoot from Server-Timing
    interval: float = 0.005  # probe mode: seconds between one request's due time and the next

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Job:
        """From the JSON job."""
        return cls(**{**raw, "paths": tuple(raw["paths"])})


async def closed_loop(job: Job, tally: Tally, connections: list[Connection]) -> None:
    """`concurrency` workers, each on its own keep-alive connection, share `requests` requests."""
    loop = asyncio.get_running_loop()
    raws = [request_bytes(job.host, path, close=False) for path in job.paths]
    counter = itertools.count()

    async def worker() -> None:
        connection: Connection | None = None
        for index in counter:
            if index >= job.requests:
                return
            start = time.perf_counter()
            try:
                if connection is None or connection.lost:
                    _, connection = await loop.create_connection(Connection, job.host, job.port)
                    connections.append(connection)
                head = await connection.send(raws[index % len(raws)])
                tally.answer(head, time.perf_counter() - start)
            except (OSError, ProtocolError) as error:
                tally.error(error)
                connection = None

    await asyncio.gather(*(worker() for _ in range(min(job.concurrency, job.requests))))


async def burst(job: Job, tally: Tally, connections: list[Connection]) -> None:
    """Open `requests` connections at once; one request on each, then close it."""
    loop = asyncio.get_running_loop()
    raws = [request_bytes(job.host, path, close=True) for path in job.paths]

    async def one(index: int) -> None:
        start = time.perf_counter()
        try:
            _, connection = await loop.create_connection(Connection, job.host, job.port)
            connections.append(connection)
            head = await connection.send(raws[index % len(raws)])
            tally.answer(head, time.perf_counter() - start)
            if connection.transport is not None:
                connection.transport.close()
        except (OSError, ProtocolError) as error:
            tally.error(error)

    await asyncio.gather(*(one(i) for i in range(job.requests)))


async def probe(job: Job, tally: Tally, connections: list[Connection]) -> None:
    """Send `requests` requests, one every `interval` seconds, each on an idle keep-alive
    connection (a new one when none is idle); a latency counts from the request's due time."""
    loop = asyncio.get_running_loop()
    raws = [request_bytes(job.host, path, close=False) for path in job.paths]
    idle: list[Connection] = []

    async def one(index: int, due: float) -> None:
        try:
            connection = idle.pop() if idle else None
            if connection is None or connection.lost:
                _, connection = await loop.create_connection(Connection, job.host, job.port)
                connections.append(connection)
            head = await connection.send(raws[index % len(raws)])
            tally.answer(head, time.perf_counter() - due)  # uvloop's loop.time() is in ms
            idle.append(connection)
        except (OSError, ProtocolError) as error:
            tally.error(error)

    start = time.perf_counter()
    tasks = []
    for index in range(job.requests):
        due = start + index * job.interval
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tasks.append(asyncio.ensure_future(one(index, due)))
    await asyncio.gather(*tasks)


BODIES: Final = {"closed": closed_loop, "burst": burst, "probe": probe}


async def run_job(job: Job) -> dict[str, Any]:
    """Run the job within its time limit; return its figures."""
    tally = Tally(keep_timing=job.timing)
    connections: list[Connection] = []
    body = BODIES[job.mode]
    cpu_before = cpu_seconds()
    started = time.perf_counter()
    task = asyncio.ensure_future(body(job, tally, connections))
    done, _ = await asyncio.wait([task], timeout=job.time_limit)
    if not done:
        task.cancel()
        await asyncio.wait([task], timeout=5.0)
        missing = job.requests - sum(tally.statuses.values()) - sum(tally.errors.values())
        tally.errors["deadline"] += max(0, missing)
    wall = time.perf_counter() - started
    for connection in connections:
        connection.abort()
    return figures(tally, wall, cpu_seconds() - cpu_before)


def cpu_seconds() -> float:
    """This process's user + system CPU seconds so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def figures(tally: Tally, wall: float, cpu: float) -> dict[str, Any]:
    """The JSON-ready result; `cpu` is what the run itself cost this process."""
    return {
        "ok": tally.statuses.get("200", 0),
        "statuses": dict(tally.statuses),
        "errors": dict(tally.errors),
        "wall": wall,
        "latencies": [round(x, 6) for x in tally.latencies],
        "intended": [round(x, 4) for x in tally.intended],
        "overshoot": [round(x, 4) for x in tally.overshoot],
        "cpu": cpu,
    }


def raise_open_file_limit() -> None:
    """Lift the soft limit on open files to the hard one: every connection is a descriptor."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def new_loop() -> asyncio.AbstractEventLoop:
    """uvloop's loop when installed (it costs less per request), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of `data` to `fd`, waiting for the reader as long as it takes.

    uvloop can leave the standard descriptors non-blocking; a write to a non-blocking pipe
    then takes only what fits in the pipe (64 KiB) and the rest of a large result was lost —
    the benchmark saw JSON cut off at the pipe's size. So: blocking first, then loop.
    """
    os.set_blocking(fd, True)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def main() -> int:
    """Read the job on stdin, run it, print the result on stdout."""
    job = Job.from_dict(json.loads(sys.stdin.read()))
    raise_open_file_limit()
    loop = new_loop()
    try:
        result = loop.run_until_complete(run_job(job))
    finally:
        loop.close()
    sys.stdout.flush()  # nothing else is written there, but never interleave with a buffer
    write_all(sys.stdout.fileno(), json.dumps(result, separators=(",", ":")).encode() + b"\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
