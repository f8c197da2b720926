"""Token buckets driven by an injected time: bursts, refusals, exact waits, refills."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.models import ratelimit
from server.models.ratelimit import TokenBuckets


@pytest.mark.parametrize(
    ("rate", "burst"),
    [
        pytest.param(1.0, 1, id="one-a-second-no-burst"),
        pytest.param(2.0, 5, id="two-a-second-burst-5"),
        pytest.param(0.5, 3, id="slow"),
    ],
)
def test_a_burst_then_refusal(rate: float, burst: int) -> None:
    buckets = TokenBuckets(rate, burst)
    assert [buckets.take("a", 0.0) for _ in range(burst)] == [0.0] * burst
    # The bucket is empty: a whole token is due in 1 / rate seconds.
    assert buckets.take("a", 0.0) == 1.0 / rate
    assert buckets.take("a", 0.0) == 1.0 / rate  # refusals cost nothing


def test_wait_is_the_time_until_the_next_whole_token() -> None:
    buckets = TokenBuckets(rate=4.0, burst=2)
    assert buckets.take("a", 0.0) == 0.0
    assert buckets.take("a", 0.0) == 0.0
    # 0.125 s later there are 0.5 tokens: (1 - 0.5) / 4 = 0.125 s to go.
    assert buckets.take("a", 0.125) == (1.0 - 0.5) / 4.0
    # 0.1875 s in: 0.75 tokens, 0.0625 s to go.
    assert buckets.take("a", 0.1875) == (1.0 - 0.75) / 4.0
    assert buckets.take("a", 0.25) == 0.0  # exactly one token has refilled


def test_refill_over_injected_time_is_capped_at_the_burst() -> None:
    buckets = TokenBuckets(rate=2.0, burst=3)
    for _ in range(3):
        assert buckets.take("a", 0.0) == 0.0
    # A long idle spell refills only up to the burst, not 2 * 100 tokens.
    later = 100.0
    assert [buckets.take("a", later) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a", later) == 0.5


def test_partial_refill_allows_exactly_the_refilled_tokens() -> None:
    buckets = TokenBuckets(rate=2.0, burst=4)
    for _ in range(4):
        buckets.take("a", 0.0)
    # 1 s later two tokens are back.
    assert buckets.take("a", 1.0) == 0.0
    assert buckets.take("a", 1.0) == 0.0
    assert buckets.take("a", 1.0) == 0.5


def test_keys_are_independent() -> None:
    buckets = TokenBuckets(rate=1.0, burst=2)
    assert buckets.take("a", 0.0) == 0.0
    assert buckets.take("a", 0.0) == 0.0
    assert buckets.take("a", 0.0) == 1.0
    # b has its own full bucket, and spending it leaves a untouched.
    assert buckets.take("b", 0.0) == 0.0
    assert buckets.take("b", 0.0) == 0.0
    assert buckets.take("b", 0.0) == 1.0
    assert buckets.take("a", 1.0) == 0.0
    assert buckets.take("c", 0.5) == 0.0


def test_time_going_backwards_never_adds_tokens() -> None:
    buckets = TokenBuckets(rate=1.0, burst=1)
    assert buckets.take("a", 10.0) == 0.0
    assert buckets.take("a", 5.0) == 1.0


def test_oldest_keys_are_forgotten_past_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratelimit, "MAX_KEYS", 3)
    buckets = TokenBuckets(rate=1.0, burst=1)
    for key in ("a", "b", "c"):
        assert buckets.take(key, 0.0) == 0.0
    assert buckets.take("a", 0.0) == 1.0  # refused: a is now the most recently seen
    assert buckets.take("d", 0.0) == 0.0  # evicts b, the least recently seen
    assert buckets.take("a", 0.0) == 1.0  # a was kept, still empty
    assert buckets.take("b", 0.0) == 0.0  # b was forgotten: a fresh, full bucket


@given(
    rate=st.floats(0.1, 100.0),
    burst=st.integers(1, 20),
    gaps=st.lists(st.floats(0.0, 2.0), min_size=1, max_size=200),
)
def test_never_more_than_burst_plus_refill(rate: float, burst: int, gaps: list[float]) -> None:
    buckets = TokenBuckets(rate, burst)
    now = 0.0
    allowed = 0
    for gap in gaps:
        now += gap
        wait = buckets.take("k", now)
        assert wait >= 0.0
        assert wait <= 1.0 / rate + 1e-9
        allowed += wait == 0.0
        assert allowed <= burst + rate * now + 1e-6


@given(
    rate=st.floats(0.1, 100.0),
    burst=st.integers(1, 5),
    gaps=st.lists(st.floats(0.0, 1.0), max_size=40),
)
def test_the_wait_is_honest(rate: float, burst: int, gaps: list[float]) -> None:
    """A request refused with wait w is refused a little sooner and allowed at w later."""
    times = [sum(gaps[: i + 1]) for i in range(len(gaps))]

    def replay(count: int) -> TokenBuckets:
        buckets = TokenBuckets(rate, burst)
        for now in times[:count]:
            buckets.take("k", now)
        return buckets

    for i, now in enumerate(times):
        wait = replay(i).take("k", now)
        if wait > 1e-6:
            assert replay(i + 1).take("k", now + wait * 0.99) > 0.0
            assert replay(i + 1).take("k", now + wait + 1e-9) == 0.0
