"""One run of one client in this (fresh) process: `python -m clients worker` reads a JSON job
on stdin, prints `progress N` lines on stderr while it runs, and the result JSON on stdout."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from typing import Any

from .. import environment, kinds
from ..errors import ClientUnavailable
from ..progress import Progress
from ..protocol import total_jobs
from ..records import ClientSettings, RunResult, RunState
from .meter import Meter

PROGRESS_EVERY = 20  # meter looks between progress lines (about 0.2 s)


def execute(job: dict[str, Any], report_progress: bool = False) -> RunResult:
    """Run the job's client over its zips, measured; failures are data, never a crash."""
    settings = ClientSettings.from_dict(job["settings"])
    zips = list(job["zips"])
    run = kinds.load(settings.kind)
    progress = Progress()
    samples = 0

    def on_sample() -> None:
        nonlocal samples
        samples += 1
        if report_progress and samples % PROGRESS_EVERY == 0:
            print(f"progress {progress.done}", file=sys.stderr, flush=True)

    meter = Meter(on_sample)
    try:
        with meter:
            attempts = run(zips, job["url"], settings, progress)
            meter.client_peak = progress.peak_threads - 1  # not counting the meter's sampler
    except ClientUnavailable as why:
        return RunResult.without_figures(
            settings, RunState.SKIPPED, str(why), environment.describe()
        )
    assert meter.usage is not None
    usage = progress.usage or replace(meter.usage, mem=meter.usage.mem + progress.extra_rss)
    return RunResult(
        client=settings.name,
        settings=settings,
        total=total_jobs(attempts),
        usage=usage,
        attempts=tuple(sorted(attempts, key=lambda a: (a.start, a.zip))),
        environment={**environment.describe(), "loop": kinds.KINDS[settings.kind].loop},
        samples=meter.samples,
    )


def main() -> int:
    """Read the job, run it, print the result."""
    try:
        job = json.loads(sys.stdin.read())
        kinds.KINDS[job["settings"]["kind"]]  # an unknown kind fails here, in one line
    except (ValueError, KeyError, TypeError) as error:
        print(f"error: worker: expected a JSON job on stdin ({type(error).__name__}: {error})",
              file=sys.stderr)  # fmt: skip
        return 2
    result = execute(job, report_progress=True)
    sys.stdout.write(json.dumps(result.to_dict(), separators=(",", ":")) + "\n")
    return 0
