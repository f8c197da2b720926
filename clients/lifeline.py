"""Children that end with their parent, however the parent dies (`kill -9` included).

Two ways, used together where both apply:
- `die_with_parent`: a `preexec_fn` asking Linux to signal the child when the thread that
  started it ends (`prctl(PR_SET_PDEATHSIG)`, through ctypes); elsewhere there is none.
- `watch`: the child reads a pipe whose other end only the parent holds; the kernel closes it
  when the parent dies, and at its end of file the child ends its whole process group
  (portable; the worker watches its stdin so).

Imports nothing of the package: the harness and the kinds (a command's process) both use it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any, Final

PR_SET_PDEATHSIG: Final = 1  # <linux/prctl.h>


def _load_prctl() -> Any:
    """libc's `prctl`, loaded now: a child between fork and exec must not load anything."""
    if not sys.platform.startswith("linux"):
        return None
    try:  # this process's own symbols hold libc's (find_library would start ldconfig)
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL: Final = _load_prctl()


def die_with_parent(sig: signal.Signals = signal.SIGKILL) -> Callable[[], None] | None:
    """A `preexec_fn` that has the child sent `sig` when this thread ends (this process dying,
    however it dies, ends it); None where the OS offers no such thing. Call it from the
    thread that outlives the child (Linux ties the signal to the thread, not the process)."""
    if _PRCTL is None:
        return None
    parent = os.getpid()
    prctl = _PRCTL

    def arm() -> None:
        prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        if os.getppid() != parent:  # the parent died between fork and prctl: no signal comes
            os.kill(os.getpid(), sig)

    return arm


def end_group() -> None:
    """Kill this process's whole process group, this process last of all (it is in it)."""
    with contextlib.suppress(OSError):
        os.killpg(os.getpgid(0), signal.SIGKILL)
    os._exit(137)  # not reached where killpg works: a group we may not signal


def watch(fd: int = 0, then: Callable[[], None] = end_group) -> threading.Thread:
    """A daemon thread that reads `fd` to its end, then calls `then` (`end_group`): the
    parent holds the pipe's other end open for as long as it lives."""

    def wait() -> None:
        with contextlib.suppress(OSError):
            while os.read(fd, 4096):
                pass
        then()

    thread = threading.Thread(target=wait, name="lifeline", daemon=True)
    thread.start()
    return thread
