"""Client kinds: one module per concurrency model, and one typed descriptor per kind.

Every other module asks a kind's descriptor (`KINDS[name]`) instead of testing kind names:
its module, the event loop it runs on, the model it stands for, how it reads `concurrency`,
whether it takes retries and the tuned retry policies (jitter, budget, hedging), whether it
is the speed-up baseline, which of the user's code it runs, how it is measured, and which
libraries shape its figures. Adding a kind means adding one module here (with a
`run(zips, base_url, settings, progress)` function, and optionally a `prepare(settings)` that
returns one after unmeasured set-up) and one `Kind` in `KINDS`. The
`command` and `python` kinds run the user's own code; their requests come from the server's
journal.

This module holds the table alone and imports nothing of the package but `records` (which
imports nothing), so anything may ask it; `kinds.loader` imports a kind's module when a worker
runs it. The kind modules may import `records`, `progress`, `protocol`, `resources`,
`lifeline` and `errors`; never the harness, the report or the result data.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass
from typing import Final

from ..records import ClientSettings


class Concurrency(enum.Enum):
    """How a kind reads the scenario's `concurrency` (0 means "no limit" unless said otherwise)."""

    SEQUENTIAL = "sequential"  # one request at a time, whatever the setting says
    AS_GIVEN = "as given"  # N at a time; 0: a thread or task per zip
    CPUS_WHEN_ZERO = "one per CPU when 0"  # a pool: 0 means one worker per CPU
    NONE = "no limit"  # takes no setting at all (the browser's page asks for every zip)


class Model(enum.Enum):
    """The concurrency model a kind stands for: what the talk set side by side."""

    SEQUENTIAL = "one request after another"
    THREADS = "a thread per request (or a pool of them)"
    EVENT_LOOP = "tasks on one thread's event loop"
    PROCESSES = "a pool of processes"
    PROGRAM = "another program (node, a browser): its processes are its trains"
    YOUR_CODE = "the user's own code"


class Code(enum.Enum):
    """Which of the user's code a kind runs, and the scenario keys that name it (and `path`)."""

    NONE = ()
    COMMAND = ("command",)  # an argv with placeholders
    FUNCTION = ("function", "loop")  # `package.module:callable`, and its event loop

    @property
    def keys(self) -> tuple[str, ...]:
        """The client table's keys for this code, `path` aside."""
        keys: tuple[str, ...] = self.value
        return keys


@dataclass(frozen=True, slots=True)
class Kind:
    """What the rest of the package needs to know about one client kind."""

    name: str
    module: str  # relative to this package
    loop: str  # "none", "asyncio", "uvloop", "node" or "browser": shown under the table
    model: Model
    concurrency: Concurrency = Concurrency.AS_GIVEN
    retries: bool = True  # whether it takes `retries` (the browser's page does not)
    # whether it takes the tuned policies (jitter, retry_budget, hedge): the built-in Python
    # clients ask `clients.policy`, the user's code is told them; Node keeps its own loop
    policies: bool = True
    baseline: bool = False  # speed-ups are this kind's wall time ÷ the others'
    # whether it runs a `[workload] rate` (open loop): starts each request when due, or is told
    # the due times (the user's code); a pool of processes and Node keep to the batch
    open_loop: bool = True
    libraries: tuple[str, ...] = ()  # whose versions a result must record
    journal: bool = False  # its requests are read from the server's journal, not recorded by it
    code: Code = Code.NONE
    # whether it does `[workload] cpu` after each answer (the built-in clients through
    # `clients.cpuwork`, Node in its script, the user's code as told); the browser's page cannot
    cpu: bool = True
    offload: bool = False  # takes `offload` (none, thread, process): an event loop's CPU work
    multiloop: bool = False  # takes `processes = N`: the zips across N processes, a loop each
    measured: str = "in its worker by the meter; requests as the client saw them"
    measured_from: str = "in a worker"  # the short form, beside its name in the table

    @property
    def sequential(self) -> bool:
        """Whether it asks for one zip at a time."""
        return self.concurrency is Concurrency.SEQUENTIAL

    @property
    def takes_limit(self) -> bool:
        """Whether a `concurrency` setting (and a sweep of it) means anything to it."""
        return self.concurrency in (Concurrency.AS_GIVEN, Concurrency.CPUS_WHEN_ZERO)

    def effective_concurrency(self, concurrency: int) -> int:
        """How many requests it can have in flight: 0 for no limit."""
        if self.concurrency is Concurrency.SEQUENTIAL:
            return 1
        if self.concurrency is Concurrency.CPUS_WHEN_ZERO and concurrency == 0:
            return os.cpu_count() or 2  # the pool's default size: one worker per CPU
        if self.concurrency is Concurrency.NONE:
            return 0
        return concurrency


_ALL: Final = (
    Kind("blocking", "blocking", "none", Model.SEQUENTIAL, Concurrency.SEQUENTIAL,
         baseline=True, libraries=("requests",)),
    Kind("threaded", "threaded", "none", Model.THREADS, libraries=("requests",)),
    Kind("asyncio", "asyncio", "asyncio", Model.EVENT_LOOP, libraries=("aiohttp",),
         offload=True, multiloop=True),
    Kind("uvloop", "uvloop", "uvloop", Model.EVENT_LOOP, libraries=("aiohttp", "uvloop"),
         offload=True, multiloop=True),
    Kind("httpx", "httpx", "asyncio", Model.EVENT_LOOP, libraries=("httpx",), offload=True),
    # 2026's clients, optional (the kinds2026 extra): skipped with the reason where missing
    Kind("niquests", "niquests", "asyncio", Model.EVENT_LOOP, libraries=("niquests",),
         offload=True),
    Kind("pyreqwest", "pyreqwest", "asyncio", Model.EVENT_LOOP, libraries=("pyreqwest",),
         offload=True),
    Kind("httpx2", "httpx2", "asyncio", Model.EVENT_LOOP, libraries=("httpx2",), offload=True),
    Kind("processes", "processes", "none", Model.PROCESSES, Concurrency.CPUS_WHEN_ZERO,
         libraries=("requests",), open_loop=False),
    Kind("javascript", "javascript", "node", Model.PROGRAM, policies=False, open_loop=False),
    Kind("browser", "browser", "browser", Model.PROGRAM, Concurrency.NONE, retries=False,
         policies=False, libraries=("playwright",), cpu=False, open_loop=False),
    Kind("command", "command", "its own", Model.YOUR_CODE, journal=True, code=Code.COMMAND,
         measured="from outside: the process tree's wall, CPU, RSS growth and peak, threads and "
                  "processes; requests from the server's journal",
         measured_from="from outside"),
    Kind("python", "python", "none", Model.YOUR_CODE, journal=True, code=Code.FUNCTION,
         measured="in its worker by the meter; requests from the server's journal"),
)  # fmt: skip
KINDS: Final[dict[str, Kind]] = {kind.name: kind for kind in _ALL}


def in_flight(settings: ClientSettings) -> int:
    """How many requests a client could have in flight: 1 for the blocking one, 0 for no limit
    (with `processes = N`, each process has its own `concurrency`)."""
    return KINDS[settings.kind].effective_concurrency(settings.concurrency) * settings.processes
