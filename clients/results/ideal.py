"""The preview's ideal makespans once each answer costs CPU (`[workload] cpu`): pure arithmetic.

The server's preview knows only waits. With S seconds of CPU after each answer, a client
with c requests in flight on a machine with k cores can finish no sooner than the largest of:

* the server's own makespan for c, plus S (the last answer still has its work to do);
* every zip's wait plus its S, started in order on c slots (a slot is held while it works);
* the first answer, then all n × S of work spread over min(k, c) cores.

That is the ideal: what the machine allows. Threads doing pure-Python work fall short of it
(the GIL keeps them near one core); processes can reach it.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from typing import Any


def makespan(durations: Sequence[float], slots: int) -> float:
    """The least wall time for `durations` started in order on `slots` workers (0: all)."""
    if not durations:
        return 0.0
    if slots <= 0 or slots >= len(durations):
        return max(durations)
    free = [0.0] * slots
    for wait in durations:
        heapq.heappush(free, heapq.heappop(free) + wait)
    return max(free)


def ideal(waits: Sequence[float], cpu: float, slots: int, cores: int, server: float) -> float:
    """The least wall time for `waits` with `cpu` seconds after each, on `slots` in flight (0:
    all) and `cores` cores, given the server's own makespan for those slots."""
    if not waits:
        return server
    busy = min(cores, slots if slots > 0 else len(waits))
    return max(
        server + cpu,
        makespan([wait + cpu for wait in waits], slots),
        min(waits) + len(waits) * cpu / max(1, busy),
    )


def with_cpu(preview: Mapping[str, Any], cpu: float, kind: str, cores: int) -> dict[str, Any]:
    """The preview with its makespans accounting for `cpu` real seconds per answer on `cores`
    cores (and for one core too, under `cpu.by_cores`); the server's own are kept as
    `cpu.wait_makespans`. Unchanged when there is no CPU work."""
    found = dict(preview)
    if cpu <= 0 or not found.get("makespans"):
        return found
    waits = [float(row["wait"]) for row in found.get("zips") or []]
    server = {str(k): float(v) for k, v in found["makespans"].items()}
    by_cores = {
        str(n): {k: ideal(waits, cpu, int(k), n, v) for k, v in server.items()}
        for n in sorted({1, max(1, cores)})
    }
    found["makespans"] = by_cores[str(max(1, cores))]
    found["cpu"] = {"per_answer": cpu, "kind": kind, "cores": cores,
                    "wait_makespans": server, "by_cores": by_cores}  # fmt: skip
    return found
