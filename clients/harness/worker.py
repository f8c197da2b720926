"""One run of one client in this (fresh) process: `python -m clients worker` reads a JSON job
on stdin, prints `progress N` lines on stderr while it runs, and the result JSON on stdout."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .. import environment
from ..errors import ClientUnavailable, WorkerFailed
from ..kinds import KINDS
from ..kinds.loader import prepare
from ..progress import Progress
from ..protocol import total_jobs
from ..records import ClientSettings, RunResult, RunState
from .meter import Meter

if TYPE_CHECKING:
    from .journal import Watcher

PROGRESS_EVERY = 10  # meter looks between progress lines (about 0.2 s)


def execute(job: dict[str, Any], report_progress: bool = False) -> RunResult:
    """Run the job's client over its zips, measured; failures are data, never a crash."""
    settings = ClientSettings.from_dict(job["settings"])
    zips = list(job["zips"])
    described = KINDS[settings.kind]
    try:
        run = prepare(settings)
    except WorkerFailed as why:  # the user's code cannot be run: one line, a failed row
        return _failed(settings, why)
    progress = Progress()
    samples = 0
    watcher = _watcher(job["url"]) if report_progress and described.journal else None

    def on_sample() -> None:
        nonlocal samples
        samples += 1
        if report_progress and samples % PROGRESS_EVERY == 0:
            done = watcher.poll() if watcher is not None else progress.done
            print(f"progress {done}", file=sys.stderr, flush=True)

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
    )


def _watcher(url: str) -> Watcher:
    """Progress from the server's journal, for code that reports none (imported only then:
    it needs `requests`, which a user's interpreter may lack)."""
    from .journal import Watcher

    return Watcher(url)


def _failed(settings: ClientSettings, why: WorkerFailed) -> RunResult:
    return RunResult.without_figures(settings, RunState.FAILED, str(why), environment.describe())


def main() -> int:
    """Read the job, run it, print the result."""
    try:
        job = json.loads(sys.stdin.read())
        KINDS[job["settings"]["kind"]]  # an unknown kind fails here, in one line
    except (ValueError, KeyError, TypeError) as error:
        print(f"error: worker: expected a JSON job on stdin ({type(error).__name__}: {error})",
              file=sys.stderr)  # fmt: skip
        return 2
    result = execute(job, report_progress=True)
    sys.stdout.write(json.dumps(result.to_dict(), separators=(",", ":")) + "\n")
    return 0
