"""The server's request journal as a run's attempts, for code that records none itself.

A command or a function does not tell us about its requests; the server saw every one. The
harness resets the server with a tag before the run, notes where the server's clock stands on
this machine's monotonic clock (`anchor`), and after the run reads the journal back and maps
each entry onto the run's clock (`attach`). The mapping itself (`to_attempts`) is pure.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from ..errors import NotOffered
from ..protocol import is_run_tag, pack_lanes
from ..records import Attempt, RunResult, RunState, attempt_text
from .server_control import ServerControl

PAGE: Final = 50_000  # entries asked for at a time
SETTLE: Final = 2.0  # seconds to wait at most for requests still in flight after a run
API_ROUTES: Final = ("jobs", "search")
# Faults that still deliver the whole answer, only late: an answer, not an error.
DELIVERED: Final = frozenset({"slow_body"})


@dataclass(frozen=True, slots=True)
class Anchor:
    """Where the server's time zero (its last reset) falls on this machine's monotonic clock."""

    reset_at: float
    tag: str
    missing: str = ""  # why there is no journal to read, if there is none


NO_JOURNAL: Final = "the server keeps no request journal (an older server)"


def anchor(control: ServerControl, tag: str) -> Anchor:
    """Read the server's clock once, right after the tagged reset (half a round trip of error)."""
    before = time.monotonic()
    try:
        page = control.journal(limit=0)
    except NotOffered:
        return Anchor(reset_at=0.0, tag=tag, missing=NO_JOURNAL)
    after = time.monotonic()
    return Anchor(reset_at=(before + after) / 2 - float(page["now"]), tag=tag)


def error_of(entry: Mapping[str, Any]) -> str | None:
    """The attempt's error kind: `http_503` as the built-in clients name it, else what the
    server saw — `reset`, `gone` (the client left first), or the fault (`hang`, `malformed`)."""
    status, fault = entry.get("status"), entry.get("fault")
    if status == 200:
        return None if not fault or fault in DELIVERED else str(fault)
    if isinstance(status, int):
        return f"http_{status}"
    return str(fault or status or "unknown")


def to_attempt(entry: Mapping[str, Any], shift: float, wall: float = math.inf) -> Attempt:
    """One journal entry on the run's clock (`shift`: the run's zero on the server's clock),
    within the run's `wall`: the two clocks are tied by one admin round trip, so a request
    could otherwise seem to end a few microseconds after the run that saw it end."""
    start, service, end = (
        min(max(float(entry[key]) - shift, 0.0), wall) for key in ("arrival", "start", "end")
    )
    intended, queue = entry.get("intended"), entry.get("queue_wait")
    status = entry.get("status")
    return Attempt(
        zip=str(entry.get("zip") or ""),
        attempt=int(entry.get("attempt") or 0),
        start=start,
        end=end,
        status=status if isinstance(status, int) else None,
        bytes=int(entry.get("bytes") or 0),
        error=error_of(entry),
        intended=None if intended is None else float(intended),
        queue=None if queue is None else float(queue),
        overshoot=None if intended is None else end - service - float(intended),
    )


def to_attempts(
    entries: Iterable[Mapping[str, Any]], shift: float, wall: float = math.inf
) -> list[Attempt]:
    """The API requests among `entries` as attempts, lanes packed by overlap (a timeline's rows)."""
    found = [to_attempt(e, shift, wall) for e in entries if e.get("route") in API_ROUTES]
    return pack_lanes(found)


