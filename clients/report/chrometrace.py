"""A compare as a Chrome trace (the Trace Event Format's JSON), which Perfetto opens.

Per client (its run the report shows) one process: each train on its own thread row, an
"on CPU" slice per sampling interval as long as the thread ran in it; each request as a slice
on its lane's row (a lane's requests never overlap; a row is added where they would), named
`GET /api/jobs 90011`, with zip, attempt (0: the first try), status, error and the server's
intended delay, queue wait and overshoot in its args; a counter of requests in flight; and an
instant where an attempt failed. Beside it, a process for what the server said it did for
that client (Server-Timing): a slice per request ending where the client's answer ended, as
long as the server held it, split into queue, intended delay and overshoot — placed from the
client's clock, the server's own is not in the result — with a flow from the request to it.

Only complete (`X`) events, metadata (`M`), counters (`C`) and instants (`i`); flows are v2
(`bind_id` with `flow_out`/`flow_in`): Perfetto reverses v1 flows into an enclosing slice and
drops `X` slices that overlap on one thread without nesting, which nothing here does. Times
are whole microseconds since each run's start. Pure: a result document in, a dict out.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

from .. import __version__
from ..protocol import PATHS
from ..records import Attempt, RunResult, Samples
from ..results.document import runs_of
from .threads import named
from .timeline import representative_runs

LANE_TIDS: Final = 1000  # request rows start here; trains take 1, 2, … below it
COUNTER_TID: Final = 0


def _us(seconds: float) -> int:
    return round(seconds * 1e6)


def meta(kind: str, pid: int, tid: int, **args: Any) -> dict[str, Any]:
    """A metadata event: a process's or thread's name or sort index."""
    return {"ph": "M", "name": kind, "pid": pid, "tid": tid, "args": args}


def train_events(samples: Samples, client_kind: str, pid: int) -> Iterator[dict[str, Any]]:
    """Each train a thread row, named for what it is, with its time on a CPU per interval."""
    times = samples.times
    for tid, found in enumerate(named(samples.tracks, client_kind), start=1):
        yield meta("thread_name", pid, tid, name=found.label)
        yield meta("thread_sort_index", pid, tid, sort_index=tid)
        track = found.track
        for offset, used in enumerate(track.cpu_us):
            index = track.first + offset
            if used <= 0 or index + 1 >= len(times):
                continue
            start, length = _us(times[index]), _us(times[index + 1]) - _us(times[index])
            alive = track.alive[offset] if track.alive else 1
            share = min(1.0, used / max(1, length * alive))
            yield {"ph": "X", "name": "on CPU", "cat": "cpu", "pid": pid, "tid": tid,
                   "ts": start, "dur": min(used, length), "args": {
                       "cpu_us": used, "share": round(share, 4), "threads": alive}}  # fmt: skip


def rows_of(attempts: Sequence[Attempt]) -> list[tuple[Attempt, int, str]]:
    """Each attempt (in order of start) with its row and the row's name: a lane, or a lane's
    extra row where two of its attempts would overlap."""
    rows: dict[int, list[int]] = {}  # lane -> each of its rows' last end (µs)
    names: dict[tuple[int, int], int] = {}
    out = []
    for attempt in sorted(attempts, key=lambda a: (a.start, a.zip, a.attempt)):
        ends = rows.setdefault(attempt.lane, [])
        start = _us(attempt.start)
        free = next((i for i, end in enumerate(ends) if end <= start), None)
        if free is None:
            ends.append(0)
            free = len(ends) - 1
        ends[free] = max(start, _us(attempt.end))
        row = names.setdefault((attempt.lane, free), len(names))
        label = f"lane {attempt.lane}" + (f" ({free + 1})" if free else "")
        out.append((attempt, row, label))
    return out


def _args(attempt: Attempt) -> dict[str, Any]:
    ms = {name: round(value * 1000, 3) for name, value in (
        ("intended_delay_ms", attempt.intended), ("queue_wait_ms", attempt.queue),
        ("overshoot_ms", attempt.overshoot)) if value is not None}  # fmt: skip
    return {"zip": attempt.zip, "attempt": attempt.attempt,
            "status": attempt.status if attempt.status is not None else "none",
            "error": attempt.error or "none", "latency_ms": round(attempt.latency * 1000, 3),
            **ms}  # fmt: skip


def server_slices(attempt: Attempt, pid: int, tid: int, bind: str) -> list[dict[str, Any]]:
    """What the server said it did: held as long as queue + intended + overshoot, ending where
    the client's answer ended, its parts nested in it; the flow from the request ends here."""
    end, start = _us(attempt.end), _us(attempt.start)
    parts = [("queue", attempt.queue), ("intended delay", attempt.intended),
             ("overshoot", attempt.overshoot)]  # fmt: skip
    held = sum(max(0, _us(v)) for _, v in parts if v is not None)
    begin = max(start, end - held)
    status = attempt.status if attempt.status is not None else attempt.error or "no answer"
    out = [{"ph": "X", "name": f"{attempt.zip}: {status}", "cat": "server", "pid": pid,
            "tid": tid, "ts": begin, "dur": end - begin, "bind_id": bind, "flow_in": True,
            "args": _args(attempt)}]  # fmt: skip
    at = begin
    for name, value in parts:
        if value is None or value <= 0:
            continue
        length = min(_us(value), end - at)
        if length > 0:
            out.append({"ph": "X", "name": name, "cat": "server", "pid": pid, "tid": tid,
                        "ts": at, "dur": length, "args": {}})  # fmt: skip
        at += max(0, length)
    return out


