"""The talk's train, measured: how much of each interval every thread spent on a CPU.

Run as its own small process (`python -S sampler.py PID ORIGIN [SKIP_TID ...]`), so that
looking never takes the measured client's GIL, and its CPU is never the client's. It imports
nothing but the standard library: it runs by path, from a checkout or an installed wheel.

On Linux the first field of `/proc/PID/task/TID/schedstat` is the nanoseconds that thread has
run (`/proc/…/stat` counts 10 ms ticks: too coarse for 10 ms cars). Every look reads it for
each thread of PID and, summed over their threads, for each child process PID's main thread
started (a pool, node, a browser) and their descendants. A thread that ended between two looks
still gets its last slice: PID's total CPU (its process CPU clock, which counts ended threads)
minus what its live threads ran.

It keeps its own cost near `BUDGET` of one CPU: with many threads it looks less often (the
`times` it writes say when it looked). Past `MAX_TRACKS` threads, threads are grouped into
trains in the order they appeared (`alive` counts a group's threads). It looks until its stdin
closes, then writes one JSON object on stdout (`Samples.from_dict` reads it, plus `tids`,
`peak_threads`, `vm_children` and `own_cpu`).
"""

from __future__ import annotations

import os
import select
import sys
import time
from typing import Any, Final

# Only the lightest modules: the sampler starts before every run, and the run waits for it.

EVERY: Final = 0.01  # seconds between looks, at best: one car
BUDGET: Final = 0.05  # the share of one CPU the sampler may use; past it, it looks less often
MAX_TRACKS: Final = 128  # thread trains kept one by one; more are grouped
MAX_OPEN: Final = 256  # schedstat files kept open between looks (others are reopened)
FIND_CHILDREN_EVERY: Final = 10  # looks between searches for grandchildren


def available() -> bool:
    """Whether this system has per-thread schedstat and process CPU clocks (Linux)."""
    return sys.platform == "linux" and os.path.exists("/proc/thread-self/schedstat")


