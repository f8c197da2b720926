"""What a run records: one `Attempt` per HTTP request, folded into one `RunResult` per run."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields
from typing import Any, TypeVar

T = TypeVar("T")

SEQUENTIAL = frozenset({"blocking"})


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

    @property
    def effective_concurrency(self) -> int:
        """How many requests it can have in flight: 1 for the blocking client, 0 for no limit."""
        if self.kind in SEQUENTIAL:
            return 1
        if self.kind == "processes" and self.concurrency == 0:
            return os.cpu_count() or 2  # the pool's default size: one worker per CPU
        return self.concurrency

    @property
    def name(self) -> str:
        """The row label: `label`, else `kind`."""
        return self.label or self.kind

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ClientSettings:
        """The inverse of `to_dict`, ignoring keys it does not know."""
        return known(cls, raw)


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

    @property
    def ok(self) -> bool:
        """Whether this attempt got a count."""
        return self.jobs is not None and self.error is None

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

    @property
    def cpu(self) -> float:
        """User plus system CPU seconds."""
        return self.utime + self.stime


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
    skipped: str | None = None  # why this run did not happen (e.g. node not installed)

    @classmethod
    def without_figures(
        cls, settings: ClientSettings, reason: str, environment: dict[str, Any] | None = None
    ) -> RunResult:
        """A run that could not happen (`skipped: ...`) or died (`failed: ...`)."""
        return cls(
            client=settings.name,
            settings=settings,
            total=0,
            usage=Usage(mem=0, utime=0.0, stime=0.0, time=0.0),
            attempts=(),
            environment=environment or {},
            skipped=reason,
        )

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
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> RunResult:
        """The inverse of `to_dict`."""
        return cls(
            client=raw["client"],
            settings=ClientSettings.from_dict(raw["settings"]),
            total=int(raw["total"]),
            usage=known(Usage, raw["usage"]),
            attempts=tuple(known(Attempt, a) for a in raw["attempts"]),
            environment=dict(raw.get("environment") or {}),
            server_cpu=raw.get("server_cpu"),
            skipped=raw.get("skipped"),
        )


def known(cls: type[T], raw: dict[str, Any]) -> T:
    """`cls(**raw)` with the keys `cls` does not have dropped: additive schema changes load."""
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in raw.items() if k in names})
