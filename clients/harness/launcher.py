"""Run one client in a fresh subprocess, so its CPU, memory and threads are its own."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import PACKAGE
from ..errors import WorkerFailed
from ..records import ClientSettings, RunResult

# The folder that holds the top-level package (`clients` in a checkout, `asynchronicity` when
# installed): another interpreter finds this one's code through it.
IMPORT_ROOT = Path(sys.modules[PACKAGE.partition(".")[0]].__file__ or ".").resolve().parent.parent


def worker_command(settings: ClientSettings) -> list[str]:
    """The command line for a worker of these settings (its own interpreter, if it names one).

    Raises WorkerFailed when the named interpreter is not there.
    """
    python = settings.python or sys.executable
    found = shutil.which(python)
    if found is None:  # a typo in the scenario, not a missing optional tool: a failed row
        raise WorkerFailed(f"{settings.name}: interpreter {python} not found")
    return [found, "-m", PACKAGE, "worker"]


def worker_environment() -> dict[str, str]:
    """This environment, with the import root on PYTHONPATH so another interpreter finds us.

    That interpreter still needs the client's libraries installed (e.g. its own venv).
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(IMPORT_ROOT), env.get("PYTHONPATH")]))
    return env


def run_worker(
    job: dict[str, Any],
    on_progress: Callable[[int], None],
    time_limit: float,
) -> RunResult:
    """Start `python -m clients worker`, feed it `job`, relay progress, return its result."""
    settings = ClientSettings.from_dict(job["settings"])
    process = subprocess.Popen(
        worker_command(settings),
        env=worker_environment(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: a pool's children end with it
    )
    errors: list[str] = []
    reader = threading.Thread(target=_relay, args=(process, on_progress, errors), daemon=True)
    reader.start()
    timer = threading.Timer(time_limit, _kill_group, args=(process,))  # a bound on every run
    timer.start()
    try:
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(json.dumps(job))
            process.stdin.close()
        except BrokenPipeError:  # it died before reading its job: its exit code says more
            pass
        stdout = process.stdout.read()
        process.wait()
    finally:
        timer.cancel()
        _kill_group(process)  # interrupted or done: nothing it started may outlive it
        process.wait()
        reader.join(timeout=5)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
    if process.returncode == -9:
        raise WorkerFailed(f"{settings.name}: killed, no result within {time_limit:.0f} s")
    if process.returncode != 0 or not stdout.strip():
        detail = errors[-1] if errors else f"exit code {process.returncode}"
        raise WorkerFailed(f"{settings.name}: worker failed: {detail}")
    return RunResult.from_dict(json.loads(stdout.strip().splitlines()[-1]))


def _kill_group(process: subprocess.Popen[str]) -> None:
    """Kill the worker and everything it started (a process pool's workers hold its pipes)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
        os.killpg(process.pid, signal.SIGKILL)


def _relay(
    process: subprocess.Popen[str], on_progress: Callable[[int], None], errors: list[str]
) -> None:
    assert process.stderr is not None
    for line in process.stderr:
        if line.startswith("progress "):
            try:
                on_progress(int(line.split()[1]))
            except ValueError:
                continue
        elif line.strip():
            errors.append(line.strip())
