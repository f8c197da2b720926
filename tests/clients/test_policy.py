"""The retry policy's pure decisions: backoff and Brooker's jitter formulas against their
definitions with a seeded RNG, the retry budget against an injected clock, and what a zip's
tries decide (retry, exhausted, denied, past the time limit, hedge)."""

from __future__ import annotations

import random
import statistics

import pytest

from clients.policy import (
    MAX_RETRY_AFTER,
    Budget,
    Decision,
    Jitter,
    Policy,
    Step,
    backoff,
    backoff_delay,
    decorrelated_jitter,
    draws,
    equal_jitter,
    exponential,
    full_jitter,
)
from clients.records import Attempt, ClientSettings

BASE, CAP = 0.005, 2.0  # the blog's simulator: base 5 ms, cap 2000 ms


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def failed(zip_code: str = "00001", number: int = 0) -> Attempt:
    return Attempt(zip_code, number, 0.0, 0.1, status=503, error="http_503")


# --- the formulas, one draw at a time against the definition ----------------------------


@pytest.mark.parametrize("n", [pytest.param(n, id=f"n={n}") for n in (0, 1, 4, 9, 20)])
def test_full_jitter_is_uniform_up_to_the_capped_exponential(n: int) -> None:
    want = random.Random(11).uniform(0.0, min(CAP, BASE * 2**n))
    assert full_jitter(BASE, CAP, n, random.Random(11)) == want


@pytest.mark.parametrize("n", [pytest.param(n, id=f"n={n}") for n in (0, 1, 4, 9, 20)])
def test_equal_jitter_is_half_plus_uniform_of_the_other_half(n: int) -> None:
    v = min(CAP, BASE * 2**n)
    want = v / 2 + random.Random(12).uniform(0.0, v / 2)
    assert equal_jitter(BASE, CAP, n, random.Random(12)) == want


@pytest.mark.parametrize(
    "previous", [pytest.param(p, id=f"previous={p:g}") for p in (BASE, 0.04, 1.0, 5.0)]
)
def test_decorrelated_jitter_is_uniform_from_base_to_three_previous_capped(
    previous: float,
) -> None:
    want = min(CAP, random.Random(13).uniform(BASE, 3 * previous))
    assert decorrelated_jitter(BASE, CAP, previous, random.Random(13)) == want


def test_exponential_doubles_to_the_cap_and_never_overflows() -> None:
    assert [exponential(BASE, CAP, n) for n in (0, 1, 2, 8, 9, 5000)] == pytest.approx(
        [0.005, 0.01, 0.02, 1.28, 2.0, 2.0]
    )


# --- the formulas over many draws: the shapes the definitions promise -------------------


def test_full_jitter_spreads_over_the_whole_window() -> None:
    rng, v = random.Random(1), exponential(BASE, CAP, 6)
    found = [full_jitter(BASE, CAP, 6, rng) for _ in range(20_000)]
    assert 0.0 <= min(found) < 0.01 * v and 0.99 * v < max(found) <= v
    assert statistics.fmean(found) == pytest.approx(v / 2, rel=0.02)


def test_equal_jitter_keeps_at_least_half() -> None:
    rng, v = random.Random(2), exponential(BASE, CAP, 6)
    found = [equal_jitter(BASE, CAP, 6, rng) for _ in range(20_000)]
    assert v / 2 <= min(found) < 0.51 * v and 0.99 * v < max(found) <= v
    assert statistics.fmean(found) == pytest.approx(0.75 * v, rel=0.02)


def test_decorrelated_jitter_walks_from_base_and_stays_under_the_cap() -> None:
    rng, previous, walk = random.Random(3), BASE, []
    for _ in range(2_000):
        previous = decorrelated_jitter(BASE, CAP, previous, rng)
        walk.append(previous)
    assert min(walk) >= BASE and max(walk) == CAP  # it reaches the cap and sticks near it
    assert walk[0] <= 3 * BASE


