"""What the OS says about processes: this one's peak RSS and threads, and its descendants'
CPU, memory and threads (a browser and its helpers), from /proc.

Linux only for descendants: elsewhere `snapshot()` returns None and the browser row has no
CPU figures. Kinds and the meter both read these; neither owns them.
"""

from __future__ import annotations

import os
import resource
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def peak_rss_bytes() -> int:
    """This process's peak resident set, in bytes (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def thread_count() -> int:
    """OS threads in this process (all of them, not only Python's, where /proc says)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Totals over every live descendant process."""

    utime: float
    stime: float
    rss: int
    threads: int


def _stat(pid: str) -> tuple[int, float, float, int, int] | None:
    """(ppid, utime, stime, threads, rss) of one process, or None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the name may hold spaces: skip past it
    ppid, utime, stime = int(fields[1]), int(fields[11]), int(fields[12])
    return ppid, utime / TICKS, stime / TICKS, int(fields[17]), int(fields[21]) * PAGE


def snapshot(root: int | None = None) -> Snapshot | None:
    """Sum the figures of every descendant of `root` (default: this process)."""
    if not Path("/proc/self/stat").exists():
        return None
    root = root or os.getpid()
    table = {
        int(name): info for name in os.listdir("/proc") if name.isdigit() and (info := _stat(name))
    }
    children: dict[int, list[int]] = {}
    for pid, info in table.items():
        children.setdefault(info[0], []).append(pid)
    found, stack = [], list(children.get(root, []))
    while stack:
        pid = stack.pop()
        found.append(table[pid])
        stack += children.get(pid, [])
    return Snapshot(
        utime=sum(f[1] for f in found),
        stime=sum(f[2] for f in found),
        rss=sum(f[4] for f in found),
        threads=sum(f[3] for f in found),
    )


def process_stat(pid: int) -> tuple[int, float, float, int, int] | None:
    """(ppid, utime, stime, threads, rss bytes) of one process, or None if it is gone."""
    return _stat(str(pid))