def request_events(
    run: RunResult, pid: int, server_pid: int, flows: Iterator[int]
) -> Iterator[dict[str, Any]]:
    """Each request on its lane's row, the server's slice for it, and a failure's instant."""
    path = PATHS[run.settings.api]
    rows = rows_of(run.attempts)
    for _, row, label in {row: (a, row, label) for a, row, label in rows}.values():
        yield meta("thread_name", pid, LANE_TIDS + row, name=label)
        yield meta("thread_sort_index", pid, LANE_TIDS + row, sort_index=LANE_TIDS + row)
        yield meta("thread_name", server_pid, LANE_TIDS + row, name=f"for {label}")
    for attempt, row, _ in rows:
        tid, start = LANE_TIDS + row, _us(attempt.start)
        event: dict[str, Any] = {
            "ph": "X", "name": f"GET {path} {attempt.zip}", "cat": "request", "pid": pid,
            "tid": tid, "ts": start, "dur": max(0, _us(attempt.end) - start),
            "args": _args(attempt),
        }  # fmt: skip
        if attempt.intended is not None:
            bind = f"0x{next(flows):x}"
            event.update(bind_id=bind, flow_out=True)
            yield event
            yield from server_slices(attempt, server_pid, tid, bind)
        else:
            yield event
        if not attempt.ok:
            yield {"ph": "i", "name": f"failed: {attempt.error or 'error'}", "cat": "fault",
                   "s": "t", "pid": pid, "tid": tid, "ts": _us(attempt.end),
                   "args": {"zip": attempt.zip, "attempt": attempt.attempt}}  # fmt: skip


def in_flight_events(run: RunResult, pid: int) -> Iterator[dict[str, Any]]:
    """The counter of requests in flight, at every change (an end before a start on a tie)."""
    changes: dict[int, int] = {}
    for attempt in run.attempts:
        changes[_us(attempt.start)] = changes.get(_us(attempt.start), 0) + 1
        changes[_us(attempt.end)] = changes.get(_us(attempt.end), 0) - 1
    open_ = 0
    for moment in sorted(changes):
        open_ += changes[moment]
        yield {"ph": "C", "name": "in flight", "pid": pid, "tid": COUNTER_TID, "ts": moment,
               "args": {"requests": open_}}  # fmt: skip


def trace_document(
    doc: Mapping[str, Any], shown: Sequence[RunResult] | None = None
) -> dict[str, Any]:
    """The trace of `shown` (default: each client's run the report shows)."""
    runs = list(shown) if shown is not None else representative_runs(runs_of(doc))
    events: list[dict[str, Any]] = []
    flows = iter(range(1, 1 << 62))
    for index, run in enumerate(runs):
        pid, server_pid = 2 * index + 1, 2 * index + 2
        state = "" if run.skipped is None else f": {run.skipped}"
        events += [
            meta("process_name", pid, 0, name=f"{run.client} ({run.settings.kind}){state}"),
            meta("process_sort_index", pid, 0, sort_index=pid),
            meta("process_name", server_pid, 0, name=f"server, for {run.client} (Server-Timing)"),
            meta("process_sort_index", server_pid, 0, sort_index=server_pid),
        ]  # fmt: skip
        if run.samples is not None:
            events += train_events(run.samples, run.settings.kind, pid)
        events += request_events(run, pid, server_pid, flows)
        events += in_flight_events(run, pid)
    scenario = doc.get("scenario") or {}
    return {
        "traceEvents": events,
        "displayTimeUnit": "ms",
        "otherData": {
            "tool": f"asynchronicity {__version__}", "scenario": scenario.get("name", "?"),
            "seed": scenario.get("seed", "?"), "created": doc.get("created", "?"),
            "clock": "µs since each client's run started (the runs ran one after another)",
        },
    }  # fmt: skip


def render_trace(doc: Mapping[str, Any]) -> str:
    """The trace as JSON text."""
    return json.dumps(trace_document(doc), ensure_ascii=False, separators=(",", ":")) + "\n"
