"""Two servers on one real store answer as one: attempts, buckets, slots, the lease, the
scenario, the run, the journal and the stats — and a store that goes away is named in a 503.

Each server here is the app on its own event loop and port (`LiveServer`), each with its own
connection to the store; `tests/server/test_workers.py` does the same with processes.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from server.accounting.journal import DEFAULT_BYTES, DEFAULT_SIZE
from server.app import create_app
from server.config.parser import parse_config
from server.errors import StoreRefused, StoreUnreachable
from server.shared import backend_for, redis_store
from server.shared.embedded import Engine
from server.shared.store import RedisShared, version_text
from tests.helpers import HOLDER, OTHER_HOLDER, POLL_DEADLINE, LiveServer
from tests.server.conftest import StartStore

pytestmark = pytest.mark.slow  # every test here starts a store process

JOBS = "/api/jobs?LocationId={}"


def shared_server(
    url: str,
    document: dict[str, Any] | None = None,
    *,
    publish: bool = True,
    journal_size: int = DEFAULT_SIZE,
):
    """The app on a free port with its state in the store at `url`."""
    shared = redis_store(
        url, clock=time.perf_counter, journal_size=journal_size, journal_bytes=DEFAULT_BYTES
    )
    config = parse_config(document or {})
    app = create_app(config, shared=shared, publish=publish, journal_size=journal_size)
    return LiveServer(app).start()


@pytest.fixture
def pair(store: Engine) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Two servers on one store, the second adopting the first's scenario."""
    first = shared_server(store.url)
    second = shared_server(store.tcp_url, publish=False)
    yield first, second
    second.stop()
    first.stop()


def journal(server: LiveServer) -> dict[str, Any]:
    response = server.get("/__admin/journal")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_attempts_continue_across_servers(pair: tuple[LiveServer, LiveServer]) -> None:
    first, second = pair
    for server in (first, second, first, second):
        assert server.get(JOBS.format("10001")).status_code == 200
    assert second.get(JOBS.format("20002")).status_code == 200
    entries = journal(first)["entries"]
    attempts = sorted((e["zip"], e["attempt"]) for e in entries)
    assert attempts == [("10001", 0), ("10001", 1), ("10001", 2), ("10001", 3), ("20002", 0)]
    assert [e["seq"] for e in journal(second)["entries"]] == [1, 2, 3, 4, 5]


def test_the_draws_follow_the_shared_attempt(store: Engine) -> None:
    # A fault on attempt 0 only (latency and fault rates keyed by attempt): the retry served
    # by the other server sees attempt 1 and succeeds, as one server would answer.
    document = {"server": {"faults": {"error_503": 1.0}, "zips": {
        "10001": {"faults": {"error_503": 0.0}}}}}  # fmt: skip
    first = shared_server(store.url, document)
    second = shared_server(store.url, publish=False)
    try:
        assert first.get(JOBS.format("30003")).status_code == 503
        assert second.get(JOBS.format("10001")).status_code == 200
        faults = sorted((e["zip"], e["attempt"], e["fault"]) for e in journal(second)["entries"])
        assert faults == [("10001", 0, None), ("30003", 0, "error_503")]
    finally:
        second.stop()
        first.stop()


def test_the_rate_limit_is_global(store: Engine) -> None:
    document = {"server": {"rate_limit": {"rate": 0.01, "burst": 2, "key": "header:X-Client"}}}
    first = shared_server(store.url, document)
    second = shared_server(store.url, publish=False)
    try:
        headers = {"X-Client": "one"}
        codes = [s.get(JOBS.format("10001"), headers=headers).status_code
                 for s in (first, second, first, second)]  # fmt: skip
        assert codes == [200, 200, 429, 429]
        refused = second.get(JOBS.format("10001"), headers=headers)
        assert int(refused.headers["Retry-After"]) >= 1
        other = first.get(JOBS.format("10001"), headers={"X-Client": "two"})
        assert other.status_code == 200  # a bucket per client, shared by both servers
    finally:
        second.stop()
        first.stop()