class _Task:
    """One kernel task whose schedstat is read at each look."""

    __slots__ = ("fd", "last", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd: int | None = None
        self.last = 0  # nanoseconds on a CPU at the previous look

    def read(self, budget: list[int]) -> int | None:
        """Nanoseconds it has run, or None once it has ended."""
        try:
            if self.fd is None and budget[0] > 0:
                self.fd = os.open(self.path, os.O_RDONLY)
                budget[0] -= 1
            if self.fd is not None:
                data = os.pread(self.fd, 64, 0)
            else:
                with open(self.path, "rb") as handle:
                    data = handle.read(64)
            return int(data.split(None, 1)[0])
        except (OSError, ValueError, IndexError):
            self.close(budget)
            return None

    def close(self, budget: list[int]) -> None:
        """Give its file back."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
            budget[0] += 1


class _Train:
    """One track being recorded: a thread (one task) or a process (its tasks, summed)."""

    __slots__ = ("cpu", "ended", "first", "kind", "name", "pid", "tasks")

    def __init__(
        self, name: str, kind: str, first: int, tasks: dict[str, _Task] | None = None, pid: int = 0
    ) -> None:
        self.name, self.kind, self.first, self.pid = name, kind, first, pid
        self.tasks = tasks or {}  # processes: their threads, summed
        self.cpu: list[int] = []  # nanoseconds per interval
        self.ended = False


class Sampler:
    """Looks at every thread and child process of `pid`; `finish()` gives what it recorded."""

    def __init__(self, pid: int, origin: float, skip: frozenset[str] = frozenset()) -> None:
        self._pid, self._origin, self._skip = pid, origin, skip
        self._open = [MAX_OPEN]  # files it may still keep open
        self._times: list[float] = []
        self._trains: list[_Train] = []
        self._threads: dict[str, _Train] = {}  # live thread trains by tid
        self._skipped = {tid: _Task(f"/proc/{pid}/task/{tid}/schedstat") for tid in skip}
        self._processes: dict[int, _Train] = {}  # live process trains by pid
        self._clock = (~pid << 3) | 2  # Linux's CPU clock of process `pid` (CPUCLOCK_SCHED)
        self._process_cpu = 0
        self._stat = os.open(f"/proc/{pid}/stat", os.O_RDONLY)
        self.vm_peaks: dict[int, int] = {}  # child processes' peak virtual memory, bytes
        self.interval = EVERY
        self.peak_threads = 0

    def look(self) -> None:
        """Read every train's CPU since the previous look (the first look only starts them)."""
        start = time.thread_time_ns()
        index = len(self._times)  # this look ends interval index - 1
        self._times.append(time.perf_counter() - self._origin)
        process = time.clock_gettime_ns(self._clock)
        client, self._process_cpu = process - self._process_cpu, process
        skipped = 0
        for task in self._skipped.values():  # the meter's own thread: not the client's
            value = task.read(self._open) or task.last
            skipped, task.last = skipped + value - task.last, value
        ran = sum(self._read(train) for train in list(self._threads.values()))
        ran += self._new_threads(index)
        self._share_out(client - skipped - ran)
        self._find_children(index)
        for train in list(self._processes.values()):
            self._read_process(train, index)
        self.peak_threads = max(self.peak_threads, len(self._threads))
        spent = (time.thread_time_ns() - start) / 1e9
        # A moving average of its own cost sets the next interval: at most BUDGET of a CPU.
        self.interval = max(EVERY, 0.8 * self.interval + 0.2 * spent / BUDGET)

    def _read(self, train: _Train) -> int:
        task = next(iter(train.tasks.values()))
        value = task.read(self._open)
        if value is None:
            train.ended = True
            return 0
        delta, task.last = value - task.last, value
        train.cpu.append(delta)
        return delta

    def _thread_count(self) -> int:
        """Threads in the process (`num_threads` in /proc/PID/stat), -1 if unknown."""
        try:
            data = os.pread(self._stat, 1024, 0)
            return int(data[data.rindex(b")") + 2 :].split()[17])
        except (OSError, ValueError, IndexError):
            return -1

    def _new_threads(self, index: int) -> int:
        """Start trains for threads not seen before; what they ran since they began."""
        live = sum(not train.ended for train in self._threads.values())
        if index > 0 and self._thread_count() == live + len(self._skip):
            return 0  # nothing new: listing a thousand threads costs more than counting them
        ran = 0
        for tid in _tids(self._pid):
            if tid in self._threads or tid in self._skip:
                continue
            task = _Task(f"/proc/{self._pid}/task/{tid}/schedstat")
            value = task.read(self._open)
            if value is None:
                continue
            train = _Train(tid, "thread", max(0, index - 1), {tid: task})
            if index > 0:  # born since the previous look: all it ran is in this interval
                train.cpu.append(value)
                ran += value
            task.last = value
            self._threads[tid] = train
            self._trains.append(train)
        return ran

    def _share_out(self, rest: int) -> None:
        """Give the threads that ended since the previous look what they ran before ending."""
        ended = [tid for tid, train in self._threads.items() if train.ended]
        for tid in ended:
            train = self._threads.pop(tid)
            train.cpu.append(max(0, rest) // len(ended))
            train.tasks[tid].close(self._open)

    def _find_children(self, index: int) -> None:
        """Start trains for the main thread's new child processes (at every look) and for
        their descendants (every FIND_CHILDREN_EVERY looks: reading every task costs)."""
        found = [(pid, True) for pid in _children(f"/proc/{self._pid}/task/{self._pid}")]
        deep = index % FIND_CHILDREN_EVERY == 0
        if deep:
            for parent in list(self._processes):
                for tid in _tids(parent):
                    found += [(pid, False) for pid in _children(f"/proc/{parent}/task/{tid}")]
        for pid, fresh in found:
            if pid in self._processes or pid == os.getpid():
                continue
            # A child of the main thread was born since the previous look: all it ran is in
            # this interval. A grandchild may be older: its first look only sets where it starts.
            first = index - 1 if fresh and index > 0 else index
            train = _Train(f"{_comm(f'/proc/{pid}')} (pid {pid})", "process", first, pid=pid)
            self._processes[pid] = train
            self._trains.append(train)
        if deep:
            for pid in self._processes:
                peak = _vm_peak(pid)
                if peak is not None:
                    self.vm_peaks[pid] = max(self.vm_peaks.get(pid, 0), peak)

    def _read_process(self, train: _Train, index: int) -> None:
        tids = _tids(train.pid)
        if not tids:
            del self._processes[train.pid]
            for task in train.tasks.values():
                task.close(self._open)
            return
        delta = 0
        for tid in tids:
            if tid not in train.tasks:
                train.tasks[tid] = _Task(f"/proc/{train.pid}/task/{tid}/schedstat")
            task = train.tasks[tid]
            value = task.read(self._open)
            if value is not None:
                delta += value - task.last
                task.last = value
        for tid in set(train.tasks) - set(tids):
            train.tasks.pop(tid).close(self._open)
        if len(train.cpu) < index - train.first:  # a first look only sets where it starts
            train.cpu.append(delta)

    def finish(self) -> dict[str, Any]:
        """What it recorded, as `Samples.to_dict` writes it (plus each track's tid)."""
        for train in self._trains:
            for task in train.tasks.values():
                task.close(self._open)
        for task in self._skipped.values():
            task.close(self._open)
        os.close(self._stat)
        threads = [t for t in self._trains if t.kind == "thread" and t.cpu]
        processes = [t for t in self._trains if t.kind == "process" and t.cpu]
        return {
            "every": EVERY,
            "times": [round(t, 4) for t in self._times],
            "tracks": [*_grouped(threads), *(_track(t) for t in processes)],
            "threads": sum(1 for t in self._trains if t.kind == "thread"),
            "source": "schedstat",
            "peak_threads": self.peak_threads,
            "vm_children": sum(self.vm_peaks.values()),
        }


def _track(train: _Train) -> dict[str, Any]:
    return {
        "name": train.name,
        "kind": train.kind,
        "first": train.first,
        "cpu_us": [v // 1000 for v in train.cpu],
    }


def _grouped(trains: list[_Train]) -> list[dict[str, Any]]:
    """One track a thread, or, past MAX_TRACKS, the first thread alone and the rest in groups
    (a single thread's track is named by its tid until the meter names it)."""
    if len(trains) <= MAX_TRACKS:
        return [_track(t) for t in trains]
    rest = trains[1:]
    size = -(-len(rest) // (MAX_TRACKS - 1))  # rounded up
    tracks = [_track(trains[0])]
    for at in range(0, len(rest), size):
        group = rest[at : at + size]
        first = min(t.first for t in group)
        length = max(t.first + len(t.cpu) for t in group) - first
        cpu, alive = [0] * length, [0] * length
        for train in group:
            for offset, value in enumerate(train.cpu, start=train.first - first):
                cpu[offset] += value
                alive[offset] += 1
        name = f"threads {at + 2}–{at + 1 + len(group)} ({len(group)})"  # in order of birth
        tracks.append(
            {
                "name": name,
                "kind": "threads",
                "first": first,
                "cpu_us": [v // 1000 for v in cpu],
                "alive": alive,
            }
        )
    return tracks


def _tids(pid: int) -> list[str]:
    try:
        return os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []


def _text(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return ""


def _children(task: str) -> list[int]:
    """The child processes a task started (`children`, Linux 3.5 and later)."""
    try:
        return [int(pid) for pid in _text(f"{task}/children").split()]
    except ValueError:
        return []


def _comm(path: str) -> str:
    return _text(f"{path}/comm").strip() or "?"


def vm_peak(pid: int | str = "self") -> int | None:
    """A process's peak virtual memory (`VmPeak` in /proc/PID/status), bytes; None if unknown."""
    return _vm_peak(pid)


def _vm_peak(pid: int | str) -> int | None:
    for line in _text(f"/proc/{pid}/status").splitlines():
        if line.startswith("VmPeak:"):
            try:
                return int(line.split()[1]) * 1024
            except (ValueError, IndexError):
                return None
    return None


def main(argv: list[str]) -> int:
    """Look at PID until stdin closes; say `ready` after the first look, the JSON at the end."""
    pid, origin, skip = int(argv[0]), float(argv[1]), frozenset(argv[2:])
    sampler = Sampler(pid, origin, skip)
    sampler.look()
    print("ready", flush=True)
    while not select.select([sys.stdin], [], [], sampler.interval)[0]:
        sampler.look()
    sampler.look()  # the last cars, up to the end of the block
    import json  # only now: it is slow to import

    result = sampler.finish()
    result["own_cpu"] = round(time.process_time(), 6)  # all of it, start-up included
    sys.stdout.write(json.dumps(result, separators=(",", ":")) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
