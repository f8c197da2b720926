"""The CPU helper (`clients.cpuwork`): the stated CPU on the calling thread's own clock."""

from __future__ import annotations

import threading
import time

import pytest

from clients.cpuwork import CPU_KINDS, Work, after_answer, burn
from clients.records import ClientSettings

KIND_PARAMS = [pytest.param(kind, id=kind) for kind in CPU_KINDS]
RESOLUTION = time.get_clock_info("thread_time").resolution


class Ticks:
    """A CPU clock that advances `step` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.now, self.step, self.reads = 0.0, step, 0

    def __call__(self) -> float:
        self.reads += 1
        self.now += self.step
        return self.now - self.step


@pytest.mark.parametrize("kind", KIND_PARAMS)
def test_it_stops_at_the_first_look_past_the_stated_cpu(kind: str) -> None:
    clock = Ticks(0.25)
    work = burn(1.0, kind, b"{}", clock=clock)
    assert work.seconds == 1.0  # four steps of 0.25 on that clock, not one more
    assert work.steps == 4
    assert work.longest == 0.25
    assert clock.reads == 5  # the start, then one look after each step


@pytest.mark.parametrize("kind", KIND_PARAMS)
@pytest.mark.parametrize("seconds", [pytest.param(0.0, id="zero"), pytest.param(-1.0, id="less")])
def test_no_cpu_asked_is_no_work(kind: str, seconds: float) -> None:
    clock = Ticks(1.0)
    assert burn(seconds, kind, b"x", clock=clock).steps == 0
    assert clock.reads == 0


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="cpu_kind must be one of python, native"):
        burn(0.01, "rust")


@pytest.mark.parametrize("kind", KIND_PARAMS)
@pytest.mark.parametrize(
    "body", [pytest.param(b"", id="empty"), pytest.param(b"7" * 200_000, id="long")]
)
def test_on_the_threads_clock_it_does_the_stated_cpu(kind: str, body: bytes) -> None:
    before = time.thread_time()
    work = burn(0.03, kind, body)
    spent = time.thread_time() - before
    assert work.seconds >= 0.03
    # It overshoots by at most its last step (each step is measured on the same clock).
    assert work.seconds <= 0.03 + work.longest + RESOLUTION
    assert spent >= work.seconds


@pytest.mark.parametrize("kind", KIND_PARAMS)
def test_each_thread_pays_the_stated_cpu_on_its_own_clock(kind: str) -> None:
    """Threads contending for the GIL or for a core are not charged for the wait."""
    spent: list[float] = []
    lock = threading.Lock()

    def one() -> None:
        before = time.thread_time()
        work = burn(0.03, kind)
        with lock:
            spent.append(time.thread_time() - before)
        assert work.seconds >= 0.03

    threads = [threading.Thread(target=one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(spent) == 4
    assert all(s >= 0.03 for s in spent)


def test_after_answer_takes_the_settings_cpu_in_real_seconds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[tuple[float, str, bytes]] = []

    def spy(seconds: float, kind: str, data: bytes = b"") -> Work:
        asked.append((seconds, kind, data))
        return Work(seconds, 1, seconds)

    monkeypatch.setattr("clients.cpuwork.burn", spy)
    after_answer(b"body", ClientSettings(kind="asyncio", cpu=0.5, cpu_kind="native", speed=10))
    assert asked == [(0.05, "native", b"body")]