def _in_thread(server: LiveServer, path: str, into: list[Any]) -> threading.Thread:
    thread = threading.Thread(target=lambda: into.append(server.get(path)))
    thread.start()
    return thread


def _wait_in_flight(server: LiveServer, count: int) -> None:
    deadline = time.monotonic() + POLL_DEADLINE
    while server.get("/__admin/stats").json()["in_flight"] < count:
        assert time.monotonic() < deadline, "the slow request never arrived"
        time.sleep(0.01)


@pytest.mark.parametrize(
    ("queue", "second_status"),
    [pytest.param(0, 503, id="queue-full-on-the-other"), pytest.param(1, 200, id="granted")],
)
def test_capacity_is_global(store: Engine, queue: int, second_status: int) -> None:
    document = {"server": {"capacity": {"workers": 1, "queue": queue},
                           "latency": {"model": "fixed", "value": 0.4}}}  # fmt: skip
    first = shared_server(store.url, document)
    second = shared_server(store.url, publish=False)
    try:
        answers: list[Any] = []
        holder = _in_thread(first, JOBS.format("10001"), answers)
        _wait_in_flight(first, 1)  # the first holds the one slot
        later = second.get(JOBS.format("20002"))
        holder.join(POLL_DEADLINE)
        assert answers[0].status_code == 200
        assert later.status_code == second_status, later.text
        entry = next(e for e in journal(second)["entries"] if e["zip"] == "20002")
        if second_status == 503:
            assert entry["status"] == 503 and "queue is full" in later.json()["message"]
        else:
            assert entry["queue_wait"] > 0  # it waited for the slot the other server held
    finally:
        second.stop()
        first.stop()


def test_one_lease_for_both(pair: tuple[LiveServer, LiveServer]) -> None:
    import requests

    first, second = pair
    taken = requests.post(first.url + "/__admin/lease", json={"holder": HOLDER}, timeout=10)
    assert taken.status_code == 200
    token = taken.json()["token"]
    other = requests.post(second.url + "/__admin/lease", json={"holder": OTHER_HOLDER}, timeout=10)
    assert other.status_code == 409 and other.json()["holder"] == HOLDER
    assert requests.post(second.url + "/__admin/reset", timeout=10).status_code == 409
    reset = requests.post(second.url + "/__admin/reset", json={"tag": "run-2"},
                          headers={"X-Lease": token}, timeout=10)  # fmt: skip
    assert reset.status_code == 200
    shown = second.get("/__admin/lease").json()
    assert shown["held"] is True and shown["holder"] == HOLDER
    released = requests.delete(second.url + "/__admin/lease", headers={"X-Lease": token},
                               timeout=10)  # fmt: skip
    assert released.status_code == 200
    assert first.get("/__admin/lease").json()["held"] is False


def test_a_scenario_put_on_one_is_served_by_the_other(pair: tuple[LiveServer, LiveServer]) -> None:
    first, second = pair
    before = second.get(JOBS.format("10001")).content
    first.put_scenario({"seed": 7})
    assert second.get("/__admin/scenario").json()["seed"] == 7
    after = second.get(JOBS.format("10001"))
    assert after.content == first.get(JOBS.format("10001")).content != before
    assert second.get("/health").json()["seed"] == 7


def test_a_reset_is_everyone_s(pair: tuple[LiveServer, LiveServer]) -> None:
    import requests

    first, second = pair
    for server in (first, second):
        server.get(JOBS.format("10001"))
    reset = requests.post(first.url + "/__admin/reset", json={"tag": "again"}, timeout=10)
    assert reset.status_code == 200
    second.get(JOBS.format("10001"))
    body = journal(second)
    assert body["tag"] == "again"
    assert [(e["zip"], e["attempt"]) for e in body["entries"]] == [("10001", 0)]
    stats = first.get("/__admin/stats").json()
    assert stats["requests"] == 1  # the second server's own share was reset too


