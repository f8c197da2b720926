"""What each train is, in words: the client's own threads, the meter's watcher, uvloop's
resolver threads, a pool's or a program's processes, and the rest grouped as "runtime".

The meter names a thread as Python named it (`MainThread`, `Thread-3 (work)`) and one Python
did not start by its id (`native thread 13675`); neither tells a reader what it is for. One
function decides a track's role and label, so the trains panel, the report's legend and the
trace export say the same. Pure: tracks in, labelled (and grouped) tracks out.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from ..kinds import KINDS, Model
from ..records import Track


class Role(enum.Enum):
    """What a train does for the run."""

    MAIN = "main"  # the interpreter's main thread: where the client's code starts
    WORKER = "worker"  # a thread or process the client started to send requests
    RESOLVER = "resolver"  # a loop's DNS helper: uvloop's libuv pool, asyncio's executor
    METER = "meter"  # measuring, not the client's work (a command's process-tree watcher)
    PROGRAM = "program"  # a process of a program measured from outside (node, Chromium)
    RUNTIME = "runtime"  # threads nobody asked for by name: the runtime's own


EXPLAINED: Final = {
    Role.MAIN: "the main thread",
    Role.WORKER: "the client's own threads or processes",
    Role.RESOLVER: "the event loop's resolver threads (libuv's pool under uvloop, asyncio's "
                   "executor): they look up the server's name, then sleep",
    Role.METER: "the meter's watcher: it reads the command's process tree, it is not the "
                "command's work",
    Role.PROGRAM: "the processes of a program measured from outside",
    Role.RUNTIME: "threads the client did not start by name (its runtime's), grouped",
}  # fmt: skip

_NATIVE: Final = re.compile(r"native thread (\d+)$")
_PROCESS: Final = re.compile(r"(.*) \(pid (\d+)\)$")
_PROGRAMS: Final = {"javascript": "Node", "browser": "Chromium"}  # else the command's name


@dataclass(frozen=True, slots=True)
class Named:
    """A track with what it is: its label and role (and, for a group, how many it holds)."""

    track: Track
    label: str
    role: Role


def name_of(track: Track, client_kind: str, resolver: int = 0) -> Named:
    """The label and role of one track of a client of `client_kind` (`resolver`: how many
    resolver threads came before it, to number them)."""
    name = track.name
    kind = KINDS.get(client_kind)
    if track.kind == "process":
        return _process(track, client_kind)
    if track.kind == "threads":
        return Named(track, name, Role.WORKER)
    if name == "MainThread":
        return Named(track, "MainThread", Role.MAIN)
    if name.endswith("(_watch)"):
        return Named(track, "the meter's watcher", Role.METER)
    if name.startswith("asyncio_"):  # the default executor: getaddrinfo for aiohttp
        return Named(track, f"asyncio's resolver thread {resolver + 1}", Role.RESOLVER)
    if _NATIVE.match(name) and kind is not None and kind.loop == "uvloop":
        return Named(track, f"uvloop's resolver thread {resolver + 1} (libuv pool)",
                     Role.RESOLVER)  # fmt: skip
    own = kind is not None and kind.model in (Model.THREADS, Model.YOUR_CODE)
    if own and not _NATIVE.match(name):  # threads the client's code started and named
        return Named(track, name, Role.WORKER)
    return Named(track, name, Role.RUNTIME)  # a pool's feeder, Playwright's waitpid, C's own


def _process(track: Track, client_kind: str) -> Named:
    found = _PROCESS.match(track.name)
    command, pid = (found[1], f" (pid {found[2]})") if found else (track.name, "")
    if client_kind == "processes":
        return Named(track, f"pool worker process{pid}", Role.WORKER)
    if client_kind == "browser" and command == "node":  # Playwright drives Chromium from Node
        return Named(track, f"Playwright's driver (Node){pid}", Role.RUNTIME)
    program = _PROGRAMS.get(client_kind, command)
    return Named(track, f"{program} process{pid}", Role.PROGRAM)


def named(tracks: Sequence[Track], client_kind: str) -> list[Named]:
    """Every track labelled, in order; the runtime's threads as one group at the end."""
    out: list[Named] = []
    runtime: list[Track] = []
    resolvers = 0
    for track in tracks:
        found = name_of(track, client_kind, resolvers)
        resolvers += found.role is Role.RESOLVER
        if found.role is Role.RUNTIME:
            runtime.append(track)
        else:
            out.append(found)
    if runtime:
        out.append(Named(merged(runtime), f"runtime ({len(runtime)} threads)"
                         if len(runtime) != 1 else "runtime (1 thread)", Role.RUNTIME))  # fmt: skip
    return out


def merged(tracks: Sequence[Track]) -> Track:
    """Tracks as one group: CPU summed per interval, and how many were alive in each."""
    first = min(t.first for t in tracks)
    length = max(t.first + len(t.cpu_us) for t in tracks) - first
    cpu, alive = [0] * length, [0] * length
    for track in tracks:
        for i, used in enumerate(track.cpu_us):
            cpu[track.first - first + i] += used
            alive[track.first - first + i] += track.alive[i] if track.alive else 1
    return Track(f"{len(tracks)} tracks", "threads", first, tuple(cpu), tuple(alive))


MOST_WORKERS: Final = 6  # more of the client's own trains than this are drawn as one band


@dataclass(frozen=True, slots=True)
class Band:
    """A row of the trains panel: one named track, or many of the client's own merged into one
    (`members`, in order, for the page to open)."""

    named: Named
    members: tuple[Named, ...] = ()


def bands(tracks: Sequence[Track], client_kind: str, most: int = MOST_WORKERS) -> list[Band]:
    """The rows of a client's trains: every track named (`named`); more than `most` worker
    trains (a thread per zip), or more than one resolver thread, as one band holding them,
    where the first of them was."""
    found = named(tracks, client_kind)
    limits = {Role.WORKER: most, Role.RESOLVER: 1}
    big: dict[Role, list[Named]] = {}
    for role, limit in limits.items():
        members = [n for n in found if n.role is role]
        if len(members) > limit:
            big[role] = members
    out: list[Band] = []
    for n in found:
        group = big.get(n.role)
        if group is None:
            out.append(Band(n))
        elif n is group[0]:
            out.append(Band(_band(group), tuple(group)))
    return out


def _band(members: Sequence[Named]) -> Named:
    """Many trains of one role as one named track."""
    role = members[0].role
    if role is Role.RESOLVER:
        what = members[0].label.split(" thread ")[0] + " threads"  # "uvloop's resolver threads"
        return Named(merged([n.track for n in members]), f"{what} ({len(members)})", role)
    grouped = any(n.track.kind == "threads" for n in members)
    what = ("worker processes" if all(n.track.kind == "process" for n in members)
            else "worker threads")  # fmt: skip
    label = f"{what} ({len(members)} groups)" if grouped else f"{len(members)} {what}"
    return Named(merged([n.track for n in members]), label, role)
