"""The request journal: what it records, how it is read and filtered, bounded and reset.

Requests go over real sockets to the real app (aiohttp's TestClient, or a `LiveServer` for
`requests`); the journal's own clock is injected where a test needs exact times.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, make_mocked_request

from server.accounting.journal import COMMON_BYTES, DEFAULT_BYTES, MAX_TEXT, WORST_ENTRY_BYTES
from server.admin.journal import JournalQuery, parse_query
from server.app import JsonRouter, create_app, get_journal, guard
from server.config.parser import parse_config
from server.errors import BadParameter
from server.state import STATE
from tests.helpers import POLL_DEADLINE, asker, stats_of, wait_for_stats

ZIP, OTHER = "90011", "60629"
JOBS = f"/api/jobs?LocationId={ZIP}&NumberOfJobs=2"
SEARCH = f"/api/search?LocationName={OTHER}&ResultsPerPage=1"
FEW_SECONDS = aiohttp.ClientTimeout(total=5)
AioClient = Callable[..., Awaitable[TestClient]]


async def fetch(client: TestClient, path: str, **kwargs: Any) -> tuple[int, bytes]:
    async with client.get(path, timeout=FEW_SECONDS, **kwargs) as response:
        return response.status, await response.read()


async def journal_of(client: TestClient, query: str = "") -> dict[str, Any]:
    async with client.get(f"/__admin/journal{query}") as response:
        assert response.status == 200, await response.text()
        assert response.content_type == "application/json"
        document: dict[str, Any] = await response.json()
    return document


async def make_journal_client(aiohttp_client: AioClient, size: int, **document: Any) -> TestClient:
    return await aiohttp_client(create_app(parse_config(document), journal_size=size))


# --- what an entry records ---------------------------------------------------------------


async def test_every_api_request_is_an_entry_with_its_figures(client: TestClient) -> None:
    first = await fetch(client, JOBS, headers={"X-Client": "run-7/asyncio"})
    await fetch(client, JOBS)
    await fetch(client, SEARCH)
    await fetch(client, "/api/jobs?LocationId=nope")
    await fetch(client, "/health")  # not an API route: not journaled
    document = await journal_of(client)
    entries = document["entries"]
    assert [e["seq"] for e in entries] == [1, 2, 3, 4]
    assert [(e["route"], e["zip"], e["attempt"], e["status"]) for e in entries] == [
        ("jobs", ZIP, 0, 200), ("jobs", ZIP, 1, 200), ("search", OTHER, 0, 200),
        ("jobs", None, None, 400),
    ]  # fmt: skip
    assert entries[0]["bytes"] == len(first[1])
    assert entries[0]["client"] == "run-7/asyncio" and entries[1]["client"] is None
    assert {e["peer"] for e in entries} == {"127.0.0.1"}
    assert all(isinstance(e["port"], int) for e in entries)
    assert all(e["fault"] is None and e["intended"] == 0.0 == e["queue_wait"] for e in entries)
    for entry in entries:
        assert 0.0 <= entry["arrival"] <= entry["start"] <= entry["end"] <= document["now"]
    assert [e["arrival"] for e in entries] == sorted(e["arrival"] for e in entries)
    assert (document["dropped"], document["size"], document["next"]) == (0, 1_000_000, 4)
    assert document["tag"] is None


async def test_intended_delay_and_queue_wait(client: TestClient, put_scenario: Any) -> None:
    fixed = {"model": "fixed", "value": 0.05}
    await put_scenario(
        client, {"server": {"latency": fixed, "capacity": {"workers": 1, "queue": 4}}}
    )
    await asyncio.gather(fetch(client, JOBS), fetch(client, SEARCH))
    entries = (await journal_of(client))["entries"]
    assert sorted(e["intended"] for e in entries) == [0.05, 0.05]
    waited = max(entries, key=lambda e: e["queue_wait"])
    assert waited["queue_wait"] > 0  # the second waited for the only worker
    assert waited["start"] == pytest.approx(waited["arrival"] + waited["queue_wait"], abs=2e-6)
    assert all(e["end"] - e["start"] >= 0.05 - 0.002 for e in entries)


@pytest.mark.parametrize(
    ("fault", "status"),
    [
        pytest.param("error_500", 500, id="500"),
        pytest.param("error_503", 503, id="503"),
        pytest.param("malformed", 200, id="malformed"),
        pytest.param("reset", "reset", id="reset"),
        pytest.param("truncate", "reset", id="truncate"),
    ],
)
async def test_faults_show_the_status_the_client_got(
    client: TestClient, put_scenario: Any, fault: str, status: int | str
) -> None:
    await put_scenario(client, {"server": {"faults": {fault: 1.0}}})
    with contextlib.suppress(aiohttp.ClientError):  # a reset or a truncated body: the
        await fetch(client, JOBS)  # client's view is not under test here
    entries = await wait_for_entries(client, 1)
    assert (entries[0]["status"], entries[0]["fault"]) == (status, fault)
    assert entries[0]["attempt"] == 0 and entries[0]["zip"] == ZIP


async def test_rate_limited_and_unauthorised_requests_are_journaled(
    client: TestClient, put_scenario: Any
) -> None:
    limit = {"rate": 0.001, "burst": 1}
    await put_scenario(client, {"server": {"rate_limit": limit, "require_key": True}})
    assert (await fetch(client, JOBS))[0] == 200
    assert (await fetch(client, JOBS))[0] == 429
    assert (await fetch(client, SEARCH))[0] == 401
    entries = (await journal_of(client))["entries"]
    assert [(e["status"], e["zip"], e["attempt"]) for e in entries] == [
        (200, ZIP, 0), (429, ZIP, None), (401, None, None),
    ]  # fmt: skip


# --- reading it: filters, since/next, NDJSON -------------------------------------------------


async def test_filters_and_limit(client: TestClient, put_scenario: Any) -> None:
    await put_scenario(client, {"server": {"zips": {OTHER: {"faults": {"error_500": 1.0}}}}})
    for path in (JOBS, SEARCH, JOBS, f"/api/jobs?LocationId={OTHER}", SEARCH):
        await fetch(client, path)
    seqs = {
        "?zip=90011": [1, 3],
        "?route=search": [2, 5],
        "?status=500": [2, 4, 5],
        "?status=error_500": [2, 4, 5],
        "?status=200&route=jobs": [1, 3],
        "?since=3": [4, 5],
        "?since=99": [],
    }
    for query, expected in seqs.items():
        assert [e["seq"] for e in (await journal_of(client, query))["entries"]] == expected, query
    limited = await journal_of(client, "?status=500&limit=2")
    assert [e["seq"] for e in limited["entries"]] == [2, 4]
    assert limited["next"] == 4  # continue with since=4
    rest = await journal_of(client, f"?status=500&since={limited['next']}")
    assert [e["seq"] for e in rest["entries"]] == [5]
    assert rest["next"] == 5
    assert (await journal_of(client, "?limit=0"))["entries"] == []


async def test_polling_with_since_sees_every_entry_once(client: TestClient) -> None:
    seen: list[int] = []
    since = 0
    for round_ in range(4):
        await asyncio.gather(*(fetch(client, f"/api/jobs?LocationId={10000 + round_ * 10 + i:05d}")
                               for i in range(5)))  # fmt: skip
        document = await journal_of(client, f"?since={since}&limit=3")
        seen += [e["seq"] for e in document["entries"]]
        since = document["next"]
    while True:
        document = await journal_of(client, f"?since={since}")
        if not document["entries"]:
            break
        seen += [e["seq"] for e in document["entries"]]
        since = document["next"]
    assert seen == list(range(1, 21))


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        pytest.param("?since=-1", "since", id="since-negative"),
        pytest.param("?since=abc", "since", id="since-text"),
        pytest.param("?limit=1.5", "limit", id="limit-float"),
        pytest.param("?route=nope", "route", id="route"),
        pytest.param("?format=xml", "format", id="format"),
        pytest.param("?zip=", "zip", id="zip-empty"),
        pytest.param("?colour=red", "colour", id="unknown"),
    ],
)
async def test_a_bad_filter_is_a_400_naming_it(
    client: TestClient, query: str, parameter: str
) -> None:
    async with client.get(f"/__admin/journal{query}") as response:
        assert response.status == 400
        body = await response.json()
    assert body["parameter"] == parameter
    assert body["message"].startswith(f"{parameter}:")


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        pytest.param("?format=ndjson", {}, id="format"),
        pytest.param("", {"Accept": "application/x-ndjson"}, id="accept"),
    ],
)
async def test_ndjson_streams_one_entry_a_line(
    client: TestClient, query: str, headers: dict[str, str]
) -> None:
    for _ in range(3):
        await fetch(client, JOBS)
    async with client.get(f"/__admin/journal{query}", headers=headers) as response:
        assert response.status == 200
        assert response.content_type == "application/x-ndjson"
        lines = (await response.text()).splitlines()
        meta = {name: response.headers[f"X-Journal-{name}"] for name in ("Next", "Dropped", "Size")}
        tag = json.loads(response.headers["X-Journal-Tag"])
    assert [json.loads(line)["attempt"] for line in lines] == [0, 1, 2]
    assert meta == {"Next": "3", "Dropped": "0", "Size": "1000000"}
    assert tag is None


async def test_a_large_journal_streams_whole(aiohttp_client: AioClient) -> None:
    client = await make_journal_client(aiohttp_client, 10_000)
    stats = client.app[STATE].stats
    clock = client.app[STATE].clock
    for index in range(5_000):  # recorded directly: thousands of requests would only be slow
        now = clock()
        stats.finished(now, now, "jobs", f"{index:05d}", 0, 0.0, 0.0, 200, None, 10, asker())
    document = await journal_of(client)
    assert [e["zip"] for e in document["entries"]] == [f"{i:05d}" for i in range(5_000)]
    async with client.get("/__admin/journal?format=ndjson&route=jobs&limit=4500") as response:
        lines = (await response.text()).splitlines()
    assert len(lines) == 4_500 and json.loads(lines[-1])["seq"] == 4_500


# --- bounded, off, reset and tag -----------------------------------------------------------


async def test_a_full_journal_drops_the_oldest_and_says_how_many(
    aiohttp_client: AioClient,
) -> None:
    client = await make_journal_client(aiohttp_client, 3)
    for _ in range(5):
        await fetch(client, JOBS)
    document = await journal_of(client)
    assert [e["seq"] for e in document["entries"]] == [3, 4, 5]
    assert [e["attempt"] for e in document["entries"]] == [2, 3, 4]
    assert (document["dropped"], document["size"], document["next"]) == (2, 3, 5)
    assert [e["seq"] for e in (await journal_of(client, "?since=1"))["entries"]] == [3, 4, 5]
    stats = await stats_of(client)
    held = stats["journal"].pop("bytes")
    assert stats["journal"] == {
        "size": 3, "budget": DEFAULT_BYTES, "entries": 3, "recorded": 5, "dropped": 2,
    }  # fmt: skip
    assert 3 * COMMON_BYTES < held < 3 * WORST_ENTRY_BYTES


async def test_the_byte_budget_bounds_a_journal_of_long_headers(
    aiohttp_client: AioClient,
) -> None:
    budget = 16 * 1024
    client = await aiohttp_client(create_app(parse_config({}), journal_bytes=budget))
    for index in range(40):
        await fetch(client, JOBS, headers={"X-Client": f"{index:03d}" + "x" * 8_000})
    document = await journal_of(client)
    assert (document["budget"], document["size"]) == (budget, 1_000_000)
    assert 0 < document["bytes"] <= budget and document["dropped"] > 0
    entries = document["entries"]
    assert len(entries) + document["dropped"] == 40 and entries[-1]["seq"] == 40
    assert all(len(e["client"]) == MAX_TEXT and e["client"].endswith("…") for e in entries)


async def test_size_zero_turns_it_off(aiohttp_client: AioClient) -> None:
    client = await make_journal_client(aiohttp_client, 0)
    assert (await fetch(client, JOBS))[0] == 200
    document = await journal_of(client)
    assert (document["entries"], document["size"], document["next"]) == ([], 0, 0)
    stats = await stats_of(client)
    assert stats["connections"] is None and "journal" not in stats
    assert stats["requests"] == 1


async def test_reset_clears_it_and_tags_the_run(client: TestClient) -> None:
    await fetch(client, JOBS)
    async with client.post("/__admin/reset", json={"tag": "sweep 3/asyncio"}) as response:
        assert response.status == 200
        assert await response.json() == {"reset": True, "tag": "sweep 3/asyncio", "now": 0.0}
    document = await journal_of(client)
    assert (document["entries"], document["next"], document["tag"]) == ([], 0, "sweep 3/asyncio")
    await fetch(client, JOBS)
    entries = (await journal_of(client))["entries"]
    assert [(e["seq"], e["attempt"]) for e in entries] == [(1, 0)]  # counters start again
    async with client.post("/__admin/reset") as response:  # no body: still fine, tag cleared
        assert await response.json() == {"reset": True}
    assert (await journal_of(client))["tag"] is None


@pytest.mark.parametrize(
    ("body", "key"),
    [
        pytest.param(b"{not json", "body", id="not-json"),
        pytest.param(b"[1, 2]", "body", id="not-object"),
        pytest.param(b'{"tag": 5}', "tag", id="tag-number"),
        pytest.param(b'{"tag": null}', "tag", id="tag-null"),
        pytest.param(b'{"tag": ""}', "tag", id="tag-empty"),
        pytest.param(json.dumps({"tag": "x" * 201}).encode(), "tag", id="tag-long"),
        pytest.param(b'{"tag": "a", "colour": 1}', "colour", id="unknown-key"),
    ],
)
async def test_a_bad_reset_body_is_a_400_naming_the_key(
    client: TestClient, body: bytes, key: str
) -> None:
    await fetch(client, JOBS)
    async with client.post("/__admin/reset", data=body) as response:
        assert response.status == 400
        answer = await response.json()
    assert answer["key"] == key and answer["message"].startswith(f"{key}:")
    assert len((await journal_of(client))["entries"]) == 1  # nothing was reset


# --- figures in /__admin/stats ----------------------------------------------------------------


async def test_stats_show_connections_and_the_most_in_flight(
    client: TestClient, put_scenario: Any
) -> None:
    for _ in range(4):  # one keep-alive session: one connection
        await fetch(client, JOBS)
    stats = await stats_of(client)
    assert (stats["connections"], stats["requests_per_connection"]) == (1, 4.0)
    assert stats["max_in_flight"] == 1
    await put_scenario(client, {"server": {"latency": {"model": "fixed", "value": 0.3}}})
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(force_close=True)
    ) as session:  # a connection per request
        base = str(client.make_url(""))
        tasks = [asyncio.create_task(session.get(base + JOBS)) for _ in range(5)]
        await wait_for_stats(client, lambda s: s["in_flight"] == 5)
        for response in await asyncio.gather(*tasks):
            response.release()
    stats = await stats_of(client)
    assert stats["max_in_flight"] == 5
    assert stats["connections"] == 6 and stats["requests_per_connection"] == pytest.approx(1.5)


async def wait_for_entries(client: TestClient, count: int) -> list[dict[str, Any]]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + POLL_DEADLINE
    while len(entries := (await journal_of(client))["entries"]) < count:
        assert loop.time() < deadline, f"the journal never had {count} entries: {entries}"
        await asyncio.sleep(0.01)
    return entries


# --- loopback only, OpenAPI ------------------------------------------------------------------


async def test_the_journal_answers_loopback_peers_only() -> None:
    app = create_app()
    remote = make_mocked_request("GET", "/__admin/journal", app=app).clone(remote="203.0.113.5")
    response = await guard(remote, get_journal)
    assert response.status == 403
    unknown = make_mocked_request("GET", "/__admin/nothing", app=app).clone(remote="203.0.113.5")
    match = await JsonRouter.resolve(app.router, unknown)  # type: ignore[arg-type]
    assert match.http_exception is not None and match.http_exception.status == 403


async def test_openapi_documents_the_journal_and_the_reset_body(client: TestClient) -> None:
    async with client.get("/openapi.json") as response:
        document = await response.json()
    journal = document["paths"]["/__admin/journal"]["get"]
    assert {p["name"] for p in journal["parameters"]} == {
        "zip", "route", "status", "since", "limit", "format",
    }  # fmt: skip
    assert "requestBody" in document["paths"]["/__admin/reset"]["post"]


def test_parse_query_defaults_and_accept() -> None:
    assert parse_query({}) == JournalQuery()
    assert parse_query({}, "application/x-ndjson").ndjson
    assert not parse_query({"format": "json"}, "application/x-ndjson").ndjson
    query = parse_query({"since": "5", "limit": "2", "status": "reset", "zip": ZIP})
    assert (query.since, query.limit, query.status, query.zip) == (5, 2, "reset", ZIP)
    with pytest.raises(BadParameter, match="since"):
        parse_query({"since": "１"})  # a full-width digit is not an ASCII integer


# --- filters read as the API reads them ----------------------------------------------------

PLACES = [
    pytest.param("Washington, DC", id="city-state"),
    pytest.param("São Paulo\u00a0SP", id="no-break-space"),  # not str.isprintable()
    pytest.param("Family \U0001f468\u200d\U0001f469", id="zero-width-joiner"),  # nor this
    pytest.param("  Springfield  ", id="spaces-around"),  # the API drops them; so does the filter
    pytest.param("x" * 200, id="longest"),
]


@pytest.mark.parametrize("place", PLACES)
async def test_a_place_name_the_search_api_accepts_is_a_journal_filter(
    client: TestClient, place: str
) -> None:
    status, _ = await fetch(client, "/api/search", params={"LocationName": place})
    assert status == 200
    await fetch(client, "/api/search", params={"LocationName": "90011"})
    async with client.get("/__admin/journal", params={"zip": place}) as response:
        assert response.status == 200, await response.text()
        entries = (await response.json())["entries"]
    assert [e["zip"] for e in entries] == [place.strip(" ")]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("1\u0011", id="c0"),
        pytest.param("a\u0085b", id="c1"),
        pytest.param("\u007f", id="del"),
        pytest.param("x" * 201, id="too-long"),
    ],
)
async def test_a_filter_or_tag_with_a_control_character_is_a_400_naming_it(
    client: TestClient, text: str
) -> None:
    for name in ("zip", "status"):
        async with client.get("/__admin/journal", params={name: text}) as response:
            assert response.status == 400
            assert (await response.json())["parameter"] == name
    async with client.post("/__admin/reset", json={"tag": text}) as response:
        assert response.status == 400
        assert (await response.json())["key"] == "tag"