def entries(
    control: ServerControl, **filters: str | int
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every entry since the last reset (that passes `filters`: zip, route, status), page by
    page, and the last page (tag, dropped, size)."""
    found: dict[int, dict[str, Any]] = {}
    since = 0
    while True:
        page = control.journal(**filters, since=since, limit=PAGE)
        batch = page.get("entries") or []
        for entry in batch:
            found[int(entry["seq"])] = entry
        following = int(page.get("next") or since)
        if len(batch) < PAGE or following <= since:
            return [found[seq] for seq in sorted(found)], page
        since = following


def settle(control: ServerControl, patience: float = SETTLE) -> None:
    """Wait (a little) for requests the code left behind to end, so the journal has them:
    the server notices a client that went away within a few tens of milliseconds."""
    deadline = time.monotonic() + patience
    while control.stats().get("in_flight") and time.monotonic() < deadline:
        time.sleep(0.02)


@dataclass(frozen=True, slots=True)
class Reading:
    """The journal as read after a run: its own entries, or why they cannot stand for the run,
    and how many API requests were someone else's (`foreign`)."""

    entries: list[dict[str, Any]]
    problem: str | None = None
    foreign: int = 0


def is_foreign(entry: Mapping[str, Any], tag: str, marks: bool) -> bool:
    """Whether an API request is not the run tagged `tag`'s: one that does not carry the tag,
    for a client that marks its requests; else one carrying another run's tag (a stray)."""
    if entry.get("route") not in API_ROUTES:
        return False
    client = entry.get("client")
    if marks:
        return client != tag
    return client != tag and is_run_tag(client)


def read(control: ServerControl, tag: str, marks: bool = False) -> Reading:
    """Every entry of the run tagged `tag` (the others counted as foreign: `is_foreign`), once
    what it left in flight has ended."""
    settle(control)
    try:
        found, page = entries(control)
    except NotOffered:
        return Reading([], NO_JOURNAL)
    own = [entry for entry in found if not is_foreign(entry, tag, marks)]
    return Reading(own, problem(page, tag), len(found) - len(own))


def service_time(reading: Reading) -> float | None:
    """Seconds the server spent serving the run's API requests (from the start of service,
    after any queue wait, to the end); None when the journal cannot say."""
    if reading.problem is not None:
        return None
    return sum(
        max(0.0, float(e["end"]) - float(e["start"]))
        for e in reading.entries
        if e.get("route") in API_ROUTES
    )


def attach(run: RunResult, where: Anchor, reading: Reading) -> RunResult:
    """The run with its attempts read from the journal; a failed row when they cannot be."""
    if run.state is not RunState.OK or run.origin is None:
        return run
    if where.missing:
        return _failed(run, where.missing)
    if reading.problem:
        return _failed(run, reading.problem)
    shift = run.origin - where.reset_at
    return replace(run, attempts=tuple(to_attempts(reading.entries, shift, run.usage.time)))


def problem(page: Mapping[str, Any], tag: str) -> str | None:
    """Why the journal cannot stand for this run: off, overflowed, or reset by someone else."""
    if not page.get("size"):
        return "the server's journal is off (--journal-size 0): no requests to show"
    if page.get("tag") != tag:
        return (f"the server was reset by someone else during the run (its tag is "
                f"{page.get('tag')!r}, not {tag!r}): its journal is not this run's")  # fmt: skip
    if page.get("dropped"):
        return (f"the server's journal dropped {page['dropped']} entries (it keeps "
                f"{page['size']}): raise --journal-size")  # fmt: skip
    return None


def _failed(run: RunResult, why: str) -> RunResult:
    return RunResult.without_figures(run.settings, RunState.FAILED, why, run.environment)


def most_in_flight(entries: Iterable[Mapping[str, Any]]) -> int:
    """The most requests the server held at once (one ending as another arrives: not both)."""
    events = sorted(
        (float(entry[key]), step)
        for entry in entries
        for key, step in (("arrival", 1), ("end", -1))
    )
    peak = now = 0
    for _, step in events:
        now += step
        peak = max(peak, now)
    return peak


def busiest(entries: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The requests in flight at the moment the most were."""
    peak = most_in_flight(entries)
    for entry in sorted(entries, key=lambda e: float(e["arrival"])):
        moment = float(entry["arrival"])
        held = [e for e in entries if float(e["arrival"]) <= moment < float(e["end"])]
        if len(held) == peak:
            return held
    return list(entries)


def describe(entry: Mapping[str, Any]) -> str:
    """`90011 attempt 1 (retry 1), 0.120–0.171 s: 503 (fault error_503), port 50412`."""
    fault = f" (fault {entry['fault']})" if entry.get("fault") else ""
    port = f", port {entry['port']}" if entry.get("port") else ""
    return (f"{entry.get('zip')} {attempt_text(int(entry.get('attempt') or 0))}, "
            f"{float(entry['arrival']):.3f}–"
            f"{float(entry['end']):.3f} s: {entry.get('status')}{fault}{port}")  # fmt: skip


def failure_text(
    what: str, entries: Sequence[Mapping[str, Any]], replay: str, shown: int = 20
) -> str:
    """A failed check in the server's words: what was wrong, what it saw, how to replay it."""
    lines = [f"usajobs: {what}", f"the server saw {len(entries)} requests:" if entries else
             "the server saw no requests"]  # fmt: skip
    lines += [f"  {describe(entry)}" for entry in entries[:shown]]
    if len(entries) > shown:
        lines.append(f"  … and {len(entries) - shown} more (usajobs.journal() has them all)")
    lines.append(f"replay: {replay}")
    return "\n".join(lines)


class Watcher:
    """How many zips the server has answered with a 200 so far: progress for code that
    reports none (a request marked with some run's tag is a stray's, not this code's). Polled
    from the meter's sampler thread, whose CPU the meter takes off."""

    def __init__(self, url: str) -> None:
        self._control = ServerControl(url)
        self._since = 0
        self._zips: set[str] = set()
        self._broken = False

    def poll(self) -> int:
        """Zips answered so far (what was known, once the journal cannot be read)."""
        if self._broken:
            return len(self._zips)
        try:
            page = self._control.journal(since=self._since, status="200")
            self._zips.update(
                str(entry.get("zip"))
                for entry in page["entries"]
                if not is_run_tag(entry.get("client"))
            )  # a stray's: not ours
            self._since = int(page["next"])
        except Exception:  # progress is for show: it must never break a measured run
            self._broken = True
            self._control.close()
        return len(self._zips)
