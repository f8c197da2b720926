"""Client kinds: one module per concurrency model, and one typed descriptor per kind.

Every other module asks a kind's descriptor (`KINDS[name]`) instead of testing kind names:
its module, the event loop it runs on, how it reads `concurrency`, whether it takes retries,
whether it is the speed-up baseline, and which libraries shape its figures. Adding a kind
means adding one module here (with a `run(zips, base_url, settings, progress)` function, and
optionally a `prepare(settings)` that returns one after unmeasured set-up) and one `Kind` in
`KINDS`. The `command` and `python` kinds run the user's own code; their requests come from
the server's journal.

Modules load lazily (`load`), so a worker imports only the client it runs; this module
imports nothing else from the package, so anything may ask it.
"""

from __future__ import annotations

import enum
import importlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from ..progress import Progress
    from ..records import Attempt, ClientSettings

    RunFunction = Callable[[Sequence[str], str, ClientSettings, Progress], list[Attempt]]


class Concurrency(enum.Enum):
    """How a kind reads the scenario's `concurrency` (0 means "no limit" unless said otherwise)."""

    SEQUENTIAL = "sequential"  # one request at a time, whatever the setting says
    AS_GIVEN = "as given"  # N at a time; 0: a thread or task per zip
    CPUS_WHEN_ZERO = "one per CPU when 0"  # a pool: 0 means one worker per CPU
    NONE = "no limit"  # takes no setting at all (the browser's page asks for every zip)


@dataclass(frozen=True, slots=True)
class Kind:
    """What the rest of the package needs to know about one client kind."""

    name: str
    module: str  # relative to this package
    loop: str  # "none", "asyncio", "uvloop", "node" or "browser": shown under the table
    concurrency: Concurrency = Concurrency.AS_GIVEN
    retries: bool = True  # whether it takes `retries` (the browser's page does not)
    baseline: bool = False  # speed-ups are this kind's wall time ÷ the others'
    libraries: tuple[str, ...] = ()  # whose versions a result must record
    journal: bool = False  # its requests are read from the server's journal, not recorded by it
    measured: str = "in its worker by the meter; requests as the client saw them"

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
    Kind("blocking", "blocking", "none", Concurrency.SEQUENTIAL, baseline=True,
         libraries=("requests",)),
    Kind("threaded", "threaded", "none", libraries=("requests",)),
    Kind("asyncio", "asyncio", "asyncio", libraries=("aiohttp",)),
    Kind("uvloop", "uvloop", "uvloop", libraries=("aiohttp", "uvloop")),
    Kind("httpx", "httpx", "asyncio", libraries=("httpx",)),
    Kind("processes", "processes", "none", Concurrency.CPUS_WHEN_ZERO, libraries=("requests",)),
    Kind("javascript", "javascript", "node"),
    Kind("browser", "browser", "browser", Concurrency.NONE, retries=False,
         libraries=("playwright",)),
    Kind("command", "command", "its own", journal=True,
         measured="from outside: the process tree's wall, CPU, peak RSS, threads and processes; "
                  "requests from the server's journal"),
    Kind("python", "python", "none", journal=True,
         measured="in its worker by the meter; requests from the server's journal"),
)  # fmt: skip
KINDS: Final[dict[str, Kind]] = {kind.name: kind for kind in _ALL}


def kind_of(name: str) -> Kind:
    """The descriptor of `name` (KeyError for a kind that does not exist)."""
    return KINDS[name]


def load(name: str) -> RunFunction:
    """The `run` function of a client kind."""
    module = importlib.import_module(f"{__name__}.{KINDS[name].module}")
    run: RunFunction = module.run
    return run


def prepare(settings: ClientSettings) -> RunFunction:
    """The kind's `run`, after any set-up that must not be measured (importing a user's code).

    A kind module may define `prepare(settings) -> run`; it raises WorkerFailed for bad input.
    """
    module = importlib.import_module(f"{__name__}.{KINDS[settings.kind].module}")
    setup = getattr(module, "prepare", None)
    if setup is None:
        return load(settings.kind)
    run: RunFunction = setup(settings)
    return run
