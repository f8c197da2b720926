"""One run of one client in this (fresh) process: `python -m clients worker` reads a JSON job
line on stdin, and writes `progress N` lines while it runs and a `result {JSON}` line at its end
on its channel — a pipe of its own (`--channel FD`, as the launcher starts it), else the stdout
it was given. What the user's code prints never reaches the channel: fd 1 is the worker's
stderr from the start, so a module that prints at import cannot break the protocol.

Started with `--channel`, the worker also watches its stdin, which the launcher holds open for
as long as it lives: at end of file (the launcher died, however it died) it ends itself and
everything it started (`lifeline`).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .. import environment, lifeline
from ..errors import ClientUnavailable, WorkerFailed
from ..kinds import KINDS
from ..kinds.loader import prepare
from ..progress import Progress
from ..protocol import marked, total_jobs
from ..records import ClientSettings, RunResult, RunState
from .meter import Meter

if TYPE_CHECKING:
    from .journal import Watcher

PROGRESS_EVERY = 10  # meter looks between progress lines (about 0.2 s)


class Channel:
    """The worker's protocol out: one line at a time, whole, from any thread."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._lock = threading.Lock()

    def send(self, line: str) -> None:
        """Write `line` and its newline whole (a pipe write may be partial: loop)."""
        data = (line + "\n").encode()
        with self._lock:
            while data:
                data = data[os.write(self.fd, data) :]


def execute(
    job: dict[str, Any], report_progress: bool = False, channel: Channel | None = None
) -> RunResult:
    """Run the job's client over its zips, measured; failures are data, never a crash."""
    settings = ClientSettings.from_dict(job["settings"])
    zips = list(job["zips"])
    described = KINDS[settings.kind]
    try:
        run = prepare(settings)
    except WorkerFailed as why:  # the user's code cannot be run: one line, a failed row
        return _failed(settings, why)
    progress = Progress(marked(job.get("tag")) if not described.journal else None)
    samples = 0
    watcher = _watcher(job["url"]) if report_progress and described.journal else None

    def on_sample() -> None:
        nonlocal samples
        samples += 1
        if report_progress and samples % PROGRESS_EVERY == 0:
            done = watcher.poll() if watcher is not None else progress.done
            if channel is not None:
                channel.send(f"progress {done}")

    meter = Meter(on_sample)
    try:
        with meter:
            origin = time.monotonic()
            attempts = run(zips, job["url"], settings, progress)
            meter.client_peak = progress.peak_threads - 1  # not counting the meter's sampler
    except ClientUnavailable as why:
        return RunResult.without_figures(
            settings, RunState.SKIPPED, str(why), environment.describe()
        )
    except WorkerFailed as why:  # the user's code failed: its own one line
        return _failed(settings, why)
    assert meter.usage is not None
    usage = progress.usage or replace(meter.usage, mem=meter.usage.mem + progress.extra_rss)
    return RunResult(
        client=settings.name,
        settings=settings,
        total=total_jobs(attempts) if progress.total is None else progress.total,
        usage=usage,
        attempts=tuple(sorted(attempts, key=lambda a: (a.start, a.zip))),
        environment={**environment.describe(), "loop": progress.loop or described.loop},
        origin=(progress.origin or origin) if described.journal else None,
        samples=meter.samples,
        budget_denied=progress.budget_denied,
        loop_lag=progress.loop_lag,
    )


def _watcher(url: str) -> Watcher:
    """Progress from the server's journal, for code that reports none (imported only then:
    it needs `requests`, which a user's interpreter may lack)."""
    from .journal import Watcher

    return Watcher(url)


def _failed(settings: ClientSettings, why: WorkerFailed) -> RunResult:
    return RunResult.without_figures(settings, RunState.FAILED, str(why), environment.describe())


def open_channel(fd: int | None) -> Channel:
    """The protocol's way out (`fd`, else a copy of stdout), then fd 1 turned into stderr:
    whatever the user's code prints, from Python or C, at import or later, goes there."""
    sys.stdout.flush()
    out = os.dup(1) if fd is None else fd
    os.set_inheritable(out, False)  # the client's own children never hold it
    os.dup2(2, 1)
    return Channel(out)


def main(channel_fd: int | None = None) -> int:
    """Read the job, run it, send the result; with a channel, die with the launcher."""
    channel = open_channel(channel_fd)
    try:
        job = json.loads(sys.stdin.buffer.readline())
        KINDS[job["settings"]["kind"]]  # an unknown kind fails here, in one line
    except (ValueError, KeyError, TypeError) as error:
        print(f"error: worker: expected a JSON job on stdin ({type(error).__name__}: {error})",
              file=sys.stderr)  # fmt: skip
        return 2
    if channel_fd is not None:  # the launcher's: end with it, and all this worker started
        signal.signal(signal.SIGTERM, lambda number, frame: lifeline.end_group())
        lifeline.watch(sys.stdin.fileno())
    result = execute(job, report_progress=True, channel=channel)
    channel.send("result " + json.dumps(result.to_dict(), separators=(",", ":")))
    return 0
