"""The data the HTML report draws, packed once and compactly: columns of integers.

Times are integers of `UNIT` seconds (0.1 ms); attempt starts and look times are stored as
differences from the previous one (they only grow, so the numbers stay short), and any other
column of attempts whose differences are shorter to write is stored so too (`deltas` names
them); a missing value is -1. Each attempt's zip is an index into `zips`, its status and error
an index into `outcomes`. `report.js` unpacks it. Pure: a result document in, a JSON-ready
dict out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from ..records import Attempt, RunResult, RunState, Samples
from ..results.series import Series, series_of
from ..results.summary import Summary
from ..sweeps import axis_of, label_of
from .inflight import block_marks, peak, shared_max
from .sweepplot import positions
from .threads import Named, bands

UNIT: Final = 1e-4  # seconds per stored time step


def ticks(value: float | None) -> int:
    """`value` seconds as an integer count of UNIT; -1 for a missing one."""
    return -1 if value is None else round(value / UNIT)


def _deltas(values: Sequence[int]) -> list[int]:
    previous, out = 0, []
    for value in values:
        out.append(value - previous)
        previous = value
    return out


class _Tables:
    """Shared lookup tables: zips and (status, error) outcomes, each stored once."""

    def __init__(self) -> None:
        self.zips: dict[str, int] = {}
        self.outcomes: dict[tuple[int | None, str | None, bool], int] = {}

    def zip(self, code: str) -> int:
        return self.zips.setdefault(code, len(self.zips))

    def outcome(self, attempt: Attempt) -> int:
        key = (attempt.status, attempt.error, attempt.ok)
        return self.outcomes.setdefault(key, len(self.outcomes))


def _shorter(values: list[int]) -> tuple[list[int], bool]:
    """`values`, or their differences when those are shorter to write (and say which)."""
    deltas = _deltas(values)
    return (deltas, True) if _length(deltas) < _length(values) else (values, False)


def _length(values: list[int]) -> int:
    return sum(len(str(v)) for v in values)


def attempts(run: RunResult, tables: _Tables) -> dict[str, Any]:
    """A run's attempts as columns, in order of start; `deltas` names the columns stored as
    differences (starts always are)."""
    ordered = sorted(run.attempts, key=lambda a: (a.start, a.zip))
    columns: dict[str, Any] = {"s": _deltas([ticks(a.start) for a in ordered])}
    deltas = ["s"]
    plain = {
        "d": [ticks(a.end) - ticks(a.start) for a in ordered],
        "l": [a.lane for a in ordered],
        "z": [tables.zip(a.zip) for a in ordered],
        "n": [a.attempt for a in ordered],
        "o": [tables.outcome(a) for a in ordered],
        "i": [ticks(a.intended) for a in ordered],
        "q": [ticks(a.queue) for a in ordered],
        "v": [ticks(a.overshoot) for a in ordered],
    }
    for name, values in plain.items():
        columns[name], delta = _shorter(values)
        if delta:
            deltas.append(name)
    columns["deltas"] = deltas
    return columns


def _track(named: Named) -> dict[str, Any]:
    track = named.track
    row: dict[str, Any] = {
        "n": named.label,
        "r": named.role.value,
        "k": track.kind,
        "f": track.first,
        "c": list(track.cpu_us),
    }
    if track.alive:
        row["a"] = list(track.alive)
    return row


def train(samples: Samples, client_kind: str) -> dict[str, Any]:
    """A run's samples: look times (as differences) and each row's CPU per interval (µs), each
    row named for what it is (`threads.bands`); a band of many worker trains carries them as
    `m`, for the page to open."""
    tracks = []
    for band in bands(samples.tracks, client_kind):
        row = _track(band.named)
        if band.members:
            row["m"] = [_track(member) for member in band.members]
        tracks.append(row)
    return {
        "t": _deltas([ticks(t) for t in samples.times]),
        "every": samples.every,
        "tracks": tracks,
    }


def series(found: Series) -> dict[str, Any]:
    """The run over time (`results.series`), its latencies as ticks; a server's phases as
    [name, start, end] on its clock (the page shades them)."""
    packed: dict[str, Any] = {
        "step": found.step,
        "sent": list(found.sent),
        "ok": list(found.ok),
        "failed": list(found.failed),
        "inflight": [round(v, 2) for v in found.in_flight],
        "p50": [ticks(v) for v in found.p50],
        "p99": [ticks(v) for v in found.p99],
    }
    if found.phases:
        packed["phases"] = [[p.name, p.start, p.end] for p in found.phases]
    return packed


def client(run: RunResult, tables: _Tables, over_time: Series | None = None) -> dict[str, Any]:
    """What the page needs of one client's representative run (`over_time`: its series as
    its summary row has it, else computed from its attempts)."""
    packed: dict[str, Any] = {
        "name": run.client,
        "kind": run.settings.kind,
        "state": run.skipped or "ok",
        "wall": run.usage.time,
        "cpu": run.usage.cpu,
        "lanes": len({a.lane for a in run.attempts}),
    }
    if run.state is RunState.OK:
        packed["a"] = attempts(run, tables)
        packed["peak"] = peak(run.attempts)
        packed["blocks"] = block_marks(run.loop_lag)
        packed["series"] = series(over_time or series_of(run.attempts))
        if run.samples is not None:
            packed["train"] = train(run.samples, run.settings.kind)
    return packed


def intended(preview: Mapping[str, Any]) -> list[int]:
    """The preview's per-zip wait (what a client should see), sorted, as ticks."""
    waits = []
    for row in preview.get("zips") or []:
        value = row.get("wait", row.get("delay")) if isinstance(row, Mapping) else None
        if isinstance(value, int | float):
            waits.append(ticks(float(value)))
    return sorted(waits)


def compare_payload(
    doc: Mapping[str, Any], shown: Sequence[RunResult], summaries: Sequence[Summary] = ()
) -> dict[str, Any]:
    """Everything the page draws for a compare: clients (`shown`: a run each, the median run
    whose series its summary row holds), lookup tables, intended latencies."""
    tables = _Tables()
    saved = {s.client: s.series for s in summaries}
    clients = [client(run, tables, saved.get(run.client)) for run in shown]
    return {
        "kind": "compare",
        "unit": UNIT,
        "clients": clients,
        "inflight_max": shared_max(shown),
        "zips": list(tables.zips),
        "outcomes": [[status, error, ok] for status, error, ok in tables.outcomes],
        "intended": intended(doc.get("preview") or {}),
    }


def sweep_payload(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A sweep's points, its setting and axis, and each value with its label and its place on
    the axis (0 to 1, as the terminal's plot places it): the page computes neither."""
    setting = str((doc.get("sweep") or {}).get("setting", "value"))
    values = [float(v["value"]) for v in doc.get("variants") or []]
    places = positions(setting, values)
    return {
        "kind": "sweep",
        "setting": setting,
        "axis": axis_of(setting).value,
        "values": values,
        "labels": [label_of(setting, v) for v in values],
        "places": [places[v] for v in values],
        "points": [dict(p) for p in doc.get("points") or []],
    }
