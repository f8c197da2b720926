"""What a run records: one `Attempt` per HTTP request, folded into one `RunResult` per run."""

from __future__ import annotations

import enum
import functools
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, TypeVar

T = TypeVar("T")


class RunState(enum.Enum):
    """How a run ended: with figures, skipped (a missing optional tool) or failed."""

    OK = "ok"
    SKIPPED = "skipped"  # could not happen here (node or Chromium missing): no fault
    FAILED = "failed"  # died, timed out, or was misconfigured: counts against the exit code


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """How one client runs: its kind, concurrency, timeout and retry policy.

    Times are in scenario seconds; `speed` divides them, as it divides the server's delays.
    """

    kind: str
    label: str = ""
    concurrency: int = 0  # 0: no limit (a thread or task per zip)
    timeout: float = 30.0  # per attempt
    retries: int = 0  # extra attempts after a failure
    backoff: float = 0.1  # first retry waits this long, doubling each time
    backoff_max: float = 5.0
    shared_session: bool = False  # blocking: one requests.Session for every zip
    api: str = "jobs"  # "jobs" (2015 /api/jobs) or "search" (/api/search)
    per_page: int | None = None  # None: the API's default page size
    speed: float = 1.0
    python: str | None = None  # interpreter to run under; None: this one
    node: str | None = None  # the javascript client's node binary
    command: tuple[str, ...] | None = None  # the command kind's argv, placeholders unfilled
    function: str | None = None  # the python kind's `package.module:callable`
    path: str | None = None  # the folder a command runs in, a function imports from
    loop: str | None = None  # the python kind's event loop for an async function: asyncio or uvloop
    seed: int = 0  # the scenario's seed: a jitter draw is keyed by it, the zip and the retry
    jitter: str = "none"  # how backoffs are spread: none, full, equal, decorrelated (policy)
    budget_ratio: float | None = None  # a retry budget: retries up to this share of requests
    budget_min_per_s: float = 10.0  # ... plus this many a second (no budget when ratio is None)
    hedge: float = 0.0  # seconds before an unanswered try gets a second request; 0: never
    time_limit: float | None = None  # the run's bound; None: worked out from timeout and retries
    # Open-loop arrivals (`[workload] rate`): requests a second for `duration` seconds, due at
    # the times `clients.arrivals` gives — wall seconds, as the server's phases are.
    rate: float | None = None
    duration: float | None = None
    arrivals: str = "constant"  # constant or poisson (seeded)

    cpu: float = 0.0  # seconds of CPU after each answer ([workload] cpu), scenario seconds
    cpu_kind: str = "python"  # "python" (holds the GIL) or "native" (releases it): cpuwork
    offload: str = "none"  # an event-loop client's CPU work: inline, in a thread or a process
    processes: int = 1  # asyncio/uvloop: the zips split across this many processes, a loop each

    @property
    def open_loop(self) -> bool:
        """Whether requests are due at set times, whatever the answers (`rate` is set)."""
        return self.rate is not None and self.duration is not None

    @property
    def name(self) -> str:
        """The row label: `label`, else `kind`."""
        return self.label or self.kind

    def for_code(self) -> dict[str, Any]:
        """What the user's program (placeholders) or function (keywords) is told of these
        settings, in CODE_SETTINGS order: times in real seconds (the scenario's ÷ speed)."""
        speed = self.speed
        return {
            "concurrency": self.concurrency, "timeout": self.timeout / speed,
            "retries": self.retries, "backoff": self.backoff / speed,
            "backoff_max": self.backoff_max / speed, "jitter": self.jitter,
            "hedge": self.hedge / speed, "budget_ratio": self.budget_ratio,
            "budget_min_per_s": self.budget_min_per_s * speed,
            "cpu": self.cpu / speed, "cpu_kind": self.cpu_kind,
            "rate": self.rate, "duration": self.duration,
        }  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ClientSettings:
        """The inverse of `to_dict`, ignoring keys it does not know."""
        settings = known(cls, raw)
        if settings.command is not None:  # JSON has no tuples
            return replace(settings, command=tuple(settings.command))
        return settings


CODE_SETTINGS = (  # the settings a user's program or function receives (`for_code`)
    "concurrency", "timeout", "retries", "backoff", "backoff_max", "jitter", "hedge",
    "budget_ratio", "budget_min_per_s", "cpu", "cpu_kind", "rate", "duration",
)  # fmt: skip
CANCELLED = "cancelled"  # an attempt's error when it lost to its hedge and was abandoned


def attempt_text(number: int) -> str:
    """An attempt as every place names it, numbered from 0 as the journal and the result do:
    `attempt 0 (first try)`, `attempt 2 (retry 2)` (the report's page writes the same)."""
    return f"attempt {number} ({'first try' if number == 0 else f'retry {number}'})"


