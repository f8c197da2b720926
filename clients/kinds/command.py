"""Any program as a client: run with the zips, its total read from what it prints.

It runs in the worker's process group (so the run's time limit ends it and all it started)
and is measured from outside: wall time from start to exit, the CPU of every descendant it
waited for, and the tree's RSS growth and peak, threads and processes sampled from /proc.
Its requests are not its business to report: the harness reads them from the server's
journal.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import signal
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from .. import lifeline
from ..arrivals import due_lines, planned
from ..errors import WorkerFailed
from ..progress import Progress
from ..records import CODE_SETTINGS, Attempt, ClientSettings, Usage
from ..resources import process_stat

PLACEHOLDERS: Final = (
    "url", "zips_file", "zips", "count", "api", *CODE_SETTINGS, "python", "due_file",
)  # fmt: skip
SAMPLE_EVERY: Final = 0.02  # seconds between looks at the process tree
_TALK_LINE: Final = re.compile(r"jobs available:\s*(-?\d+)", re.IGNORECASE)
_INTEGER: Final = re.compile(r"-?\d+")


def placeholder_values(
    settings: ClientSettings,
    base_url: str,
    zips: Sequence[str],
    zips_file: str,
    due_file: str = "none",
) -> dict[str, Any]:
    """What each placeholder stands for; times are real seconds (the scenario's ÷ speed), and
    a setting that is not set (no retry budget, no `rate`) is `none`. `due_file` holds an
    open-loop run's requests, `SECONDS ZIP` a line (`arrivals.due_lines`)."""
    told = {k: "none" if v is None else v for k, v in settings.for_code().items()}
    return {
        "url": base_url.rstrip("/"), "zips_file": zips_file, "zips": ",".join(zips),
        "count": len(zips), "api": settings.api, **told, "python": sys.executable,
        "due_file": due_file,
    }  # fmt: skip


def command_line(template: Sequence[str], values: Mapping[str, Any]) -> list[str]:
    """The argv with its placeholders filled in."""
    return [argument.format(**values) for argument in template]


MAX_FORMAT_WIDTH: Final = 1000  # a placeholder's width or precision, at most (`{count:>8}`)
SAMPLE_URL: Final = "http://127.0.0.1:8080"  # what `{url}` and `{zips_file}` look like
SAMPLE_ZIPS_FILE: Final = "/tmp/asynchronicity-sample/zips.txt"


def sample_values(settings: ClientSettings, zips: Sequence[str]) -> list[dict[str, Any]]:
    """What the placeholders will stand for when these settings run (a setting that is not set
    is `none`, or a number once a sweep sets it: both are tried)."""
    values = placeholder_values(settings, SAMPLE_URL, zips, SAMPLE_ZIPS_FILE)
    unset = {key: 1.0 for key, value in settings.for_code().items() if value is None}
    return [values, {**values, **unset}] if unset else [values]


def template_problem(template: Sequence[str], samples: Sequence[Mapping[str, Any]]) -> str | None:
    """Why the argv cannot be filled in with each of `samples` (a format spec that does not
    fit its value, a width of millions, a placeholder inside a spec), or None."""
    for argument in template:
        for _, name, spec, _ in string.Formatter().parse(argument):
            if name is None or not spec:
                continue
            if "{" in spec:
                return f"{argument!r}: {{{name}}} has a placeholder inside its format spec"
            if any(int(n) > MAX_FORMAT_WIDTH for n in _INTEGER.findall(spec)):
                return (f"{argument!r}: {{{name}:{_clip(spec, 20)}}} asks for more than "
                        f"{MAX_FORMAT_WIDTH} characters")  # fmt: skip
        for values in samples:
            try:
                argument.format(**values)
            except (ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
                return f"{argument!r}: {error}"
    return None


def total_from(stdout: str) -> int:
    """The last `jobs available: N` line, else the last integer on the last non-empty line."""
    talk = _TALK_LINE.findall(stdout)
    if talk:
        return int(talk[-1])
    lines = [line.strip() for line in stdout.splitlines() if line.strip()]
    if not lines:
        raise WorkerFailed("printed nothing on stdout (want its total, e.g. `jobs available: N`)")
    numbers = _INTEGER.findall(lines[-1])
    if not numbers:
        raise WorkerFailed(f"printed no total: its last line is {_clip(lines[-1])!r}")
    return int(numbers[-1])


def _clip(line: str, width: int = 100) -> str:
    return line if len(line) <= width else line[: width - 1] + "…"


def program(name: str, folder: str) -> str:
    """The program to start: a path (relative to `folder`) or a name on PATH."""
    if os.sep in name or (os.altsep and os.altsep in name):
        path = Path(folder, name)
        if not path.is_file():
            raise WorkerFailed(f"command not found: {name} (looked in {folder})")
        if not os.access(path, os.X_OK):
            raise WorkerFailed(f"not executable: {name} (chmod +x it, or name its interpreter)")
        return str(path)
    found = shutil.which(name)
    if found is None:
        raise WorkerFailed(f"command not found: {name}")
    return found


class Tree:
    """The peak size of a process and its descendants, sampled from /proc.

    A full scan of /proc costs milliseconds, so processes once seen outside the tree are not
    read again; descendants orphaned by an exiting parent leave the tree (and the figures).
    """

    def __init__(self, root: int) -> None:
        self.root = root
        self.processes = self.threads = self.rss = 0
        # RSS growth: the most the tree grew above the smallest it had been until then (its
        # first look may still be the worker's copy, before the program's exec).
        self.grown = 0
        self._low: int | None = None
        self._foreign: set[int] = set()

    def sample(self) -> None:
        """Look once; keep the peaks."""
        try:
            pids = [int(name) for name in os.listdir("/proc") if name.isdigit()]
        except OSError:  # no /proc (not Linux): only the rusage figures remain
            return
        parents: dict[int, tuple[int, int, int]] = {}
        for pid in pids:
            if pid not in self._foreign and (info := process_stat(pid)) is not None:
                parents[pid] = (info[0], info[3], info[4])
        members: set[int] = set()
        frontier = [self.root] if self.root in parents else []
        children: dict[int, list[int]] = {}
        for pid, (ppid, _, _) in parents.items():
            children.setdefault(ppid, []).append(pid)
        while frontier:
            pid = frontier.pop()
            members.add(pid)
            frontier += children.get(pid, [])
        self._foreign |= parents.keys() - members
        self.processes = max(self.processes, len(members))
        self.threads = max(self.threads, sum(parents[p][1] for p in members))
        now = sum(parents[p][2] for p in members)
        if members:
            self._low = now if self._low is None else min(self._low, now)
            self.grown = max(self.grown, now - self._low)
        self.rss = max(self.rss, now)


def _watch(tree: Tree, process: subprocess.Popen[str], stop: threading.Event) -> None:
    tree.sample()
    while not stop.wait(SAMPLE_EVERY) and process.poll() is None:
        tree.sample()


def _children_usage() -> tuple[float, float, int]:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    scale = 1 if sys.platform == "darwin" else 1024
    return usage.ru_utime, usage.ru_stime, usage.ru_maxrss * scale


def run(
    zips: Sequence[str], base_url: str, settings: ClientSettings, progress: Progress
) -> list[Attempt]:
    """Start the command, feed it the zips, wait, and read its total; measured from outside."""
    assert settings.command is not None and settings.path is not None
    lines = "".join(f"{z}\n" for z in zips)
    with tempfile.TemporaryDirectory(prefix="asynchronicity-") as scratch:
        zips_file = Path(scratch, "zips.txt")
        zips_file.write_text(lines, encoding="utf-8")
        due_file = "none"
        if settings.open_loop:
            due_file = str(Path(scratch, "due.txt"))
            Path(due_file).write_text(due_lines(planned(settings, zips)), encoding="utf-8")
        values = placeholder_values(settings, base_url, zips, str(zips_file), due_file)
        argv = command_line(settings.command, values)
        argv[0] = program(argv[0], settings.path)
        before = _children_usage()
        stdout, stderr, code, usage = _measured(argv, settings.path, lines, progress)
    if code != 0:
        raise WorkerFailed(_exit_reason(code, stderr))
    after = _children_usage()
    progress.usage = Usage(
        mem=usage.mem, utime=after[0] - before[0], stime=after[1] - before[1], time=usage.time,
        peak_threads=usage.peak_threads, peak_processes=usage.peak_processes,
        tree_rss=max(usage.tree_rss or 0, after[2]),
    )  # fmt: skip
    progress.total = total_from(stdout)
    progress.done = len(zips)
    return []


def _measured(
    argv: list[str], folder: str, stdin: str, progress: Progress
) -> tuple[str, str, int, Usage]:
    """Run `argv` in `folder` to its end; its output, exit code, wall time and tree peaks."""
    stop = threading.Event()
    progress.origin = time.monotonic()
    started = time.perf_counter()
    try:
        process = subprocess.Popen(
            argv, cwd=folder, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, encoding="utf-8", errors="replace",  # any bytes: no crash
            # In the worker's group (which the worker ends, and all in it, when its launcher
            # dies); on Linux also killed outright if the worker itself is killed.
            preexec_fn=lifeline.die_with_parent(),
        )  # fmt: skip
    except OSError as error:  # found but not runnable: not an executable, no permission
        raise WorkerFailed(f"cannot start {argv[0]}: {error.strerror}") from None
    tree = Tree(process.pid)
    watcher = threading.Thread(target=_watch, args=(tree, process, stop), daemon=True)
    watcher.start()
    try:
        stdout, stderr = process.communicate(stdin)
    finally:
        wall = time.perf_counter() - started
        stop.set()
        watcher.join()
    peaks = Usage(mem=tree.grown, utime=0.0, stime=0.0, time=wall,
                  peak_threads=max(1, tree.threads), peak_processes=max(1, tree.processes),
                  tree_rss=tree.rss)  # fmt: skip
    return stdout, stderr, process.returncode, peaks


def _exit_reason(code: int, stderr: str) -> str:
    """`exited with code 1: <its last stderr line>`, or the signal that ended it."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    last = f": {_clip(lines[-1])}" if lines else " (nothing on stderr)"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"killed by {name}{last}"
    return f"exited with code {code}{last}"
