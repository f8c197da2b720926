"""Children that end with their parent: the pipe a child watches (the portable way), and the
parent-death signal (Linux)."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from clients import lifeline
from tests.helpers import ROOT, wait_for

WATCHER = "import time; from clients import lifeline; lifeline.watch(0); time.sleep(60)"


@pytest.mark.slow
def test_a_child_watching_its_pipe_ends_when_the_pipe_does() -> None:
    child = subprocess.Popen([sys.executable, "-c", WATCHER], stdin=subprocess.PIPE, cwd=ROOT,
                             start_new_session=True)  # fmt: skip
    try:
        assert child.poll() is None
        assert child.stdin is not None
        child.stdin.close()  # what the kernel does when the parent dies, however it dies
        assert wait_for(lambda: child.poll() is not None, 15)
        assert child.returncode == -signal.SIGKILL  # its group killed, itself in it
    finally:
        child.kill()
        child.wait()


@pytest.mark.skipif(lifeline.die_with_parent() is None, reason="no parent-death signal here")
@pytest.mark.slow
def test_a_child_whose_parent_is_killed_gets_its_signal() -> None:
    # The parent starts a sleeping child armed with the signal, says its PID, and sleeps too.
    parent_code = (
        "import subprocess, sys, time; from clients import lifeline\n"
        "c = subprocess.Popen(['sleep', '60'], preexec_fn=lifeline.die_with_parent())\n"
        "print(c.pid, flush=True); time.sleep(60)"
    )
    parent = subprocess.Popen([sys.executable, "-c", parent_code], stdout=subprocess.PIPE,
                              text=True, cwd=ROOT)  # fmt: skip
    assert parent.stdout is not None
    pid = int(parent.stdout.readline())
    parent.kill()
    parent.wait()
    parent.stdout.close()
    assert wait_for(lambda: not _alive(pid), 15)


def _alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie whose parent is gone is reaped by init soon after)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
