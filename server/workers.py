"""`--workers N`: N server processes on one port, supervised, sharing their state in a store.

Each worker is `python -m server` itself with the same flags and a hidden `--worker`: it binds
the port with `SO_REUSEPORT`, so the kernel spreads new connections over the workers (a
keep-alive connection stays on the one that accepted it), and keeps its state in the store at
`--state` — or, when none is given, in an embedded Valkey (`server.shared.embedded`) this
process starts on a unix socket and stops on the way out.

The supervisor — this module, not gunicorn: the flags, the one-line errors, the banner and the
embedded store stay the server's own, and it is a hundred lines — holds the port (bound, never
listening, so nothing else takes it between restarts), publishes the starting scenario to the
store, starts the workers (each dies with it: `PR_SET_PDEATHSIG`), says `serving on …` once all
of them listen, starts again any that dies, and on Ctrl-C or SIGTERM stops them all by PID.
"""

from __future__ import annotations

import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from .errors import StoreError
from .shared.embedded import Engine, die_with_parent, start_engine

READY_TIMEOUT: Final = 30.0  # seconds a worker may take to listen; a bound, not a target
WORKER_BYTES: Final = 80 * 2**20  # what a worker takes, about (RSS of an idle one: ~45 MiB)
MAX_WORKERS: Final = 256
RESTART_PAUSE: Final = 0.5  # between a crash and the restart, so a crash loop is not a spin
STOP_GRACE: Final = 5.0


class WorkersError(Exception):
    """Why the workers could not be started (one line)."""


def most_workers() -> tuple[int, str]:
    """How many workers this machine can start, and why that many: its memory available (a
    worker takes about WORKER_BYTES) and its process limit, at most MAX_WORKERS."""
    reasons = [(MAX_WORKERS, "the most one supervisor starts")]
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            fields = dict(line.split(":", 1) for line in meminfo)
        available = int(fields["MemAvailable"].split()[0]) * 1024
        reasons.append((max(1, available // WORKER_BYTES),
                        f"{available / 2**30:.1f} GiB available, about "
                        f"{WORKER_BYTES // 2**20} MiB a worker"))  # fmt: skip
    except (OSError, KeyError, ValueError):
        pass
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_NPROC)
    if soft != resource.RLIM_INFINITY:
        reasons.append((max(1, soft // 4), f"the process limit is {soft}"))
    return min(reasons)


def check_count(count: int) -> str | None:
    """Why `--workers count` cannot be (one line), or None."""
    if count < 1:
        return f"must be at least 1, got {count}"
    most, why = most_workers()
    if count > most:
        return f"{count} is more than this machine can start (at most {most}: {why})"
    return None


def reserve(host: str, port: int) -> socket.socket:
    """Hold `host:port` for the workers: first a plain bind (which fails while anything else
    listens there, whatever its options), then a bound, never listening, `SO_REUSEPORT`
    socket the workers' own sockets join. OSError when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
        port = probe.getsockname()[1]
    held = socket.socket(family, socket.SOCK_STREAM)
    held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        held.bind((host, port))
    except OSError:
        held.close()
        raise
    return held


@dataclass
class Worker:
    """One worker process and how it is doing."""

    index: int
    process: subprocess.Popen[bytes]
    started: float = field(default_factory=time.monotonic)


class Supervisor:
    """Starts, watches and stops the workers."""

    def __init__(self, command: Sequence[str], count: int, engine: Engine | None = None) -> None:
        self.command = list(command)  # `python -m server …` with the port and the store
        self.count = count
        self.engine = engine  # the embedded Valkey, when this supervisor started one
        self.workers: list[Worker] = []
        self.stopping = False
        # A worker's name in the store (this supervisor's, and its index): the same across
        # restarts, so the one started again gives back the capacity its predecessor held.
        self.name = f"{socket.gethostname()}-{os.getpid()}"

    def spawn(self, index: int) -> Worker:
        """Start worker `index`; it dies with this process."""
        process = subprocess.Popen(
            [*self.command, "--worker", f"{self.name}-{index}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, preexec_fn=die_with_parent,
        )  # fmt: skip
        return Worker(index, process)

    def start(self) -> None:
        """Start every worker and wait until each listens; WorkersError if one cannot."""
        self.workers = [self.spawn(index) for index in range(self.count)]
        deadline = time.monotonic() + READY_TIMEOUT
        for worker in self.workers:
            self.wait_ready(worker, deadline)

    def wait_ready(self, worker: Worker, deadline: float) -> None:
        """Until the worker prints its banner (it listens then); WorkersError if it exits."""
        stdout = worker.process.stdout
        assert stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(stdout, selectors.EVENT_READ)
            remaining = deadline - time.monotonic()
            line = stdout.readline() if remaining > 0 and selector.select(remaining) else b""
        if not line.startswith(b"serving on "):
            code = worker.process.poll()
            why = f"exited with status {code}" if code is not None else "did not listen in time"
            raise WorkersError(f"worker {worker.index} {why} (its error is above)")

    def watch(self) -> None:
        """Restart any worker that dies, until `stop`."""
        while not self.stopping:
            time.sleep(0.2)
            self.revive_store()
            for position, worker in enumerate(self.workers):
                code = worker.process.poll()
                if code is None or self.stopping:
                    continue
                print(f"worker {worker.index} (pid {worker.process.pid}) exited with status "
                      f"{code}; starting it again", file=sys.stderr, flush=True)  # fmt: skip
                _close(worker)
                if time.monotonic() - worker.started < 2 * RESTART_PAUSE:
                    time.sleep(RESTART_PAUSE)  # a crash at start: do not spin
                replacement = self.spawn(worker.index)
                self.workers[position] = replacement
                try:
                    self.wait_ready(replacement, time.monotonic() + READY_TIMEOUT)
                except WorkersError as error:
                    print(f"error: {error}", file=sys.stderr, flush=True)

    def revive_store(self) -> None:
        """Start the embedded Valkey again, on the same socket, if it died: the workers
        reconnect by themselves (what it held — attempts, journal, lease — is gone)."""
        engine = self.engine
        if engine is None or engine.process.poll() is None or self.stopping:
            return
        print(f"embedded Valkey (pid {engine.process.pid}) exited with status "
              f"{engine.process.returncode}; starting it again (the attempts, journal and lease "
              "it held are gone)", file=sys.stderr, flush=True)  # fmt: skip
        try:
            revived = start_engine(engine.binary, port=engine.port, folder=engine.folder)
        except StoreError as error:
            print(f"error: {error}", file=sys.stderr, flush=True)
            return
        engine.process = revived.process

    def stop(self) -> None:
        """SIGTERM every worker (by PID), wait, SIGKILL any still there."""
        self.stopping = True
        for worker in self.workers:
            if worker.process.poll() is None:
                worker.process.terminate()
        deadline = time.monotonic() + STOP_GRACE
        for worker in self.workers:
            try:
                worker.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()
            _close(worker)


def _close(worker: Worker) -> None:
    if worker.process.stdout is not None:
        worker.process.stdout.close()


def run(supervisor: Supervisor) -> None:
    """Watch the started workers until Ctrl-C or SIGTERM, then stop them all."""

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        supervisor.watch()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        supervisor.stop()


def cores() -> int:
    """CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
