"""The server's stats: per-route counts, gauges, timing series and the server's CPU time.

`Stats` is what `/__admin/stats` shows (and `/metrics`, through `metrics`); it reads the
journal's and the attempt counter's figures, and `Stats.finished` writes the journal. Every
figure is kept up to date as requests end (the timing series in `timings`), so a read costs
the same however many requests there were and however full the journal is.
"""

from __future__ import annotations

import resource
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..config.settings import ROUTES
from ..models.phases import NO_PHASES, Schedule
from .attempts import AttemptCounter
from .journal import (
    COMMON_BYTES,
    DELAYED_BYTES,
    MAX_TEXT,
    Asker,
    Journal,
    cut,
    peer_bytes,
)
from .timings import FOLD, TimingLog


def percentile(ordered: list[float], q: float) -> float:
    """The q-quantile of sorted values by linear interpolation (0.0 for no values)."""
    if not ordered:
        return 0.0
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class Gauges:
    """Requests in service and queued now, and the most in flight at once since the reset.

    One object for the server's life: a reset starts new counts, but requests already in
    flight still leave, so the gauges carry over.
    """

    __slots__ = ("in_flight", "peak", "queued")

    def __init__(self) -> None:
        self.in_flight = 0
        self.queued = 0
        self.peak = 0


