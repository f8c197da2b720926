"""Ctrl-C during a compare, for real: the clients and the server compare started are ended,
and the table shows what finished."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from rich.console import Console

from clients.console import show_compare
from clients.harness.compare import Quiet, compare
from clients.results.verdicts import Held, verdict_exit_code
from clients.scenario import load
from tests.helpers import LiveServer, wait_for, write_scenario

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find processes")

SCENARIO = """
name = "interrupted"
[workload]
count = 40
[server]
latency = { model = "fixed", value = 0.2 }
[clients.asyncio]
[clients.blocking]
"""


def marked(marker: str) -> list[str]:
    """Command lines of live processes whose environment carries `marker` (ours, children)."""
    return [command for _, command in marked_pids(marker)]


def marked_pids(marker: str) -> list[tuple[int, str]]:
    """(pid, command line) of live processes whose environment carries `marker`."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            environ = Path(f"/proc/{name}/environ").read_bytes()
            state = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()[0]
            command = Path(f"/proc/{name}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if marker.encode() in environ and state != "Z":
            found.append((int(name), command))
    return found


@pytest.mark.slow
def test_ctrl_c_ends_every_process_and_shows_what_finished(tmp_path: Path) -> None:
    path = tmp_path / "interrupted.toml"
    path.write_text(SCENARIO)
    marker = f"ASYNCHRONICITY_TEST_{uuid.uuid4().hex}"
    env = {**os.environ, marker: "1", "COLUMNS": "160"}
    process = subprocess.Popen(
        [sys.executable, "-m", "clients", "compare", str(path),
         "--results", str(tmp_path / "results")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        start_new_session=True,
    )  # fmt: skip
    try:
        seen: set[int] = set()

        def the_second_worker_runs() -> bool:
            seen.update(pid for pid, command in marked_pids(marker) if "clients worker" in command)
            return len(seen) >= 2

        # A worker per client, one after the other: the second one's start means the asyncio
        # row is done, however loaded the machine; blocking then has 40 × 0.2 s to go.
        assert wait_for(the_second_worker_runs, 60), "the compare never reached its second client"
        time.sleep(0.5)
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground group
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 130, output
    assert "interrupted: partial results" in output
    assert wait_for(lambda: not marked(marker), 10), f"left running: {marked(marker)}"
    [saved] = (tmp_path / "results").glob("interrupted-*.json")
    document = json.loads(saved.read_text())
    assert document["interrupted"] is True
    finished = [run for run in document["runs"] if run["skipped"] is None]
    assert [run["client"] for run in finished] == ["asyncio"]  # what finished is kept and shown
    assert finished[0]["total"] == document["expected_total"]


ORPHANED = """
name = "orphaned"
[workload]
count = 20
[server]
latency = { model = "fixed", value = 0.5 }
[clients.CLIENT]
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("client", "running"),
    [
        pytest.param("blocking]", "clients worker", id="a-worker"),
        # the command starts a child of its own: the command's whole group must end
        pytest.param('sh]\nkind = "command"\ncommand = ["sh", "-c", "sleep 97 & sleep 98"]',
                     "sleep 97", id="a-command-and-what-it-started"),
    ],
)  # fmt: skip
def test_kill_9_of_a_compare_leaves_no_child_running(
    tmp_path: Path, client: str, running: str
) -> None:
    path = tmp_path / "orphaned.toml"
    path.write_text(ORPHANED.replace("CLIENT]", client))
    marker = f"ASYNCHRONICITY_TEST_{uuid.uuid4().hex}"
    process = subprocess.Popen(
        [sys.executable, "-m", "clients", "compare", str(path),
         "--results", str(tmp_path / "results")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, marker: "1"},
        start_new_session=True,
    )  # fmt: skip
    try:
        assert wait_for(lambda: any(running in c for c in marked(marker)), 60), marked(marker)
        # the server it started too (unless `make serve`'s answered at 127.0.0.1:8080)
        assert len(marked(marker)) >= 3, marked(marker)
        process.kill()  # SIGKILL: no handler, no finally, no atexit runs in the compare
        process.wait()
        assert wait_for(lambda: not marked(marker), 15), f"left running: {marked(marker)}"
    finally:
        for pid in (int(p) for p in os.listdir("/proc") if p.isdigit()):
            with contextlib.suppress(OSError):  # the test's own strays, by PID, if any
                if marker.encode() in Path(f"/proc/{pid}/environ").read_bytes():
                    os.kill(pid, signal.SIGKILL)


class CtrlC(Quiet):
    """Presses Ctrl-C once the blocking run has finished `after` zips."""

    def __init__(self, after: int) -> None:
        self.after, self.label = after, ""

    def run_started(self, label: str, total: int) -> None:
        self.label = label

    def progressed(self, done: int) -> None:
        if self.label.startswith("blocking") and done >= self.after:
            raise KeyboardInterrupt


INTERRUPTED_EXPECTING = """
[[expect]]
faster = "asyncio"
than = "blocking"
by = 2

[[expect]]
client = "asyncio"
figure = "failed"
max = 0
"""


@pytest.mark.slow
def test_ctrl_c_leaves_unchecked_verdicts_not_run_and_names_the_interrupted_client(
    live_server: LiveServer, tmp_path: Path
) -> None:
    clients = "[clients.asyncio]\n[clients.blocking]\n[clients.threaded]\n" + INTERRUPTED_EXPECTING
    zips = [f"{20000 + n:05d}" for n in range(40)]  # blocking: 40 × 30 ms
    fixed = 'latency = { model = "fixed", value = 0.03 }'
    scenario = load(write_scenario(tmp_path, clients, zips=zips, server=fixed))
    outcome = compare(scenario, live_server.url, tmp_path / "r", CtrlC(after=5))
    assert outcome.interrupted and outcome.exit_code() == 130
    stopped = outcome.stopped_at()
    assert stopped is not None and stopped.startswith("interrupted during blocking 1/1, ")
    assert stopped.endswith("/40 zips") and not stopped.endswith(" 0/40 zips")
    faster, bound = outcome.verdicts()
    assert (faster.held, bound.held) == (Held.NOT_RUN, Held.PASSED)
    assert faster.detail == f"not run: blocking had no run ({stopped})"
    assert verdict_exit_code(outcome.verdicts()) == 0  # not run is no failure
    console = Console(record=True, width=200)
    assert show_compare(outcome, console) == 130
    text = console.export_text()
    assert "expectations: 1/2 passed, 1 not run" in text and f"– {faster.text}" in text
    assert stopped in text.splitlines()
    assert outcome.saved is not None
    saved = json.loads(outcome.saved.read_text())
    assert saved["during"] == stopped.removeprefix("interrupted during ")
    assert [v["not_run"] for v in saved["verdicts"]] == [True, False]
