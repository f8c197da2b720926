"""The processes a benchmark starts: servers on free loopback ports, and load generators.

Every process is started here and ended here, by its PID, in a `finally`; every wait is
bounded. The load never runs in a server's process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from bench.figures import proc_stat_ticks
from clients.harness.embedded import wait_for_banner

REPO: Final = Path(__file__).resolve().parents[1]
START_TIMEOUT: Final = 30.0  # seconds a server may take to say where it listens
STOP_TIMEOUT: Final = 5.0
TICKS: Final = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    """A process the benchmark needs did not start or did not answer."""


@dataclass(frozen=True, slots=True)
class Bodies:
    """Response bodies captured from the fake server, saved for the reference server."""

    jobs: Path
    search: Path
    pages: Path | None = None  # every benchmarked URL's own body, as the fake server gave it


@dataclass
class Served:
    """A running server subprocess."""

    process: subprocess.Popen[str]
    url: str
    name: str

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self.url.rsplit(":", 1)[1])

    def cpu(self) -> float:
        """The server's CPU seconds so far (user + system, from /proc; 10 ms resolution)."""
        try:
            text = Path(f"/proc/{self.process.pid}/stat").read_text()
        except OSError:
            return 0.0
        return proc_stat_ticks(text) / TICKS


def fake_command(loop: str, *, journal_size: int | None = None) -> list[str]:
    """`python -m server` on a free port with the given loop (and journal size)."""
    command = [sys.executable, "-m", "server", "--port", "0", "--loop", loop]
    return command if journal_size is None else [*command, "--journal-size", str(journal_size)]


def reference_command(loop: str, bodies: Bodies, delay: float = 0.0) -> list[str]:
    """`python -m bench.reference` on a free port, answering the captured bodies."""
    pages = ["--pages", str(bodies.pages)] if bodies.pages else []
    return [
        sys.executable, "-m", "bench.reference", "--port", "0", "--loop", loop,
        "--jobs-body", str(bodies.jobs), "--search-body", str(bodies.search),
        "--delay", repr(delay), *pages,
    ]  # fmt: skip


@contextmanager
def serving(command: Sequence[str], name: str) -> Iterator[Served]:
    """Start a server, wait for its `serving on URL` line, stop it by PID afterwards."""
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(
            list(command), cwd=REPO, stdout=subprocess.PIPE, stderr=log, text=True
        )
        try:
            yield Served(process, _wait_for_url(process, log), name)
        finally:
            stop(process)


def _wait_for_url(process: subprocess.Popen[str], log: Any) -> str:
    assert process.stdout is not None
    url = wait_for_banner(process.stdout, START_TIMEOUT)  # the clients' own handshake
    if url is not None:
        return url
    log.seek(0)
    tail = log.read().strip().splitlines()[-1:] or [f"exit code {process.poll()}"]
    raise BenchError(f"{' '.join(process.args)} did not start: {tail[0]}")  # type: ignore[arg-type]


def stop(process: subprocess.Popen[str]) -> None:
    """End a process we started, by its PID: terminate, then kill if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)
    if process.stdout is not None:
        process.stdout.close()


def run_loadgen(job: dict[str, Any]) -> dict[str, Any]:
    """Run `python -m bench.loadgen` on `job` in its own process; return its figures."""
    limit = float(job.get("time_limit", 60.0)) + 30.0
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.loadgen"],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        stdout, stderr = process.communicate(json.dumps(job), timeout=limit)
    finally:
        stop(process)
    if process.returncode != 0 or not stdout.strip():
        detail = stderr.strip().splitlines()[-1:] or [f"exit code {process.returncode}"]
        raise BenchError(f"load generator failed: {detail[0]}")
    return parse_result(stdout)


def parse_result(stdout: str) -> dict[str, Any]:
    """The load generator's JSON result (its last line); BenchError if it is cut or not JSON."""
    line = stdout.strip().splitlines()[-1]
    try:
        result = json.loads(line)
    except ValueError as error:
        raise BenchError(
            f"load generator's result is not JSON ({len(line):,} characters, {error})"
        ) from None
    if not isinstance(result, dict):
        raise BenchError(f"load generator's result is not a JSON object: {line[:60]!r}")
    return result
