"""The event-loop clients' shared parts (`kinds/_loop.py`, `kinds/_split.py`): where the CPU
work runs (`offload`), the loop's lag and where a blocked loop was, `processes = N`."""

from __future__ import annotations

import asyncio
import resource
import shutil
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import clients.cpuwork
import clients.kinds._loop as loop_module
from clients.kinds import loader
from clients.kinds._loop import LagSampler, merged, where
from clients.kinds.python import prepare
from clients.progress import Progress
from clients.protocol import total_jobs
from clients.records import Block, ClientSettings, LoopLag, Stall
from clients.zipsets import MEMPY_2015
from tests.helpers import configure, jobs_in

ZIPS = list(MEMPY_2015[:8])
HERE = Path(__file__).name


def _callee() -> tuple[str, str] | None:
    return where(sys._getframe())


async def _coroutine() -> tuple[str, str] | None:
    return _callee()


def test_where_names_the_coroutine_and_what_it_called() -> None:
    found = asyncio.run(_coroutine())
    assert found is not None
    coroutine, called = found
    assert coroutine.endswith(f"{HERE}:{_coroutine.__code__.co_firstlineno + 1} _coroutine")
    assert called == f"{__name__}._callee"


def test_where_without_a_coroutine_is_none() -> None:
    assert _callee() is None


def _block(seconds: float) -> None:
    time.sleep(seconds)


async def _blocks_the_loop() -> str:
    await asyncio.sleep(0.06)  # a beat or two on time first
    time.sleep(0.15)  # a C call: no frame of its own, the line names it
    _block(0.15)
    await asyncio.sleep(0.02)
    return "done"


def test_the_sampler_sees_a_blocked_loop_and_where() -> None:
    lag = LagSampler()
    assert asyncio.run(lag.around(_blocks_the_loop())) == "done"
    found = lag.result()
    assert found.max >= 0.15 - found.every  # a timer due during a block runs after it
    assert found.samples == len(lag.lags) >= 2
    assert found.blocked is not None and found.blocked > 0  # pytest runs tests on the main thread
    places = {(s.coroutine.rsplit(" ", 1)[-1], s.call) for s in found.stalls}
    assert (
        "_blocks_the_loop",
        "time.sleep(0.15)  # a C call: no frame of its own, the line names it",
    ) in places or ("_blocks_the_loop", f"{__name__}._block") in places
    assert all(s.coroutine.startswith(f"tests/clients/kinds/{HERE}:") for s in found.stalls)


def test_the_sampler_says_when_the_loop_was_blocked() -> None:
    origin = time.perf_counter()
    lag = LagSampler(origin=origin)
    asyncio.run(lag.around(_blocks_the_loop()))
    ran = time.perf_counter() - origin
    blocks = lag.result().blocks
    assert blocks, "the two sleeps on the loop's thread were not seen"
    assert all(0 <= b.start < b.end <= ran for b in blocks)  # on the run's clock, inside it
    assert [b.start for b in blocks] == sorted(b.start for b in blocks)
    assert all(b.where.endswith(" _blocks_the_loop") for b in blocks if b.where)
    assert sum(b.end - b.start for b in blocks) <= ran


def test_off_the_main_thread_it_measures_lags_only() -> None:
    box: list[LoopLag] = []

    def run() -> None:
        lag = LagSampler()
        asyncio.run(lag.around(_blocks_the_loop()))
        box.append(lag.result())

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert box[0].blocked is None and box[0].stalls == () and box[0].blocks == ()
    assert box[0].max > 0


def test_merged_takes_every_timer_and_the_places() -> None:
    one = LoopLag(0.1, 0.3, 2, 0.01, 0.5, (Stall("a.py:1 f", "x.g", 0.4),))
    two = LoopLag(0.2, 0.2, 2, 0.01, 0.25, (Stall("a.py:1 f", "x.g", 0.2), Stall("b", "c", 0.1)))
    found = merged([one, two], [[0.0, 0.3], [0.2, 0.1]])
    assert (found.max, found.samples, found.blocked) == (0.3, 4, 0.75)
    assert found.p99 == 0.3
    assert found.stalls == (Stall("a.py:1 f", "x.g", pytest.approx(0.6)), Stall("b", "c", 0.1))


def test_merged_keeps_every_loops_blocks_in_order_of_time() -> None:
    one = LoopLag(0.1, 0.3, 2, 0.01, 0.3, (), (Block(0.5, 0.8, "a.py:1 f"),))
    two = LoopLag(0.1, 0.3, 2, 0.01, 0.1, (), (Block(0.1, 0.2, ""),))
    assert merged([one, two], [[0.3], [0.1]]).blocks == (
        Block(0.1, 0.2, ""),
        Block(0.5, 0.8, "a.py:1 f"),
    )


