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
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Final

from .. import PACKAGE, lifeline
from ..errors import WorkerFailed
from ..records import ClientSettings, RunResult

# The folder that holds the top-level package (`clients` in a checkout, `asynchronicity` when
# installed): another interpreter finds this one's code through it.
IMPORT_ROOT = Path(sys.modules[PACKAGE.partition(".")[0]].__file__ or ".").resolve().parent.parent


def worker_command(settings: ClientSettings, channel: int | None = None) -> list[str]:
    """The command line for a worker of these settings (its own interpreter, if it names one),
    writing its protocol on fd `channel` when given.

    Raises WorkerFailed when the named interpreter is not there.
    """
    python = settings.python or sys.executable
    found = shutil.which(python)
    if found is None:  # a typo in the scenario, not a missing optional tool: a failed row
        raise WorkerFailed(f"{settings.name}: interpreter {python} not found")
    return [found, "-m", PACKAGE, "worker", *(["--channel", str(channel)] if channel else [])]


def worker_environment() -> dict[str, str]:
    """This environment, with the import root on PYTHONPATH so another interpreter finds us.

    That interpreter still needs the client's libraries installed (e.g. its own venv).
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(IMPORT_ROOT), env.get("PYTHONPATH")]))
    return env


OUTPUT_LINES: Final = 20  # lines of a worker's own output kept, to say why it failed


def run_worker(
    job: dict[str, Any],
    on_progress: Callable[[int], None],
    time_limit: float,
    abort: threading.Event | None = None,
) -> RunResult:
    """Start `python -m clients worker`, feed it `job`, relay progress, return its result;
    killed past `time_limit` seconds, or as soon as `abort` is set (the lease was lost).

    The worker's protocol comes on a pipe of its own (`--channel`), never on the stdout or
    stderr the user's code shares; its stdin stays open while we wait, so a worker whose
    launcher died (however it died) notices and ends with everything it started.
    """
    settings = ClientSettings.from_dict(job["settings"])
    reading, writing = os.pipe()
    try:
        process = _start(settings, writing)
    except BaseException:
        os.close(reading)
        raise
    finally:
        os.close(writing)  # the worker holds it now: its end of file is the worker's end
    output: deque[str] = deque(maxlen=OUTPUT_LINES)
    drain = threading.Thread(target=_keep, args=(process, output), daemon=True)
    drain.start()
    finished = threading.Event()
    guard = threading.Thread(target=_guard, args=(process, time_limit, abort, finished),
                             name="worker-guard", daemon=True)  # fmt: skip
    guard.start()
    try:
        _send_job(process, job)
        with os.fdopen(reading, "rb") as channel:
            answer = _listen(channel, on_progress)
        process.wait()
    finally:
        finished.set()
        guard.join()
        _kill_group(process)  # interrupted or done: nothing it started may outlive it
        process.wait()
        drain.join(timeout=5)
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()
    return _result(settings, process.returncode, answer, output, time_limit)


def _start(settings: ClientSettings, channel: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        worker_command(settings, channel),
        env=worker_environment(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # the user's prints and any traceback: one stream, kept
        encoding="utf-8",
        errors="replace",  # whatever bytes the user's code prints: never a crash here
        pass_fds=(channel,),
        start_new_session=True,  # its own process group: a pool's children end with it
        # Linux: the worker is told (SIGTERM: it ends its group) when this thread ends.
        preexec_fn=lifeline.die_with_parent(signal.SIGTERM),
    )


GUARD_EVERY: Final = 0.05  # seconds between the guard's looks at `abort`


def _guard(
    process: subprocess.Popen[str], limit: float, abort: threading.Event | None,
    finished: threading.Event,
) -> None:  # fmt: skip
    """Kill the worker's group past `limit` seconds or once `abort` is set, unless it
    `finished` first: a bound on every run."""
    deadline = time.monotonic() + limit
    while not finished.wait(GUARD_EVERY):
        if time.monotonic() > deadline or (abort is not None and abort.is_set()):
            _kill_group(process)
            return


def _send_job(process: subprocess.Popen[str], job: dict[str, Any]) -> None:
    """Write the job as one line; stdin stays open as the worker's lifeline."""
    assert process.stdin is not None
    try:
        process.stdin.write(json.dumps(job) + "\n")
        process.stdin.flush()
    except BrokenPipeError:  # it died before reading its job: its exit code says more
        pass


def _listen(channel: IO[bytes], on_progress: Callable[[int], None]) -> str | None:
    """Relay `progress N` lines until the channel ends; the `result …` line's JSON, if any."""
    answer = None
    for raw in channel:
        kind, _, rest = raw.decode("utf-8", "replace").rstrip("\n").partition(" ")
        if kind == "progress":
            with contextlib.suppress(ValueError):
                on_progress(int(rest))
        elif kind == "result":
            answer = rest
    return answer


def _result(
    settings: ClientSettings, code: int, answer: str | None, output: deque[str], limit: float
) -> RunResult:
    """The worker's result, or WorkerFailed saying in one line why there is none."""
    if code == -signal.SIGKILL:
        raise WorkerFailed(f"{settings.name}: killed, no result within {limit:.0f} s")
    if code != 0 or answer is None:
        detail = output[-1] if output else f"exit code {code}"
        raise WorkerFailed(f"{settings.name}: worker failed: {detail}")
    try:
        return RunResult.from_dict(json.loads(answer))
    except (ValueError, KeyError, TypeError) as error:  # a worker of another version
        raise WorkerFailed(f"{settings.name}: worker sent an unreadable result ({error})") from None


def _kill_group(process: subprocess.Popen[str]) -> None:
    """Kill the worker and everything it started (a process pool's workers hold its pipes)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
        os.killpg(process.pid, signal.SIGKILL)


def _keep(process: subprocess.Popen[str], output: deque[str]) -> None:
    """Drain what the worker and the user's code printed, keeping its last lines."""
    assert process.stdout is not None
    for line in process.stdout:
        if line.strip():
            output.append(line.strip())
