"""`python -m server --workers N` as real processes: one port, one server.

The same answers whatever the worker count — the multiset of (zip, attempt, intended delay,
fault) in the journal is the one-process server's, for a sequential and a concurrent client —
rate limits and capacity are global, a dead worker is started again, SIGTERM leaves no process
behind, and a worker count the machine cannot start is one line.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from server.shared.embedded import Engine
from tests.helpers import POLL_DEADLINE
from tests.server.test_cli import first_line, run_to_exit, running, stop

pytestmark = pytest.mark.slow

BANNER = re.compile(r"serving on (http://127\.0\.0\.1:\d+) \((.*)\)")
ZIPS = [f"{10000 + 37 * i:05d}" for i in range(24)]
SCENARIO = {
    "seed": 11,
    "server": {
        "latency": {"model": "uniform", "low": 0.0, "high": 0.004},
        "faults": {"error_500": 0.2, "error_503": 0.1, "malformed": 0.1},
    },
}


@contextmanager
def serving(*args: str) -> Iterator[tuple[str, str, Any]]:
    """The server with `args`: its base URL, what its banner says, and the process."""
    with running("--port", "0", *args) as process:
        match = BANNER.fullmatch(first_line(process))
        assert match, "no banner"
        yield match[1], match[2], process


def fresh(base: str, path: str, **kwargs: Any) -> requests.Response:
    """A request on a new connection (so SO_REUSEPORT may hand it to any worker)."""
    return requests.get(base + path, headers={"Connection": "close", **kwargs.pop("headers", {})},
                        timeout=20, **kwargs)  # fmt: skip


def fetch_zip(base: str, zip_code: str) -> None:
    """What a retrying client does: ask again after a fault, at most four attempts."""
    for _ in range(4):
        try:
            response = fresh(base, f"/api/jobs?LocationId={zip_code}")
            if response.status_code == 200:
                response.json()  # a malformed body fails here, as a client's parse would
                return
        except (requests.RequestException, ValueError):
            pass


def draws(base: str) -> Counter[tuple[Any, ...]]:
    entries = requests.get(base + "/__admin/journal", timeout=20).json()["entries"]
    return Counter((e["zip"], e["attempt"], e["intended"], e["fault"]) for e in entries)


def run_clients(base: str) -> dict[str, Counter[tuple[Any, ...]]]:
    """The journal's draws after a sequential client, then after a concurrent one."""
    seen = {}
    for name, threads in (("sequential", 1), ("concurrent", 8)):
        requests.post(base + "/__admin/reset", timeout=20).raise_for_status()
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda z: fetch_zip(base, z), ZIPS))
        seen[name] = draws(base)
    return seen


def test_the_draws_are_the_same_with_1_2_and_4_workers(tmp_path: Path) -> None:
    scenario = tmp_path / "draws.toml"
    scenario.write_text(_toml(SCENARIO))
    results = {}
    for count in (1, 2, 4):
        with serving("--scenario", str(scenario), "--workers", str(count)) as (base, _said, _):
            assert requests.get(base + "/health", timeout=20).json()["workers"] == count
            results[count] = run_clients(base)
    one = results[1]
    assert sum(one["sequential"].values()) > len(ZIPS)  # faults were drawn and retried
    assert one["sequential"] == one["concurrent"]
    for count in (2, 4):
        assert results[count] == one, count


