"""The retry policy's pure decisions: how long to back off (with jitter), whether the retry
budget lets a retry or a hedge go, when to hedge, and when a run stops trying.

Every built-in client that retries asks a `Policy` in the same place of its request loop
(`kinds/asyncio.py`'s `fetch_zip` for the async kinds, `kinds/_sync.py`'s for blocking,
threaded and processes): after each try, `Tries.after` says retry (and how long to wait
first), stop, or why not; before a try, `Tries.hedge_after` says when a second request may
follow it. Nothing here sleeps or sends. Randomness is a `random.Random` seeded per
(scenario seed, zip, retry), so a run repeats exactly; the budget's clock is injected.

Backoff and jitter (Brooker, "Exponential Backoff And Jitter", 2015; attempt n from 0, base b,
cap c, U uniform): exponential `min(c, b·2ⁿ)`; full `U(0, min(c, b·2ⁿ))`; equal `v/2 + U(0, v/2)`
with `v = min(c, b·2ⁿ)`; decorrelated `min(c, U(b, 3·previous))`, previous starting at b.
"""

from __future__ import annotations

import collections
import enum
import hashlib
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from .protocol import is_retryable
from .records import Attempt, ClientSettings

MAX_RETRY_AFTER: Final = 60.0  # scenario seconds: a server asking for longer is not waited on
BUDGET_WINDOW: Final = 10.0  # scenario seconds a deposit or a withdrawal counts (Finagle's ttl)


class Jitter(enum.Enum):
    """How a backoff is spread: not at all, or by one of Brooker's three formulas."""

    NONE = "none"
    FULL = "full"
    EQUAL = "equal"
    DECORRELATED = "decorrelated"


JITTERS: Final = tuple(j.value for j in Jitter)


def exponential(base: float, cap: float, n: int) -> float:
    """`min(cap, base·2ⁿ)`: the plain exponential backoff before try n + 1."""
    return min(cap, base * 2.0 ** min(n, 1000))  # 2.0 ** 1024 overflows a float


def full_jitter(base: float, cap: float, n: int, rng: random.Random) -> float:
    """`U(0, min(cap, base·2ⁿ))`."""
    return rng.uniform(0.0, exponential(base, cap, n))


def equal_jitter(base: float, cap: float, n: int, rng: random.Random) -> float:
    """`v/2 + U(0, v/2)` with `v = min(cap, base·2ⁿ)`."""
    half = exponential(base, cap, n) / 2
    return half + rng.uniform(0.0, half)


def decorrelated_jitter(base: float, cap: float, previous: float, rng: random.Random) -> float:
    """`min(cap, U(base, 3·previous))`; `previous` is the last wait (base before the first)."""
    return min(cap, rng.uniform(base, 3.0 * previous))


