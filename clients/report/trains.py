"""The talk's train, in figures: how full each client's cars were, from the meter's samples.

A car is one thread (a train) during one sampling interval; it is as full as the share of
that interval the thread spent on a CPU. The share of empty cars is the trains' time off a
CPU over their whole time: 1 − CPU ÷ (each train's length, summed). Pure: samples in, figures
and sentences out.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from ..kinds import KINDS, Model
from ..records import RunResult, Samples, Track
from ..results.units import seconds


@dataclass(frozen=True, slots=True)
class TrainFigures:
    """One run's trains summed up."""

    trains: int  # tracks drawn
    threads: int  # threads seen (more than trains when grouped)
    processes: int
    cars: int  # train-intervals drawn
    cpu: float  # seconds on a CPU, over the trains counted
    length: float  # the trains' lengths summed (thread-seconds)
    interval: float  # the median time between two looks
    sampler_cpu: float
    grouped: bool
    outside: bool = False  # another program (node, a browser): only its processes count

    @property
    def empty(self) -> float | None:
        """The share of car-time off a CPU (None without any train)."""
        return max(0.0, 1.0 - self.cpu / self.length) if self.length > 0 else None


def intervals(samples: Samples) -> list[float]:
    """The length of each interval between two looks, seconds."""
    return [max(0.0, b - a) for a, b in pairwise(samples.times)]


def _outside(run: RunResult) -> bool:
    """Whether the client is another program (node, a browser): its processes are its trains."""
    return KINDS[run.settings.kind].model is Model.PROGRAM


def counted(run: RunResult) -> list[Track]:
    """The trains that are the client's: its threads, or, for a program measured from outside
    (node, a browser), that program's processes."""
    if run.samples is None:
        return []
    tracks = run.samples.tracks
    if _outside(run):
        return [t for t in tracks if t.kind == "process"] or list(tracks)
    return list(tracks)


def track_length(track: Track, lengths: Sequence[float]) -> float:
    """A train's length in thread-seconds (a group's: each interval times its threads)."""
    span = lengths[track.first : track.first + len(track.cpu_us)]
    if track.alive:
        return sum(length * alive for length, alive in zip(span, track.alive, strict=False))
    return sum(span)


def figures(run: RunResult) -> TrainFigures | None:
    """The run's trains in figures; None when it has no samples."""
    samples = run.samples
    if samples is None:
        return None
    lengths = intervals(samples)
    tracks = counted(run)
    return TrainFigures(
        trains=len(samples.tracks),
        threads=samples.threads,
        processes=sum(1 for t in samples.tracks if t.kind == "process"),
        cars=sum(len(t.cpu_us) for t in samples.tracks),
        cpu=sum(sum(t.cpu_us) for t in tracks) / 1e6,
        length=sum(track_length(t, lengths) for t in tracks),
        interval=statistics.median(lengths) if lengths else 0.0,
        sampler_cpu=samples.sampler_cpu,
        grouped=any(t.kind == "threads" for t in samples.tracks),
        outside=_outside(run),
    )


def in_flight(times: Sequence[float], run: RunResult) -> list[float]:
    """For each interval between two looks, the request-seconds spent in flight during it."""
    events = sorted([(a.start, 1) for a in run.attempts] + [(a.end, -1) for a in run.attempts])
    weights, open_, at = [], 0, 0
    for low, high in pairwise(times):
        moment, weight = low, 0.0
        while at < len(events) and events[at][0] <= high:
            when, change = events[at]
            if when > moment:
                weight, moment = weight + open_ * (when - moment), when
            open_, at = open_ + change, at + 1
        weights.append(weight + open_ * (high - moment))
    return weights


def busiest(run: RunResult) -> tuple[str, float] | None:
    """The train most often on a CPU while the requests waited, and that share (0–1): each
    interval counts as much as the request-time in flight during it, so the share is what a
    typical waiting request met."""
    if run.samples is None or not run.attempts:
        return None
    lengths = intervals(run.samples)
    weights = in_flight(run.samples.times, run)
    best: tuple[str, float] | None = None
    for track in counted(run):
        busy = total = 0.0
        for offset, used in enumerate(track.cpu_us):
            index = track.first + offset
            if index >= len(lengths) or lengths[index] <= 0:
                continue
            threads = track.alive[offset] if track.alive else 1
            busy += weights[index] * min(1.0, used / 1e6 / (lengths[index] * threads))
            total += weights[index]
        if total > 1e-6 and (best is None or busy / total > best[1]):  # not float dust
            best = (track.name, busy / total)
    return best


def empty_text(figures: TrainFigures) -> str:
    """The share of empty cars as every place shows it (`99.6%`): one figure, one rounding."""
    return "–" if figures.empty is None else f"{figures.empty:.1%}"


def _count(number: int, word: str) -> str:
    return f"{number:,} {word}{'s' if number != 1 else ''}"


def sentence(figures: TrainFigures) -> str:
    """What the panel says under a client's trains."""
    threads = figures.trains - figures.processes
    pairs = ((threads, "thread train"), (figures.processes, "process train"))
    kinds = [_count(number, word) for number, word in pairs if number]
    empty = empty_text(figures)
    counted = " (the program's processes only)" if figures.outside else ""
    return (
        f"{' and '.join(kinds)}, {figures.cars:,} cars: {empty} empty{counted} — "
        f"{seconds(figures.cpu)} on a CPU in {seconds(figures.length)} of train time"
    )


def sampling(figures: TrainFigures, target: float) -> str:
    """How the trains were sampled, honestly: how often, grouped or not, at what cost."""
    parts = [f"looked every {seconds(figures.interval)} (median; aiming at {seconds(target)})"]
    if figures.interval > 1.5 * target:
        parts.append(
            "less often than aimed at: with many threads a look costs more, and the "
            "sampler keeps to 5 % of one CPU"
        )
    if figures.grouped:
        parts.append(
            f"{figures.threads:,} threads grouped into {figures.trains} trains in the "
            "order they started (a car shows the group's average)"
        )
    parts.append(f"the sampler's own CPU, {seconds(figures.sampler_cpu)}, is not counted")
    return "; ".join(parts)
