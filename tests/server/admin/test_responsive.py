"""A big warm-up, preview or journal read never freezes the server: other requests are
answered while it works, and its size is bounded with the bound in the 400. Orderings, not
durations: a spy counts the work done when `/health` answers, and that must be before the
work is finished; or a task of the same loop notes the count each time the loop comes back to
it, and the work done between two of its turns must be one slice at most."""

from __future__ import annotations

import asyncio
import gc
import json
import threading
from collections.abc import Callable
from itertools import pairwise
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.admin import journal, plumbing, preview, routes
from server.admin.workload import MAX_CONCURRENCIES, MAX_ZIPS
from server.api import envelopes
from server.config.plan import Plan
from server.state import STATE
from tests.helpers import POLL_DEADLINE, asker

Count = list[int]


def spy(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> Count:
    """Count the calls of `owner.name` (the real function still runs)."""
    real: Callable[..., Any] = getattr(owner, name)
    calls = [0]

    def counted(*args: Any) -> Any:
        calls[0] += 1
        return real(*args)

    monkeypatch.setattr(owner, name, counted)
    return calls


async def health_while(client: TestClient, work: asyncio.Task[Any], calls: Count) -> int:
    """Wait until `work` has begun, ask `/health`, return how much work was done by then."""
    while calls[0] == 0:
        await asyncio.sleep(0)
    async with client.get("/health") as response:
        assert response.status == 200
    return calls[0]


async def turns_while(work: asyncio.Task[Any], calls: Count) -> list[int]:
    """The count each time the loop came back to this task, until `work` is done."""
    seen = [calls[0]]
    while not work.done():
        await asyncio.sleep(0)
        seen.append(calls[0])
    return seen


def most_between_turns(seen: list[int]) -> int:
    """The most work done between two turns of the watching task."""
    return max(after - before for before, after in pairwise(seen))


async def drained(client: TestClient, path: str) -> int:
    """Read a whole answer as a client that keeps up would; its length in bytes."""
    size = 0
    async with client.get(path) as response:
        assert response.status == 200
        async for chunk in response.content.iter_any():
            size += len(chunk)
    return size


def fill_journal(client: TestClient, count: int) -> None:
    """`count` entries recorded directly, as the API's handler records them."""
    stats, clock = client.app[STATE].stats, client.app[STATE].clock
    for index in range(count):
        now = clock()
        route = "jobs" if index % 2 else "search"
        stats.finished(now, now, route, f"{index:05d}", 0, 0.0, 0.0, 200, None, 10, asker())


async def post(client: TestClient, path: str, body: Any) -> tuple[int, Any]:
    async with client.post(path, json=body) as response:
        return response.status, await response.json()


async def test_health_answers_while_a_big_warm_up_renders(
    client: TestClient, put_scenario: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    await put_scenario(client, {"seed": 987_654})  # a seed no other test has rendered
    renders = spy(monkeypatch, envelopes, "render_jobs")
    zips = [f"{n:05d}" for n in range(10_000, 10_000 + 150)]
    work = asyncio.create_task(post(client, "/__admin/warm", {"zips": zips}))
    done_at_health = await health_while(client, work, renders)
    status, body = await work
    assert status == 200 and body["warmed"] == len(zips)
    assert renders[0] == len(zips)
    assert done_at_health < len(zips)  # /health did not wait for the whole warm-up


async def test_health_answers_while_a_big_preview_computes(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    plans = spy(monkeypatch, preview, "plan_request")
    zips = [f"{n:05d}" for n in range(40_000)]
    work = asyncio.create_task(
        post(client, "/__admin/preview", {"zips": zips, "concurrency": [1, 10, 0]})
    )
    done_at_health = await health_while(client, work, plans)
    status, body = await work
    assert status == 200, body
    assert body["requests"] == len(zips)
    assert plans[0] == len(zips)
    assert done_at_health < len(zips)


@pytest.mark.parametrize(
    "query", [pytest.param("", id="json"), pytest.param("?format=ndjson", id="ndjson")]
)
async def test_a_journal_read_hands_the_loop_back_between_slices(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    entries = 8 * journal.SLICE
    fill_journal(client, entries)
    encoded = spy(monkeypatch, journal, "to_dict")
    work = asyncio.create_task(drained(client, f"/__admin/journal{query}"))
    seen = await turns_while(work, encoded)
    assert await work > 0 and encoded[0] == entries
    assert any(0 < count < entries for count in seen)  # the loop came back mid-read
    assert most_between_turns(seen) <= journal.SLICE


async def test_a_filtered_journal_read_hands_the_loop_back_while_it_filters(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = 3 * journal.SCAN
    fill_journal(client, entries)
    filtered = spy(monkeypatch, journal.JournalQuery, "matches")
    work = asyncio.create_task(drained(client, "/__admin/journal?route=jobs&format=ndjson"))
    seen = await turns_while(work, filtered)
    assert await work > 0 and filtered[0] == entries
    assert most_between_turns(seen) <= journal.SCAN


BIG_ZIPS = 6_000  # zip overrides: a body over plumbing.LARGE


def big(value: Any) -> bool:
    """Whether a value is the big scenario document (or its server section's zips)."""
    return isinstance(value, dict) and len(value.get("server", {}).get("zips", {})) >= BIG_ZIPS


@pytest.mark.parametrize(
    ("owner", "name"),
    [
        pytest.param(plumbing, "too_deep", id="decoding"),
        pytest.param(routes, "parse_config", id="validating"),
        pytest.param(json.JSONEncoder, "iterencode", id="echoing"),
    ],
)
@pytest.mark.parametrize("query", [pytest.param("?dry_run=1", id="dry-run"), pytest.param("")])
async def test_health_answers_while_a_big_scenario_is_read(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, query: str
) -> None:
    """Each stage of a big PUT holds until `/health` has answered: run on the loop, it would
    hold the loop too, and give up at the bound with `/health` still waiting."""
    override = {"latency": {"model": "fixed", "value": 0.1}, "faults": {"error_500": 0.01}}
    document = {"server": {"zips": {f"{n:05d}": override for n in range(BIG_ZIPS)}}}
    body = json.dumps(document).encode()
    assert len(body) > plumbing.LARGE
    started, released = threading.Event(), threading.Event()
    waited: list[bool] = []
    collecting: list[bool] = []
    real: Callable[..., Any] = getattr(owner, name)
    frozen = gc.get_freeze_count()

    def held(*args: Any, **kwargs: Any) -> Any:
        if any(big(value) for value in args):
            started.set()
            waited.append(released.wait(POLL_DEADLINE))
            collecting.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, held)
    headers = {"Content-Type": "application/json"}
    work = asyncio.create_task(client.put(f"/__admin/scenario{query}", data=body, headers=headers))
    while not started.is_set() and not work.done():
        await asyncio.sleep(0.001)
    async with client.get("/health") as response:
        assert response.status == 200
    released.set()
    async with await work as answer:
        assert answer.status == 200, await answer.text()
        assert len((await answer.json())["server"]["zips"]) == BIG_ZIPS
    assert waited == [True]  # the stage was still holding when /health answered
    assert collecting == [False] and gc.isenabled()  # no collector pass over the build
    applied = client.app[STATE].config
    assert len(applied.zips) == (0 if query else BIG_ZIPS)
    if not query:  # the applied scenario's objects are never walked by the collector again
        assert gc.get_freeze_count() >= frozen + BIG_ZIPS


def test_a_sliced_preview_equals_the_whole_one() -> None:
    from server.config.parser import parse_config

    config = parse_config(
        {"server": {"latency": {"model": "uniform", "low": 0, "high": 1}, "faults": {"hang": 0.1}}}
    )
    zips = [f"{n:05d}" for n in range(5_000)]
    steps = preview.preview_steps(config, zips, concurrency=[3, 0], timeout=0.5)
    slices = 0
    while True:
        try:
            next(steps)
            slices += 1
        except StopIteration as done:
            sliced = done.value
            break
    assert slices >= len(zips) // preview.SLICE
    assert sliced == preview.preview(config, zips, concurrency=[3, 0], timeout=0.5)
    assert sliced["makespans"]["3"] == pytest.approx(
        preview.makespan([item["wait"] for item in sliced["zips"]], 3)
    )
    assert isinstance(Plan(0.0, None), Plan)


@pytest.mark.parametrize(
    ("path", "body", "name", "bound"),
    [
        pytest.param(
            "/__admin/warm",
            {"zips": ["90011"] * (MAX_ZIPS + 1)},
            "zips",
            f"1 to {MAX_ZIPS} zips",
            id="warm-zips",
        ),
        pytest.param(
            "/__admin/preview",
            {"zips": ["90011"] * (MAX_ZIPS + 1)},
            "zips",
            f"1 to {MAX_ZIPS} zips",
            id="preview-zips",
        ),
        pytest.param(
            "/__admin/preview",
            {"zips": ["90011"], "concurrency": list(range(1_000))},
            "concurrency",
            f"at most {MAX_CONCURRENCIES} values, got 1000",
            id="preview-concurrencies",
        ),
        pytest.param(
            "/__admin/preview",
            {"zips": ["90011"], "per_page": 501},
            "per_page",
            "between 0 and 500",
            id="jobs-per-page",
        ),
        pytest.param(
            "/__admin/preview",
            {"zips": ["90011"], "route": "search", "per_page": 501},
            "per_page",
            "between 0 and 500",
            id="search-per-page",
        ),
    ],
)
async def test_oversized_workloads_are_400_with_the_bound(
    client: TestClient, path: str, body: Any, name: str, bound: str
) -> None:
    status, answer = await post(client, path, body)
    assert status == 400
    assert answer["parameter"] == name
    assert bound in answer["message"]