class Stats:
    """Per-route request and status counts, gauges, and timing series."""

    def __init__(
        self,
        journal: Journal | None = None,
        attempts: AttemptCounter | None = None,
        gauges: Gauges | None = None,
    ) -> None:
        self.requests: Counter[str] = Counter()
        self.statuses: dict[str, Counter[str]] = {}
        self.faults: Counter[str] = Counter()
        self.ok = dict.fromkeys(ROUTES, 0)  # 200s of the common path, merged in on read
        self.gauges = gauges or Gauges()
        self.gauges.peak = self.gauges.in_flight
        self.timings = TimingLog()
        self.journal = journal
        self.attempts = attempts
        self._schedule = NO_PHASES
        self.by_phase: list[Counter[str]] = [Counter()]  # statuses per phase, base first
        self._cpu_start = _cpu_times()
        self._cpu_merged: tuple[float, float] | None = None  # several processes' (`merged`)
        # Where the journal entries go when the journal is not this process's (shared state).
        self.sink: Callable[..., None] | None = None

    def part(self) -> dict[str, Any]:
        """This process's share, JSON-ready, for a reader merging every process's (`merged`)."""
        user, system = _cpu_times()
        gauges = self.gauges
        return {
            "requests": dict(self.requests),
            "statuses": {route: dict(counts) for route, counts in self.statuses.items()},
            "faults": dict(self.faults),
            "ok": dict(self.ok),
            "gauges": [gauges.in_flight, gauges.queued, gauges.peak],
            "cpu": [user - self._cpu_start[0], system - self._cpu_start[1]],
            "timings": self.timings.part(),
            "by_phase": [dict(counts) for counts in self.by_phase],
        }

    @classmethod
    def merged(cls, parts: Iterable[Mapping[str, Any]], schedule: Schedule = NO_PHASES) -> Stats:
        """One server's stats from its processes' parts: counts, series and CPU added up; the
        gauges too (the peak is then the sum of each process's peak: at most that many)."""
        stats = cls()
        stats.schedule = schedule
        user = system = 0.0
        for part in parts:
            stats.requests.update(part["requests"])
            for route, counts in part["statuses"].items():
                stats.statuses.setdefault(route, Counter()).update(counts)
            stats.faults.update(part["faults"])
            for route, count in part["ok"].items():
                stats.ok[route] = stats.ok.get(route, 0) + count
            in_flight, queued, peak = part["gauges"]
            stats.gauges.in_flight += in_flight
            stats.gauges.queued += queued
            stats.gauges.peak += peak
            user, system = user + part["cpu"][0], system + part["cpu"][1]
            stats.timings.absorb(part["timings"])
            if len(part["by_phase"]) == len(stats.by_phase):  # under the same phases
                for counts, more in zip(stats.by_phase, part["by_phase"], strict=True):
                    counts.update(more)
        stats._cpu_merged = (user, system)
        return stats

    @property
    def schedule(self) -> Schedule:
        """The phases whose requests are counted apart (set as a scenario is applied)."""
        return self._schedule

    @schedule.setter
    def schedule(self, schedule: Schedule) -> None:
        self._schedule = schedule
        self.by_phase = [Counter() for _ in schedule.names()]

    @property
    def in_flight(self) -> int:
        """API requests between arrival and their last byte (or reset) now."""
        return self.gauges.in_flight

    @property
    def queued(self) -> int:
        """API requests waiting for a capacity worker now."""
        return self.gauges.queued

    def finished(
        self,
        arrival: float,
        start: float,
        route: str,
        zip_code: str | None,
        attempt: int | None,
        intended: float,
        queue: float,
        status: int | str,
        fault: str | None,
        size: int,
        request: Asker,
        *,
        served: float | None = None,
    ) -> None:
        """Journal one request that ended now and, when it is a 200 served at once (`served`:
        its actual delay), count it too.

        The parameters are `journal.FIELDS` in order, but the end (the journal's clock, now)
        and the peer and client (read from `request` when the journal is on). The common
        path's one call, as it is hot: its count, its timing (`Series.add`) and its entry
        with its charge, all inlined. Every other path counts itself with `record` when it
        answers, and calls this when it ends.
        """
        if served is not None:
            self.ok[route] += 1
            pending = self.timings.common.pending
            pending.append(served)
            if len(pending) >= FOLD:
                self.timings.common.fold()
        journal = self.journal
        if self._schedule.windows:  # which phase the request met: the one at its arrival
            epoch = journal.epoch if journal is not None else 0.0
            self.by_phase[self._schedule.index_at(arrival - epoch)][str(status)] += 1
        if journal is None or not journal.enabled:
            if self.sink is not None:  # the journal is the shared store's
                self.sink(arrival, start, route, zip_code, attempt, intended, queue, status,
                          fault, size, request)  # fmt: skip
            return
        # The entry and its charge (`journal.entry_bytes`, `journal.peer_bytes`, inlined).
        client = request.headers.get("X-Client")
        peer = request.protocol.peername
        cost = COMMON_BYTES if start is arrival else DELAYED_BYTES
        if zip_code is not None:
            length = len(zip_code)
            if length > MAX_TEXT:
                zip_code, length = cut(zip_code), MAX_TEXT
            cost += 64 + length if zip_code.isascii() else 95 + 4 * length
        if client is not None:
            length = len(client)
            if length > MAX_TEXT:
                client, length = cut(client), MAX_TEXT
            cost += 64 + length if client.isascii() else 95 + 4 * length
        if peer is not None:
            peers, key = journal.peers, id(peer)
            held = peers.get(key, 0)
            peers[key] = held + 1
            if not held:
                cost += peer_bytes(peer)
        entries = journal.entries
        entries.append((
            arrival, start, journal.clock(), route, zip_code, attempt, intended, queue, status,
            fault, size, peer, client,
        ))  # fmt: skip
        journal.total += 1
        journal.bytes += cost
        if journal.bytes > journal.budget or len(entries) > journal.size:
            journal.trim()

    def record(
        self,
        route: str,
        status: str,
        fault: str | None = None,
        timing: tuple[float, float, float] | None = None,
    ) -> None:
        """Count one finished request (`status` is a code, or `reset` / `hang` / `gone`),
        with its (intended, queue, actual) delays when it was served."""
        self.requests[route] += 1
        statuses = self.statuses.get(route)
        if statuses is None:
            statuses = self.statuses[route] = Counter()
        statuses[status] += 1
        if fault:
            self.faults[fault] += 1
        if timing is not None:
            self.timings.add(*timing)

    def snapshot(self) -> dict[str, Any]:
        """Everything, as a JSON-ready dict."""
        user, system = _cpu_times()
        start_user, start_system = self._cpu_start
        if self._cpu_merged is not None:
            (user, system), start_user, start_system = self._cpu_merged, 0.0, 0.0
        requests = self.requests + Counter(self.ok)
        statuses = {route: Counter(counts) for route, counts in self.statuses.items()}
        for route, count in self.ok.items():
            if count:
                statuses.setdefault(route, Counter())["200"] += count
        return {
            "routes": {
                route: {"requests": count, "statuses": dict(statuses[route])}
                for route, count in sorted(requests.items())
            },
            "requests": sum(requests.values()),
            "faults": dict(self.faults),
            "in_flight": self.in_flight,
            "queued": self.queued,
            "max_in_flight": self.gauges.peak,
            **self._phase_figures(),
            **self._journal_figures(),
            **self.timings.summaries(),
            "cpu": {
                "user_s": user - start_user,
                "system_s": system - start_system,
                "total_s": (user - start_user) + (system - start_system),
            },
        }

    def _phase_figures(self) -> dict[str, Any]:
        """The phase active now and each phase's requests by status (none without phases)."""
        schedule = self._schedule
        if not schedule.windows:
            return {}
        now = self.journal.now if self.journal is not None else 0.0
        spans = [(None, None), *((w.start, w.end - w.start) for w in schedule.windows)]
        return {
            "phase": schedule.name_at(now) or "base",
            "phases": [
                {"name": name, "at": at, "for": duration, "requests": sum(counts.values()),
                 "statuses": dict(counts)}
                for name, (at, duration), counts in zip(
                    schedule.names(), spans, self.by_phase, strict=True)
            ],
        }  # fmt: skip

    def _journal_figures(self) -> dict[str, Any]:
        figures: dict[str, Any] = {"connections": None, "requests_per_connection": None}
        if self.journal is not None and self.journal.enabled:
            journal = self.journal.figures()
            figures["connections"] = journal.pop("connections")
            figures["requests_per_connection"] = journal.pop("requests_per_connection")
            figures["journal"] = journal
        if self.attempts is not None:
            figures["attempt_keys"] = {
                "kept": len(self.attempts), "limit_per_route": self.attempts.limit,
                "forgotten": self.attempts.forgotten,
            }  # fmt: skip
        return figures


def _cpu_times() -> tuple[float, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # µs resolution, unlike os.times()
    return usage.ru_utime, usage.ru_stime