@dataclass(frozen=True, slots=True)
class Attempt:
    """One HTTP request: when, how it went, and what the server said it intended."""

    zip: str
    attempt: int  # 0 for the first try of this zip
    start: float  # seconds since the run started
    end: float
    status: int | None = None  # None: no HTTP answer (timeout, reset, ...)
    bytes: int = 0
    jobs: int | None = None  # the count read from the body, when it parsed
    error: str | None = None  # short error kind: timeout, reset, http_503, malformed, ...
    lane: int = 0  # thread index or concurrency slot, for timelines
    intended: float | None = None  # the server's Server-Timing values, in seconds
    queue: float | None = None
    overshoot: float | None = None
    hedge: bool = False  # a second request for a try that had not answered in time
    # Open loop: the request this attempt belongs to, and when that request was due (seconds
    # since the run started): latency from due counts what falling behind cost.
    request: int | None = None
    due: float | None = None

    @property
    def ok(self) -> bool:
        """Whether this attempt got a count (or, seen from the server's journal, a clean 200)."""
        return self.error is None and (self.jobs is not None or self.status == 200)

    @property
    def latency(self) -> float:
        """Seconds from sending to the end of the answer (or the failure)."""
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Usage:
    """The talk's ResourceHelper block: peak RSS growth, CPU times and wall time."""

    mem: int  # growth of peak RSS, bytes
    utime: float
    stime: float
    time: float
    peak_threads: int = 1
    peak_processes: int = 1  # a command's process tree at its largest
    # Growth of peak virtual memory, bytes: where thread stacks show on Linux (reserved, not
    # resident). None where it was not measured (not Linux; a program measured from outside).
    vmem: int | None = None
    # A program measured from outside (a command): its whole process tree's peak RSS, bytes.
    # `mem` stays growth for every row (for a command: from its smallest to its largest).
    tree_rss: int | None = None

    @property
    def cpu(self) -> float:
        """User plus system CPU seconds."""
        return self.utime + self.stime


@dataclass(frozen=True, slots=True)
class Track:
    """One train: a thread, a group of threads or a process, and its CPU in each interval."""

    name: str
    # "thread", "threads" (a group: too many threads to draw one by one) or "process"
    kind: str
    first: int  # the interval it was first seen in (interval i runs from times[i] to times[i + 1])
    cpu_us: tuple[int, ...]  # microseconds on a CPU in each interval from `first` on
    alive: tuple[int, ...] = ()  # a group's threads alive in each interval (empty: one each)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: a group's `alive` only when it has one."""
        row: dict[str, Any] = {"name": self.name, "kind": self.kind, "first": self.first,
                               "cpu_us": list(self.cpu_us)}  # fmt: skip
        if self.alive:
            row["alive"] = list(self.alive)
        return row

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Track:
        """The inverse of `to_dict`."""
        return cls(str(raw["name"]), str(raw["kind"]), int(raw["first"]),
                   tuple(int(v) for v in raw["cpu_us"]),
                   tuple(int(v) for v in raw.get("alive") or ()))  # fmt: skip


@dataclass(frozen=True, slots=True)
class Samples:
    """The meter's CPU samples: when it looked, and each train's CPU between two looks."""

    every: float  # the interval the sampler aimed at, seconds
    times: tuple[float, ...]  # when it looked, seconds since the meter started
    tracks: tuple[Track, ...]
    sampler_cpu: float  # the sampler's own CPU, seconds (kept out of every figure)
    source: str = "schedstat"  # where per-thread CPU came from
    threads: int = 0  # threads seen in all (more than tracks when grouped)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"every": self.every, "times": list(self.times), "sampler_cpu": self.sampler_cpu,
                "source": self.source, "threads": self.threads,
                "tracks": [t.to_dict() for t in self.tracks]}  # fmt: skip

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Samples:
        """The inverse of `to_dict`."""
        return cls(float(raw["every"]), tuple(float(t) for t in raw["times"]),
                   tuple(Track.from_dict(t) for t in raw["tracks"]), float(raw["sampler_cpu"]),
                   str(raw.get("source", "schedstat")), int(raw.get("threads", 0)))  # fmt: skip


@dataclass(frozen=True, slots=True)
class Stall:
    """Where an event loop's thread was found while the loop was blocked: the coroutine that
    held it and the call it was in (each `file:line name`), and how long it was seen there."""

    coroutine: str
    call: str
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Block:
    """One stretch the event loop was blocked: from when its timer was due to the last look
    that found it still blocked (seconds on the run's clock), and where its thread was first
    seen (`file:line name`; "" when no coroutine was on the stack)."""

    start: float
    end: float
    where: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class LoopLag:
    """How late an event loop ran a periodic timer, sampled through the run."""

    p99: float  # seconds
    max: float
    samples: int  # timers measured (several processes' loops: all of them)
    every: float  # the timer's period, seconds
    # seconds the loop was seen blocked (no timer run for longer than a threshold) by a
    # watcher thread, and where its thread was then (most seen first); None: not watched
    blocked: float | None = None
    stalls: tuple[Stall, ...] = ()
    blocks: tuple[Block, ...] = ()  # when it was blocked, in order (the longest BLOCKS_KEPT)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"p99": self.p99, "max": self.max, "samples": self.samples, "every": self.every,
                "blocked": self.blocked, "stalls": [s.to_dict() for s in self.stalls],
                "blocks": [b.to_dict() for b in self.blocks]}  # fmt: skip

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> LoopLag:
        """The inverse of `to_dict`."""
        return cls(float(raw["p99"]), float(raw["max"]), int(raw["samples"]),
                   float(raw.get("every", 0.0)), raw.get("blocked"),
                   tuple(known(Stall, s) for s in raw.get("stalls") or ()),
                   tuple(known(Block, b) for b in raw.get("blocks") or ()))  # fmt: skip