def draws(seed: int, zip_code: str, retry: int) -> random.Random:
    """The random source of one retry's jitter: the same (seed, zip, retry) draws the same."""
    key = f"{seed}\x1f{zip_code}\x1f{retry}".encode()
    return random.Random(int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big"))


def backoff(
    jitter: Jitter, base: float, cap: float, retry: int, previous: float, rng: random.Random
) -> float:
    """The wait before retry number `retry` (1-based) by `jitter`'s formula, in the units of
    `base` and `cap`; `previous` is the last wait (decorrelated jitter's memory)."""
    n = retry - 1
    if jitter is Jitter.FULL:
        return full_jitter(base, cap, n, rng)
    if jitter is Jitter.EQUAL:
        return equal_jitter(base, cap, n, rng)
    if jitter is Jitter.DECORRELATED:
        return decorrelated_jitter(base, cap, previous, rng)
    return exponential(base, cap, n)


def drawn_wait(settings: ClientSettings, zip_code: str, retry: int, previous: float) -> float:
    """The settings' backoff before `zip_code`'s retry number `retry` (1-based), scenario
    seconds, drawn from that retry's own seeded source."""
    return backoff(Jitter(settings.jitter), settings.backoff, settings.backoff_max, retry,
                   previous, draws(settings.seed, zip_code, retry))  # fmt: skip


def real_delay(settings: ClientSettings, wait: float, asked: float | None) -> float:
    """Real seconds to wait: the backoff ÷ speed, or what the server asked (`Retry-After`,
    real seconds) when longer, up to MAX_RETRY_AFTER (a run must stay bounded)."""
    return max(wait / settings.speed, min(asked or 0.0, MAX_RETRY_AFTER / settings.speed))


def backoff_delay(
    settings: ClientSettings,
    retry: int,
    asked: float | None,
    zip_code: str = "",
    previous: float | None = None,
) -> float:
    """Real seconds before retry number `retry` (1-based) of `zip_code`."""
    last = settings.backoff if previous is None else previous
    return real_delay(settings, drawn_wait(settings, zip_code, retry, last), asked)


class Budget:
    """Retries allowed up to `ratio` of the requests plus `min_per_s` a second, each counted
    for `window` seconds — the design of Finagle's RetryBudget and tower's `retry::Budget`.

    A request deposits; a retry (or a hedge) withdraws, and is allowed while the withdrawals in
    the window stay under `ratio × deposits + min_per_s × window`; one refused is counted in
    `denied` and not sent. Thread-safe: the threaded client's threads share one.
    """

    def __init__(
        self, ratio: float, min_per_s: float, clock: Callable[[], float], window: float
    ) -> None:
        self.ratio, self.floor, self.window = ratio, min_per_s * window, window
        self._clock = clock
        self._deposits: collections.deque[float] = collections.deque()
        self._withdrawals: collections.deque[float] = collections.deque()
        self._lock = threading.Lock()
        self.denied = 0

    def _expire(self, now: float) -> None:
        for times in (self._deposits, self._withdrawals):
            while times and times[0] <= now - self.window:
                times.popleft()

    def deposit(self) -> None:
        """A request was sent (not a retry)."""
        with self._lock:
            now = self._clock()
            self._expire(now)
            self._deposits.append(now)

    def withdraw(self) -> bool:
        """Whether a retry may go now; a refusal is counted."""
        with self._lock:
            now = self._clock()
            self._expire(now)
            if len(self._withdrawals) + 1 <= self.ratio * len(self._deposits) + self.floor:
                self._withdrawals.append(now)
                return True
            self.denied += 1
            return False


class Step(enum.Enum):
    """What a client does after a try."""

    RETRY = "retry"  # wait `Decision.delay`, then try again
    DONE = "done"  # it answered, or failed in a way no retry mends
    EXHAUSTED = "exhausted"  # every allowed retry was used
    DENIED = "denied"  # the retry budget refused the retry: not sent, counted
    DEADLINE = "deadline"  # the retry could not end within the run's time limit


@dataclass(frozen=True, slots=True)
class Decision:
    """A step and, for RETRY, the real seconds to wait before it."""

    step: Step
    delay: float = 0.0


def settles(attempt: Attempt) -> bool:
    """Whether an attempt decides its try: it answered, or failed in a way no retry mends."""
    return not is_retryable(attempt.status, attempt.error)


class Policy:
    """One run's retry policy: its settings, its clock (seconds since the run started), the
    budget every zip shares, and the deadline past which no retry starts."""

    def __init__(self, settings: ClientSettings, clock: Callable[[], float]) -> None:
        self.settings, self.clock = settings, clock
        speed = settings.speed
        self.budget = (
            None
            if settings.budget_ratio is None
            else Budget(settings.budget_ratio, settings.budget_min_per_s * speed, clock,
                        BUDGET_WINDOW / speed)
        )  # fmt: skip
        self.deadline = None if settings.time_limit is None else settings.time_limit / speed
        self.timeout = settings.timeout / speed

    @property
    def denied(self) -> int:
        """Retries and hedges the budget refused so far."""
        return self.budget.denied if self.budget is not None else 0

    def tries(self, zip_code: str) -> Tries:
        """A zip's tries: its first request deposits in the budget."""
        if self.budget is not None:
            self.budget.deposit()
        return Tries(self, zip_code)

    def in_time(self, delay: float) -> bool:
        """Whether a try that starts after `delay` can end within the run's time limit."""
        return self.deadline is None or self.clock() + delay + self.timeout <= self.deadline


class Tries:
    """One zip's tries under its run's policy: how many retries it used, its last wait."""

    def __init__(self, policy: Policy, zip_code: str) -> None:
        self.policy, self.zip = policy, zip_code
        self.retries = 0
        self.previous = policy.settings.backoff  # decorrelated jitter's memory, scenario s

    def after(self, attempt: Attempt, asked: float | None) -> Decision:
        """What to do once a try ended with `attempt` (`asked`: the server's Retry-After)."""
        settings = self.policy.settings
        if settles(attempt):
            return Decision(Step.DONE)
        if self.retries >= settings.retries:
            return Decision(Step.EXHAUSTED)
        retry = self.retries + 1
        wait = drawn_wait(settings, self.zip, retry, self.previous)
        delay = real_delay(settings, wait, asked)
        if not self.policy.in_time(delay):
            return Decision(Step.DEADLINE)
        budget = self.policy.budget
        if budget is not None and not budget.withdraw():
            return Decision(Step.DENIED)
        self.retries, self.previous = retry, wait
        return Decision(Step.RETRY, delay)

    def hedge_after(self) -> float | None:
        """Real seconds after which an unanswered try gets a second request; None: never."""
        hedge = self.policy.settings.hedge
        return hedge / self.policy.settings.speed if hedge > 0 else None

    def may_hedge(self) -> bool:
        """Whether the hedge may go now: within the time limit, and the budget allows it (a
        hedge spends from the budget as a retry does; a refusal is counted)."""
        if not self.policy.in_time(0.0):
            return False
        budget = self.policy.budget
        return budget is None or budget.withdraw()