@pytest.mark.parametrize("jitter", list(Jitter), ids=[j.value for j in Jitter])
def test_backoff_picks_the_formula_by_name(jitter: Jitter) -> None:
    retry, previous = 4, 0.03
    want = {
        Jitter.NONE: exponential(BASE, CAP, 3),
        Jitter.FULL: full_jitter(BASE, CAP, 3, random.Random(5)),
        Jitter.EQUAL: equal_jitter(BASE, CAP, 3, random.Random(5)),
        Jitter.DECORRELATED: decorrelated_jitter(BASE, CAP, previous, random.Random(5)),
    }[jitter]
    assert backoff(jitter, BASE, CAP, retry, previous, random.Random(5)) == want


def test_draws_repeat_for_the_same_seed_zip_and_retry_and_differ_otherwise() -> None:
    first = draws(7, "90011", 3).random()
    assert draws(7, "90011", 3).random() == first
    others = {draws(8, "90011", 3).random(), draws(7, "90012", 3).random(),
              draws(7, "90011", 4).random()}  # fmt: skip
    assert first not in others and len(others) == 3


def test_a_jittered_run_repeats_exactly() -> None:
    settings = ClientSettings(kind="asyncio", retries=8, backoff=0.01, jitter="decorrelated",
                              seed=2015)  # fmt: skip

    def waits() -> list[float]:
        tries = Policy(settings, Clock()).tries("90011")
        return [tries.after(failed(), None).delay for _ in range(8)]

    assert waits() == waits()
    assert len(set(waits())) == 8


# --- the real delay: speed and Retry-After ----------------------------------------------


@pytest.mark.parametrize(
    ("retry", "delay"),
    [
        pytest.param(1, 0.1, id="first"),
        pytest.param(2, 0.2, id="second"),
        pytest.param(3, 0.4, id="third"),
        pytest.param(4, 0.8, id="fourth"),
    ],
)
def test_backoff_doubles(retry: int, delay: float) -> None:
    settings = ClientSettings(kind="asyncio", backoff=0.1, backoff_max=5.0)
    assert backoff_delay(settings, retry, None) == pytest.approx(delay)


def test_backoff_is_capped() -> None:
    settings = ClientSettings(kind="asyncio", backoff=1.0, backoff_max=5.0)
    assert [backoff_delay(settings, r, None) for r in (1, 2, 3, 4, 10)] == pytest.approx(
        [1.0, 2.0, 4.0, 5.0, 5.0]
    )


def test_backoff_divided_by_speed() -> None:
    settings = ClientSettings(kind="asyncio", backoff=0.1, backoff_max=1.0, speed=4.0)
    assert backoff_delay(settings, 1, None) == pytest.approx(0.025)
    assert backoff_delay(settings, 20, None) == pytest.approx(0.25)  # the cap, sped up too


def test_zero_backoff() -> None:
    settings = ClientSettings(kind="asyncio", backoff=0.0)
    assert backoff_delay(settings, 3, None) == 0.0


@pytest.mark.parametrize(
    ("asked", "delay"),
    [
        pytest.param(None, 0.2, id="not-asked"),
        pytest.param(0.0, 0.2, id="asked-nothing"),
        pytest.param(0.05, 0.2, id="asked-less"),
        pytest.param(1.5, 1.5, id="asked-more"),
        pytest.param(60.0, 60.0, id="asked-beyond-cap"),  # the server's wait wins over the cap
    ],
)
def test_backoff_honours_the_asked_wait(asked: float | None, delay: float) -> None:
    settings = ClientSettings(kind="asyncio", backoff=0.1, backoff_max=5.0, speed=1.0)
    assert backoff_delay(settings, 2, asked) == pytest.approx(delay)


def test_asked_wait_is_not_scaled_by_speed() -> None:
    settings = ClientSettings(kind="asyncio", backoff=0.001, speed=10.0)
    assert backoff_delay(settings, 1, 0.3) == pytest.approx(0.3)


def test_a_huge_retry_after_is_honoured_only_up_to_the_cap() -> None:
    """A server asking for a thousand seconds must not stall a run for that long."""
    settings = ClientSettings(kind="asyncio", backoff=0.1, speed=2.0)
    assert backoff_delay(settings, 1, 1000.0) == MAX_RETRY_AFTER / 2.0
    assert backoff_delay(settings, 1, 0.5) == 0.5  # a modest ask is honoured as it is


# --- the retry budget -------------------------------------------------------------------


