"""The meter's sampler: each thread's CPU from schedstat, the meter's own thread left out, child
processes as trains, peak virtual memory; and its grouping of thousands of threads."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from clients.harness import sampler
from tests.helpers import ROOT

linux = pytest.mark.skipif(not sampler.available(), reason="needs Linux's per-thread schedstat")

# Run in a fresh interpreter: peak virtual memory is a high-water mark, and this test process
# has had many threads before.
MEASURED = """
import json, subprocess, sys, threading, time
from dataclasses import asdict
from clients.harness.meter import Meter

threading.stack_size(1 << 20)  # each thread reserves at least 1 MiB of address space
spun, release = threading.Event(), threading.Event()

def spin():
    end = time.thread_time() + 0.05  # 50 ms of this thread's own CPU, however long it takes
    while time.thread_time() < end:
        pass
    spun.set()
    release.wait()

BURN = "import time\\nend = time.process_time() + 0.05\\nwhile time.process_time() < end: pass"
meter = Meter()
with meter:
    threads = [threading.Thread(target=spin, name="spinner")]
    threads += [threading.Thread(target=release.wait, name=f"sleeper-{i}") for i in range(16)]
    for thread in threads:
        thread.start()
    spun.wait()
    subprocess.run([sys.executable, "-c", BURN], check=True)
    time.sleep(0.05)  # a few looks more with every thread alive
release.set()
for thread in threads:
    thread.join()
print(json.dumps({"usage": asdict(meter.usage), "samples": meter.samples.to_dict()}))
"""


@pytest.fixture(scope="module")
def measured() -> dict[str, Any]:
    """The usage and samples of a block with a spinning thread, sixteen sleepers and a child."""
    done = subprocess.run([sys.executable, "-c", MEASURED], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=True)  # fmt: skip
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def cpu_of(measured: dict[str, Any], name: str) -> int:
    """Microseconds on a CPU of the track named `name`."""
    [track] = [t for t in measured["samples"]["tracks"] if t["name"] == name]
    return sum(track["cpu_us"])


@pytest.mark.slow
@linux
def test_each_thread_gets_its_own_cpu(measured: dict[str, Any]) -> None:
    names = [t["name"] for t in measured["samples"]["tracks"]]
    assert names[0] == "MainThread" and "spinner" in names
    assert {f"sleeper-{i}" for i in range(16)} <= set(names)
    assert "meter" not in names  # the meter's own thread is not the client's
    assert cpu_of(measured, "spinner") >= 49_000  # it ran 50 ms, read to the microsecond
    assert max(cpu_of(measured, f"sleeper-{i}") for i in range(16)) < 10_000


@pytest.mark.slow
@linux
def test_a_child_process_is_a_train(measured: dict[str, Any]) -> None:
    [child] = [t for t in measured["samples"]["tracks"] if t["kind"] == "process"]
    assert "(pid " in child["name"]
    assert sum(child["cpu_us"]) >= 20_000  # it burned 50 ms; its last slice may go unseen


@pytest.mark.slow
@linux
def test_the_samples_say_when_and_at_what_cost(measured: dict[str, Any]) -> None:
    samples = measured["samples"]
    times = samples["times"]
    assert times == sorted(times) and len(times) >= 5
    assert samples["every"] == sampler.EVERY and samples["sampler_cpu"] > 0
    for track in samples["tracks"]:
        assert track["first"] + len(track["cpu_us"]) <= len(times) - 1  # within the looks


@pytest.mark.slow
@linux
def test_thread_stacks_show_as_virtual_memory(measured: dict[str, Any]) -> None:
    usage = measured["usage"]
    assert usage["vmem"] >= 17 << 20  # seventeen threads, each at least 1 MiB reserved
    assert usage["peak_threads"] >= 18


def trains(count: int) -> list[Any]:
    """`count` one-interval thread trains, one born in each interval."""
    made = []
    for index in range(count):
        train = sampler._Train(str(1000 + index), "thread", index)
        train.cpu = [1000 * (index + 1)]
        made.append(train)
    return made


def test_up_to_max_tracks_each_thread_is_a_train() -> None:
    tracks = sampler._grouped(trains(sampler.MAX_TRACKS))
    assert len(tracks) == sampler.MAX_TRACKS and all(t["kind"] == "thread" for t in tracks)
    assert tracks[1] == {"name": "1001", "kind": "thread", "first": 1, "cpu_us": [2]}


def test_thousands_of_threads_are_grouped_in_order_of_birth() -> None:
    tracks = sampler._grouped(trains(1000))
    assert len(tracks) <= sampler.MAX_TRACKS
    assert tracks[0]["kind"] == "thread"  # the first (main) thread stays alone
    group = tracks[1]
    assert group["kind"] == "threads" and group["name"] == "threads 2–9 (8)"
    assert group["first"] == 1 and group["alive"] == [1] * 8  # one alive in each interval
    assert group["cpu_us"] == [2, 3, 4, 5, 6, 7, 8, 9]
    total = sum(sum(t["cpu_us"]) for t in tracks)
    assert total == sum(index + 1 for index in range(1000))  # nothing lost in grouping