def _toml(document: dict[str, Any]) -> str:
    server = document["server"]
    lines = [f"seed = {document['seed']}", "[server.latency]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in server["latency"].items()]
    lines += ["[server.faults]"] + [f"{k} = {v}" for k, v in server["faults"].items()]
    return "\n".join(lines) + "\n"


def test_the_banner_health_and_journal_say_one_server_of_n() -> None:
    with serving("--workers", "2") as (base, said, _):
        assert "2 workers" in said and "state embedded Valkey unix://" in said
        health = requests.get(base + "/health", timeout=20).json()
        assert health["workers"] == 2 and health["state"].startswith("unix://")
        for _ in range(10):
            assert fresh(base, "/api/jobs?LocationId=10001").status_code == 200
        entries = requests.get(base + "/__admin/journal", timeout=20).json()["entries"]
        assert sorted(e["attempt"] for e in entries) == list(range(10))
        stats = requests.get(base + "/__admin/stats", timeout=20).json()
        assert stats["requests"] == 10 and stats["processes"] == 2
        pids = {fresh(base, "/health").json()["pid"] for _ in range(40)}
        assert len(pids) == 2  # both workers answer on the one port


def test_the_rate_limit_is_global_across_workers(store: Engine) -> None:
    document = '{"server": {"rate_limit": {"rate": 0.01, "burst": 3, "key": "header:X-Client"}}}'
    with serving("--workers", "2", "--state", store.url) as (base, _, _process):
        requests.put(base + "/__admin/scenario", data=document, timeout=20).raise_for_status()
        codes = Counter(
            fresh(base, "/api/jobs?LocationId=10001", headers={"X-Client": "one"}).status_code
            for _ in range(12)
        )
        assert codes == {200: 3, 429: 9}


def test_capacity_is_global_across_workers(store: Engine) -> None:
    document = {"server": {"capacity": {"workers": 1, "queue": 0},
                           "latency": {"model": "fixed", "value": 1.5}}}  # fmt: skip
    with serving("--workers", "2", "--state", store.url) as (base, _, _process):
        requests.put(base + "/__admin/scenario", json=document, timeout=20).raise_for_status()
        with ThreadPoolExecutor(1) as pool:
            holder = pool.submit(fresh, base, "/api/jobs?LocationId=10001")
            deadline = time.monotonic() + POLL_DEADLINE
            while requests.get(base + "/__admin/stats", timeout=20).json()["in_flight"] < 1:
                assert time.monotonic() < deadline
                time.sleep(0.01)
            refused = [fresh(base, "/api/jobs?LocationId=20002").status_code for _ in range(6)]
            assert holder.result().status_code == 200
        assert refused == [503] * 6  # one slot for the whole server, whichever worker asked


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def test_a_dead_worker_is_started_again_and_sigterm_leaves_nothing() -> None:
    with serving("--workers", "2") as (base, _, process):
        victim = fresh(base, "/health").json()["pid"]
        before = _children(process.pid)
        assert victim in before and len(before) == 3  # two workers and the embedded Valkey
        os.kill(victim, signal.SIGKILL)  # a worker of the supervisor this test started
        deadline = time.monotonic() + POLL_DEADLINE
        while True:
            now = _children(process.pid)
            if len(now) == 3 and victim not in now:
                try:
                    if requests.get(base + "/health", timeout=5).json().get("workers") == 2:
                        break
                except requests.RequestException:
                    pass
            assert time.monotonic() < deadline, "the worker was not started again"
            time.sleep(0.05)
        family = _children(process.pid)
        stop(process)  # SIGTERM
        assert process.returncode == 0
        assert [pid for pid in family if Path(f"/proc/{pid}").exists()] == []
        assert process.stderr is not None
        assert f"(pid {victim}) exited with status -9; starting it again" in process.stderr.read()


@pytest.mark.parametrize(
    ("count", "said"),
    [
        pytest.param("0", "error: --workers: must be at least 1, got 0", id="zero"),
        pytest.param("100000", "error: --workers: 100000 is more than", id="many"),
    ],
)
def test_a_worker_count_it_cannot_start_is_one_line(count: str, said: str) -> None:
    done = run_to_exit("--port", "0", "--workers", count)
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(said), lines


def test_an_embedded_valkey_that_dies_is_started_again() -> None:
    with serving("--workers", "2") as (base, _, process):
        store = next(pid for pid in _children(process.pid)
                     if b"valkey-server" in Path(f"/proc/{pid}/cmdline").read_bytes())  # fmt: skip
        os.kill(store, signal.SIGKILL)  # the Valkey the supervisor this test started started
        deadline = time.monotonic() + POLL_DEADLINE
        while True:
            try:
                health = requests.get(base + "/health", timeout=5)
                if health.status_code == 200 and health.json()["workers"] == 2:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "the store was not started again"
            time.sleep(0.05)
        assert fresh(base, "/api/jobs?LocationId=10001").status_code == 200
        entries = requests.get(base + "/__admin/journal", timeout=20).json()["entries"]
        assert [e["attempt"] for e in entries if e["status"] == 200] == [0]  # a new store
        stop(process)
        assert process.stderr is not None
        assert f"embedded Valkey (pid {store}) exited" in process.stderr.read()


def test_a_worker_killed_holding_a_slot_gives_it_back_when_started_again(store: Engine) -> None:
    slow = {"latency": {"model": "fixed", "value": 30.0}}
    document = {"server": {"capacity": {"workers": 1, "queue": 0}, "zips": {"10001": slow}}}
    with serving("--workers", "2", "--state", store.url) as (base, _, _process):
        requests.put(base + "/__admin/scenario", json=document, timeout=20).raise_for_status()
        session = requests.Session()  # one keep-alive connection: one worker
        victim = session.get(base + "/health", timeout=20).json()["pid"]
        with ThreadPoolExecutor(1) as pool:
            held = pool.submit(session.get, base + "/api/jobs?LocationId=10001", timeout=60)
            deadline = time.monotonic() + POLL_DEADLINE
            while requests.get(base + "/__admin/stats", timeout=20).json()["in_flight"] < 1:
                assert time.monotonic() < deadline
                time.sleep(0.01)
            assert fresh(base, "/api/jobs?LocationId=20002").status_code == 503  # the one slot
            os.kill(victim, signal.SIGKILL)  # a worker of the supervisor this test started
            with pytest.raises(requests.RequestException):
                held.result()
        deadline = time.monotonic() + POLL_DEADLINE
        while fresh(base, "/health").json()["workers"] != 2:
            assert time.monotonic() < deadline, "the worker was not started again"
            time.sleep(0.05)
        assert fresh(base, "/api/jobs?LocationId=20002").status_code == 200