@pytest.fixture
def threads_that_worked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The thread each `cpuwork.burn` ran on."""
    seen: list[int] = []
    real = clients.cpuwork.burn

    def spy(seconds: float, kind: str, data: bytes = b"") -> clients.cpuwork.Work:
        seen.append(threading.get_ident())
        return real(seconds, kind, data)

    monkeypatch.setattr(clients.cpuwork, "burn", spy)
    return seen


@pytest.mark.parametrize("kind", [pytest.param(k, id=k) for k in ("asyncio", "uvloop", "httpx")])
@pytest.mark.parametrize(
    ("offload", "on_the_loop"),
    [pytest.param("none", True, id="inline"), pytest.param("thread", False, id="thread")],
)
def test_offload_runs_the_work_where_it_says(
    live_server: Any, threads_that_worked: list[int], kind: str, offload: str, on_the_loop: bool
) -> None:
    configure(live_server)
    settings = ClientSettings(kind=kind, cpu=0.002, offload=offload)
    progress = Progress()
    attempts = loader.load(kind)(ZIPS, live_server.url, settings, progress)
    assert total_jobs(attempts) == jobs_in(ZIPS)
    assert len(threads_that_worked) == len(ZIPS)
    loop_thread = threading.get_ident()
    assert all((t == loop_thread) is on_the_loop for t in threads_that_worked)
    assert progress.loop_lag is not None  # sampled (a run shorter than a beat has no timer due)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@pytest.mark.slow
def test_offload_to_processes_does_the_work_there(live_server: Any) -> None:
    configure(live_server)
    settings = ClientSettings(kind="asyncio", cpu=0.03, offload="process")
    progress = Progress()
    before = _children_cpu()
    attempts = loader.load("asyncio")(ZIPS, live_server.url, settings, progress)
    assert total_jobs(attempts) == jobs_in(ZIPS)
    assert _children_cpu() - before >= len(ZIPS) * 0.03
    assert progress.extra_rss > 0  # the pool's memory is the client's


@pytest.mark.slow
@pytest.mark.parametrize("kind", [pytest.param(k, id=k) for k in ("asyncio", "uvloop")])
def test_processes_split_the_zips_and_come_back_as_one_client(live_server: Any, kind: str) -> None:
    configure(live_server)
    settings = ClientSettings(kind=kind, cpu=0.02, processes=2, concurrency=2)
    progress = Progress()
    before = _children_cpu()
    attempts = loader.load(kind)(ZIPS, live_server.url, settings, progress)
    assert total_jobs(attempts) == jobs_in(ZIPS)
    assert sorted(a.zip for a in attempts) == sorted(ZIPS)
    assert progress.done == len(ZIPS)  # each zip told to the parent as it finished
    assert _children_cpu() - before >= len(ZIPS) * 0.02
    assert {a.lane for a in attempts} <= set(range(4))  # two lanes in each of two processes
    assert len({a.lane for a in attempts}) > 2
    assert progress.loop_lag is not None and progress.loop_lag.samples == len(progress.lags) > 0
    assert progress.extra_rss > 0


def test_a_functions_loop_is_sampled_too(tmp_path: Path) -> None:
    (tmp_path / "mine_lag.py").write_text(
        "import asyncio, time\n"
        "async def total(zips, url):\n"
        "    await asyncio.sleep(0.02)\n"
        "    time.sleep(0.1)\n"
        "    return 0\n",
        encoding="utf-8",
    )
    settings = ClientSettings(kind="python", function="mine_lag:total", path=str(tmp_path))
    progress = Progress()
    prepare(settings)([], "http://h:1", settings, progress)
    assert progress.loop_lag is not None
    assert progress.loop_lag.max >= 0.1 - progress.loop_lag.every
    assert progress.loop_lag.stalls[0].coroutine == "mine_lag.py:4 total"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_node_reports_its_loop_delay(live_server: Any) -> None:
    configure(live_server)
    settings = ClientSettings(kind="javascript", cpu=0.05)
    progress = Progress()
    loader.load("javascript")(ZIPS, live_server.url, settings, progress)
    assert progress.loop_lag is not None
    assert progress.loop_lag.samples > 0
    # Each answer's 50 ms of work runs on Node's one thread: a timer waits for it. Node 20 has
    # no thread CPU clock, so the work is timed on the process's, which its helper threads
    # (GC, compiler) advance too: the work can end early, never by more than half here.
    assert progress.loop_lag.max >= (0.05 - progress.loop_lag.every) / 2
    assert progress.loop_lag.p99 <= progress.loop_lag.max


async def _takes_sigalrm(fired: list[int]) -> None:
    await asyncio.sleep(0.06)
    signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    signal.setitimer(signal.ITIMER_REAL, 0.05)  # the user's own timer
    await asyncio.sleep(0.2)


def test_code_that_takes_sigalrm_keeps_it() -> None:
    fired: list[int] = []
    lag = LagSampler()
    try:
        asyncio.run(lag.around(_takes_sigalrm(fired)))
        assert fired == [signal.SIGALRM]  # its alarm went off, once, to its handler
        assert signal.getsignal(signal.SIGALRM) is not signal.SIG_DFL  # and it was left set
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)


def test_an_alarm_inside_the_handlers_look_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    """A second SIGALRM can land anywhere inside the first one's look (seen on a loaded CI: in
    the file-name resolving under `where`); it must neither fail nor count twice."""
    lag = LagSampler()
    lag._armed = True
    lag._alarm, lag._due = 0.0, time.perf_counter() - 1.0  # it missed its beat a second ago
    nested: list[int] = []
    real_where = loop_module.where

    def where_interrupted(frame: Any) -> Any:
        nested.append(len(lag.blocks))
        lag._on_alarm(signal.SIGALRM, sys._getframe())  # the second alarm, mid-look
        return real_where(frame)

    monkeypatch.setattr(loop_module, "where", where_interrupted)
    monkeypatch.setattr(signal, "setitimer", lambda *args: (0.0, 0.0))
    lag._on_alarm(signal.SIGALRM, sys._getframe())
    assert nested == [0]  # the look ran once; the alarm inside it did nothing
    assert len(lag.blocks) == 1 and lag.blocked >= 1.0