@dataclass(frozen=True, slots=True)
class RunResult:
    """One run of one client, in its own process."""

    client: str
    settings: ClientSettings
    total: int
    usage: Usage
    attempts: tuple[Attempt, ...]
    environment: dict[str, Any] = field(default_factory=dict)
    server_cpu: float | None = None  # the server's CPU seconds during this run, if known
    state: RunState = RunState.OK
    reason: str = ""  # why it was skipped or failed (e.g. "node not installed")
    origin: float | None = None  # the run's time zero on the monotonic clock (journal kinds)
    samples: Samples | None = None  # the meter's CPU per thread over the run (Linux)
    budget_denied: int = 0  # retries and hedges the retry budget refused (never sent)
    server_busy: float | None = None  # seconds the server spent serving this run (journal)
    offset: float | None = None  # the server's time since its reset at the run's zero (journal)
    loop_lag: LoopLag | None = None  # an event-loop client's timer lateness (None: no loop)
    foreign: int = 0  # requests the server saw during the run that were not the run's own

    @classmethod
    def without_figures(
        cls,
        settings: ClientSettings,
        state: RunState,
        reason: str,
        environment: dict[str, Any] | None = None,
    ) -> RunResult:
        """A run that could not happen (SKIPPED) or died (FAILED)."""
        return cls(
            client=settings.name,
            settings=settings,
            total=0,
            usage=Usage(mem=0, utime=0.0, stime=0.0, time=0.0),
            attempts=(),
            environment=environment or {},
            state=state,
            reason=reason,
        )

    @property
    def skipped(self) -> str | None:
        """The saved form of the state: None, or `skipped: why` / `failed: why`."""
        return state_text(self.state, self.reason)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: attempts as compact rows."""
        return {
            "client": self.client,
            "settings": self.settings.to_dict(),
            "total": self.total,
            "usage": asdict(self.usage),
            "attempts": [asdict(a) for a in self.attempts],
            "environment": self.environment,
            "server_cpu": self.server_cpu,
            "skipped": self.skipped,
            **({} if self.origin is None else {"origin": self.origin}),
            "samples": self.samples.to_dict() if self.samples else None,
            "budget_denied": self.budget_denied,
            "server_busy": self.server_busy,
            "offset": self.offset,
            "loop_lag": self.loop_lag.to_dict() if self.loop_lag else None,
            "foreign": self.foreign,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> RunResult:
        """The inverse of `to_dict`."""
        state, reason = parse_state(raw.get("skipped"))
        return cls(
            client=raw["client"],
            settings=ClientSettings.from_dict(raw["settings"]),
            total=int(raw["total"]),
            usage=known(Usage, raw["usage"]),
            attempts=tuple(known(Attempt, a) for a in raw["attempts"]),
            environment=dict(raw.get("environment") or {}),
            server_cpu=raw.get("server_cpu"),
            state=state,
            reason=reason,
            origin=raw.get("origin"),
            samples=Samples.from_dict(raw["samples"]) if raw.get("samples") else None,
            budget_denied=int(raw.get("budget_denied") or 0),
            server_busy=raw.get("server_busy"),
            offset=raw.get("offset"),
            loop_lag=LoopLag.from_dict(raw["loop_lag"]) if raw.get("loop_lag") else None,
            foreign=int(raw.get("foreign") or 0),
        )


def state_text(state: RunState, reason: str) -> str | None:
    """How a state is saved and shown: None when it ran, else `skipped: why` or `failed: why`."""
    return None if state is RunState.OK else f"{state.value}: {reason}"


def parse_state(text: str | None) -> tuple[RunState, str]:
    """The inverse of `state_text`; an unprefixed reason (older files) counts as failed."""
    if text is None:
        return RunState.OK, ""
    head, sep, rest = str(text).partition(": ")
    for state in (RunState.SKIPPED, RunState.FAILED):
        if sep and head == state.value:
            return state, rest
    return RunState.FAILED, str(text)


def known(cls: type[T], raw: dict[str, Any]) -> T:
    """`cls(**raw)` with the keys `cls` does not have dropped: additive schema changes load."""
    names = _field_names(cls)  # type: ignore[arg-type]  # a class is hashable
    return cls(**{k: v for k, v in raw.items() if k in names})


@functools.cache
def _field_names(cls: type) -> frozenset[str]:
    """A dataclass's field names (asked once per class: a result holds many attempts)."""
    return frozenset(f.name for f in fields(cls))