def test_stats_and_metrics_read_as_one(pair: tuple[LiveServer, LiveServer]) -> None:
    first, second = pair
    for server, count in ((first, 3), (second, 2)):
        for _ in range(count):
            assert server.get(JOBS.format("10001")).status_code == 200
    stats = second.get("/__admin/stats").json()
    assert stats["requests"] == 5 and stats["processes"] == 2
    assert stats["routes"]["jobs"]["statuses"] == {"200": 5}
    assert stats["journal"]["entries"] == 5 and stats["actual"]["count"] == 5.0
    assert stats["attempt_keys"]["kept"] == 1
    metrics = first.get("/metrics").text
    assert 'route="jobs",status="200"} 5' in metrics, metrics[:2000]
    health = first.get("/health").json()
    assert health["workers"] == 2 and health["state"].startswith("unix://")


def test_a_store_that_goes_away_is_named_and_journaled(start_store: StartStore) -> None:
    engine = start_store()
    server = shared_server(engine.url)
    try:
        assert server.get(JOBS.format("10001")).status_code == 200
        engine.stop()
        away = server.get(JOBS.format("10001"))
        assert away.status_code == 503
        assert away.json()["store"] == engine.url and engine.url in away.json()["message"]
        assert server.get("/__admin/journal").status_code == 503
        assert server.get("/health").status_code == 503
        start_store(engine.folder, engine.port)  # back, empty, on the same socket
        assert server.get(JOBS.format("10001")).status_code == 200
        entries = journal(server)["entries"]
        assert [(e["status"], e["fault"]) for e in entries] == [(503, "store"), (200, None)]
        assert server.get("/health").json()["status"] == "ok"
    finally:
        server.stop()


async def test_one_round_trip_per_tick(store: Engine) -> None:
    shared = RedisShared(store.url, journal_size=10, journal_bytes=10_000)
    await shared.open(None)
    try:
        counts = await asyncio.gather(*(shared.attempt("jobs", "10001") for _ in range(50)))
        assert sorted(counts) == list(range(50))
        assert (shared.batcher.flushes, shared.batcher.operations) == (1, 50)
    finally:
        await shared.close()


async def test_a_store_another_version_wrote_is_refused(store: Engine) -> None:
    with redis.Redis(unix_socket_path=str(store.socket)) as client:
        client.set("asynchronicity:version", "format 0, asynchronicity 0.0.1")
    shared = RedisShared(store.url, journal_size=10, journal_bytes=10_000)
    with pytest.raises(StoreRefused, match="another version of the server") as refused:
        await shared.open(None)
    assert "0.0.1" in str(refused.value) and version_text() in str(refused.value)


async def test_an_unreachable_store_is_named(store: Engine) -> None:
    url = f"unix://{store.folder}/nothing.sock"
    with pytest.raises(StoreUnreachable, match=r"nothing\.sock"):
        await RedisShared(url, journal_size=10, journal_bytes=10_000).open(None)


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        pytest.param(None, "local", id="none"),
        pytest.param("redis://127.0.0.1:6379/0", "redis", id="redis"),
        pytest.param("valkey://box/1", "redis", id="valkey"),
        pytest.param("unix:///tmp/v.sock", "redis", id="unix"),
    ],
)
def test_the_url_chooses_the_backend(url: str | None, backend: str) -> None:
    assert backend_for(url).name == backend


def test_an_unknown_scheme_names_the_schemes() -> None:
    with pytest.raises(ValueError, match=r"redis://.*unix://"):
        backend_for("http://box")


def test_journal_size_0_keeps_the_store_s_journal_off_too(store: Engine) -> None:
    server = shared_server(store.url, journal_size=0)
    try:
        for _ in range(3):
            assert server.get(JOBS.format("10001")).status_code == 200
        assert journal(server)["entries"] == []
        stats = server.get("/__admin/stats").json()
        assert stats["requests"] == 3 and stats["journal"]["recorded"] == 0
    finally:
        server.stop()