def test_the_budget_allows_the_floor_with_no_requests() -> None:
    clock = Clock()
    budget = Budget(ratio=0.1, min_per_s=2.0, clock=clock, window=10.0)  # a floor of 20
    assert [budget.withdraw() for _ in range(21)] == [True] * 20 + [False]
    assert budget.denied == 1


def test_the_budget_grows_with_requests_by_its_ratio() -> None:
    clock = Clock()
    budget = Budget(ratio=0.2, min_per_s=0.0, clock=clock, window=10.0)
    for _ in range(50):
        budget.deposit()
    assert sum(budget.withdraw() for _ in range(15)) == 10  # 20 % of 50
    assert budget.denied == 5


def test_deposits_and_withdrawals_expire_after_the_window() -> None:
    clock = Clock()
    budget = Budget(ratio=0.5, min_per_s=0.0, clock=clock, window=10.0)
    for _ in range(4):
        budget.deposit()
    assert [budget.withdraw() for _ in range(3)] == [True, True, False]
    clock.now = 10.0  # the deposits are gone, and so are the withdrawals
    assert not budget.withdraw()
    budget.deposit()
    budget.deposit()
    assert budget.withdraw() and not budget.withdraw()


def test_a_policy_denies_retries_over_budget_and_counts_them() -> None:
    settings = ClientSettings(kind="asyncio", retries=5, backoff=0.0, budget_ratio=0.0,
                              budget_min_per_s=0.3)  # a floor of 3 retries in 10 s  # fmt: skip
    policy = Policy(settings, Clock())
    steps = [policy.tries(f"{z:05}").after(failed(f"{z:05}"), None).step for z in range(5)]
    assert steps == [Step.RETRY] * 3 + [Step.DENIED] * 2
    assert policy.denied == 2


def test_the_budget_floor_keeps_its_count_at_any_speed() -> None:
    settings = ClientSettings(kind="asyncio", retries=5, backoff=0.0, budget_ratio=0.0,
                              budget_min_per_s=0.3, speed=4.0)  # fmt: skip
    policy = Policy(settings, Clock())
    assert policy.budget is not None
    assert policy.budget.floor == pytest.approx(3.0) and policy.budget.window == 2.5


# --- a zip's tries ----------------------------------------------------------------------


def test_tries_stop_on_an_answer_and_on_a_failure_no_retry_mends() -> None:
    tries = Policy(ClientSettings(kind="asyncio", retries=3), Clock()).tries("00001")
    ok = Attempt("00001", 0, 0.0, 0.1, status=200, jobs=3)
    bad = Attempt("00001", 0, 0.0, 0.1, status=400, error="http_400")
    assert tries.after(ok, None).step is Step.DONE
    assert tries.after(bad, None).step is Step.DONE


def test_tries_are_exhausted_after_the_retries() -> None:
    tries = Policy(ClientSettings(kind="asyncio", retries=2, backoff=0.0), Clock()).tries("1")
    assert [tries.after(failed(), None).step for _ in range(3)] == [
        Step.RETRY, Step.RETRY, Step.EXHAUSTED,
    ]  # fmt: skip


def test_no_retry_starts_that_could_not_end_within_the_time_limit() -> None:
    clock = Clock()
    settings = ClientSettings(kind="asyncio", retries=1000, timeout=1.0, backoff=0.5,
                              backoff_max=0.5, time_limit=10.0)  # fmt: skip
    tries = Policy(settings, clock).tries("00001")
    clock.now = 8.4
    assert tries.after(failed(), None) == Decision(Step.RETRY, 0.5)
    clock.now = 8.6  # 8.6 + 0.5 wait + 1.0 timeout > 10
    assert tries.after(failed(), None).step is Step.DEADLINE


def test_hedging_waits_as_set_divided_by_speed_and_spends_from_the_budget() -> None:
    settings = ClientSettings(kind="asyncio", hedge=0.2, speed=2.0, budget_ratio=0.0,
                              budget_min_per_s=0.1)  # one hedge or retry in 10 s  # fmt: skip
    policy = Policy(settings, Clock())
    tries = policy.tries("00001")
    assert tries.hedge_after() == pytest.approx(0.1)
    assert [tries.may_hedge(), tries.may_hedge()] == [True, False]
    assert policy.denied == 1
    assert Policy(ClientSettings(kind="asyncio"), Clock()).tries("1").hedge_after() is None
