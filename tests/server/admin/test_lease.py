"""The server's exclusive lease: one run at a time holds it, renews it, releases it; a lease
not renewed expires (on the app's injected clock, so nothing sleeps); while it is held, admin
changes from anyone else are refused with 409 naming the holder."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, make_mocked_request

from server.admin.lease import parse_holder, parse_ttl
from server.app import create_app, guard
from server.errors import BadParameter
from tests.helpers import HOLDER, OTHER_HOLDER, FakeClock

ZIP = "90011"


Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def clocked(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]],
) -> tuple[Client, FakeClock]:
    clock = FakeClock(100.0)
    return await aiohttp_client(create_app(clock=clock)), clock


async def call(
    client: Client, method: str, path: str, *, token: str | None = None, **kwargs: Any
) -> tuple[int, Any]:
    headers = {"X-Lease": token} if token is not None else {}
    async with client.request(method, path, headers=headers, **kwargs) as response:
        return response.status, await response.json()


async def take(client: Client, holder: dict[str, Any] = HOLDER, **body: Any) -> str:
    status, granted = await call(client, "POST", "/__admin/lease", json={"holder": holder, **body})
    assert status == 200, granted
    token: str = granted["token"]
    return token


@pytest.mark.parametrize(
    ("holder", "name"),
    [
        pytest.param(None, "holder", id="missing"),
        pytest.param([1], "holder", id="not-an-object"),
        pytest.param({"pid": 1}, "holder.scenario", id="no-scenario"),
        pytest.param({"scenario": "q"}, "holder.pid", id="no-pid"),
        pytest.param({"scenario": " ", "pid": 1}, "holder.scenario", id="blank-scenario"),
        pytest.param({"scenario": "q", "pid": "1"}, "holder.pid", id="pid-text"),
        pytest.param({"scenario": "q", "pid": True}, "holder.pid", id="pid-bool"),
        pytest.param({"scenario": "q", "pid": -1}, "holder.pid", id="pid-negative"),
        pytest.param({"scenario": "q" * 201, "pid": 1}, "holder.scenario", id="long-scenario"),
        pytest.param({"scenario": "q", "pid": 1, "x": [1]}, "holder.x", id="extra-list"),
        pytest.param({"scenario": "q", "pid": 1, "x": float("nan")}, "holder.x", id="nan"),
        pytest.param({"scenario": "q", "pid": 1, **{f"k{i}": i for i in range(15)}}, "holder"),
    ],
)
def test_bad_holder_names_the_field(holder: Any, name: str) -> None:
    with pytest.raises(BadParameter) as error:
        parse_holder(holder)
    assert error.value.name == name


@pytest.mark.parametrize("ttl", [0, 0.5, 3601, float("nan"), float("inf"), "15", True, [15]])
def test_bad_ttl_gives_the_bounds(ttl: Any) -> None:
    with pytest.raises(BadParameter) as error:
        parse_ttl(ttl)
    assert error.value.name == "ttl"


# --- over HTTP -----------------------------------------------------------------------------


async def test_take_renew_release_over_http(clocked: tuple[Client, FakeClock]) -> None:
    client, clock = clocked
    status, state = await call(client, "GET", "/__admin/lease")
    assert (status, state) == (
        200,
        {"held": False, "holder": None, "since": None, "expires_in": None},
    )

    status, granted = await call(
        client, "POST", "/__admin/lease", json={"holder": HOLDER, "ttl": 30}
    )
    assert status == 200
    assert set(granted) >= {"token", "holder", "since", "expires_in"}
    assert granted["holder"] == HOLDER
    assert granted["expires_in"] == 30
    token = granted["token"]

    status, state = await call(client, "GET", "/__admin/lease")
    assert status == 200
    assert state["held"] is True and state["holder"] == HOLDER and "token" not in state

    clock.now += 20
    status, renewed = await call(client, "PUT", "/__admin/lease", token=token, json={"ttl": 60})
    assert status == 200
    assert renewed["token"] == token and renewed["expires_in"] == 60
    clock.now += 50
    status, renewed = await call(client, "PUT", "/__admin/lease", token=token)  # no body
    assert status == 200 and renewed["expires_in"] == 60  # its ttl again

    status, released = await call(client, "DELETE", "/__admin/lease", token=token)
    assert status == 200 and released["released"] is True
    status, again = await call(client, "DELETE", "/__admin/lease", token=token)
    assert status == 409 and again["held"] is False  # a lease released twice: said, not hidden
    assert (await call(client, "GET", "/__admin/lease"))[1]["held"] is False


async def test_a_second_run_is_refused_naming_the_first(clocked: tuple[Client, FakeClock]) -> None:
    client, clock = clocked
    await take(client, ttl=15)
    clock.now += 5
    status, body = await call(client, "POST", "/__admin/lease", json={"holder": OTHER_HOLDER})
    assert status == 409
    assert body["message"].startswith("held by quick (pid 4242) since ")
    assert body["message"].endswith("expires in 10 s")
    assert body["holder"] == HOLDER
    assert body["expires_in"] == 10
    assert isinstance(body["since"], float)


async def test_an_unrenewed_lease_expires_for_the_next_run(
    clocked: tuple[Client, FakeClock],
) -> None:
    client, clock = clocked
    first = await take(client, ttl=15)
    clock.now += 15.001
    assert (await call(client, "GET", "/__admin/lease"))[1]["held"] is False
    second = await take(client, OTHER_HOLDER)
    assert second != first
    status, body = await call(client, "PUT", "/__admin/lease", token=first)
    assert status == 409
    assert body["holder"] == OTHER_HOLDER  # the lost holder learns who has the server now
    status, body = await call(client, "PUT", "/__admin/lease", token="no-such-token")
    assert status == 409


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        pytest.param("PUT", "/__admin/scenario", {"speed": 2}, id="scenario"),
        pytest.param("POST", "/__admin/reset", None, id="reset"),
        pytest.param("POST", "/__admin/warm", {"zips": [ZIP]}, id="warm"),
    ],
)
async def test_admin_changes_need_the_lease_while_it_is_held(
    clocked: tuple[Client, FakeClock], method: str, path: str, body: Any
) -> None:
    client, _ = clocked
    status, _answer = await call(client, method, path, json=body)
    assert status == 200  # no lease: as before leases existed
    token = await take(client)
    for shown in (None, "", "wrong-token"):
        status, refused = await call(client, method, path, token=shown, json=body)
        assert status == 409, refused
        assert "held by quick (pid 4242)" in refused["message"]
        assert refused["holder"] == HOLDER
    status, answer = await call(client, method, path, token=token, json=body)
    assert status == 200, answer


async def test_a_stale_token_is_refused_even_on_a_free_server(
    clocked: tuple[Client, FakeClock],
) -> None:
    client, clock = clocked
    token = await take(client, ttl=5)
    clock.now += 6
    status, body = await call(client, "POST", "/__admin/reset", token=token)
    assert status == 409  # its run may have been disturbed while it was not looking
    assert "no lease is held" in body["message"]
    assert (await call(client, "POST", "/__admin/reset"))[0] == 200


async def test_reads_and_dry_runs_stay_open_while_the_lease_is_held(
    clocked: tuple[Client, FakeClock],
) -> None:
    client, _ = clocked
    await take(client)
    for path in (
        "/health",
        "/__admin/stats",
        "/__admin/scenario",
        "/__admin/lease",
        f"/__admin/preview?zips={ZIP}",
        f"/api/jobs?LocationId={ZIP}",
    ):
        async with client.get(path) as response:
            assert response.status == 200, path
    async with client.get("/metrics") as response:
        assert response.status == 200
    status, body = await call(client, "POST", "/__admin/preview", json={"zips": [ZIP]})
    assert status == 200, body
    status, body = await call(client, "PUT", "/__admin/scenario?dry_run=1", json={"speed": 2})
    assert status == 200, body
    assert (await call(client, "GET", "/__admin/scenario"))[1]["speed"] == 1.0  # unchanged


async def test_reset_and_scenario_changes_keep_the_lease(
    clocked: tuple[Client, FakeClock],
) -> None:
    client, _ = clocked
    token = await take(client)
    assert (await call(client, "POST", "/__admin/reset", token=token))[0] == 200
    assert (await call(client, "PUT", "/__admin/scenario", token=token, json={}))[0] == 200
    assert (await call(client, "GET", "/__admin/lease"))[1]["held"] is True


@pytest.mark.parametrize(
    ("method", "body", "name", "words"),
    [
        pytest.param("POST", {}, "holder", "", id="no-holder"),
        pytest.param("POST", {"holder": {"pid": 1}}, "holder.scenario", "required", id="no-name"),
        pytest.param("POST", {"holder": HOLDER, "ttl": 0}, "ttl", "1 to 3600", id="ttl-0"),
        pytest.param("POST", {"holder": HOLDER, "ttl": 4000}, "ttl", "1 to 3600", id="ttl-big"),
        pytest.param("POST", {"holder": HOLDER, "tll": 5}, "tll", "did you mean 'ttl'", id="typo"),
        pytest.param("POST", [HOLDER], "body", "JSON object", id="array"),
        pytest.param("PUT", {"ttl": "x"}, "ttl", "number", id="renew-ttl"),
    ],
)
async def test_bad_lease_requests_are_400_naming_the_field(
    client: Client, method: str, body: Any, name: str, words: str
) -> None:
    status, answer = await call(client, method, "/__admin/lease", json=body)
    assert status == 400, answer
    assert answer["parameter"] == name
    assert words in answer["message"]


async def test_invalid_json_lease_body_is_400(client: Client) -> None:
    async with client.post("/__admin/lease", data=b"{nope") as response:
        assert response.status == 400
        assert (await response.json())["parameter"] == "body"


async def test_the_lease_is_in_the_openapi_document(client: Client) -> None:
    async with client.get("/openapi.json") as response:
        paths = (await response.json())["paths"]
    assert set(paths["/__admin/lease"]) == {"get", "post", "put", "delete"}
    assert "409" in paths["/__admin/lease"]["post"]["responses"]


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
async def test_the_lease_answers_loopback_peers_only(method: str) -> None:
    app = create_app()
    calls: list[str] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        calls.append(request.path)
        return web.json_response({})

    request = make_mocked_request(method, "/__admin/lease", app=app).clone(remote="203.0.113.5")
    response = await guard(request, handler)
    assert response.status == 403
    assert isinstance(response, web.Response) and response.text is not None
    assert "loopback" in json.loads(response.text)["message"]
    assert calls == []


async def test_a_non_holder_hears_about_the_lease_before_its_body_is_judged(
    clocked: tuple[Client, FakeClock],
) -> None:
    client, _ = clocked
    await take(client)
    status, body = await call(client, "PUT", "/__admin/scenario", json={"speed": -1})
    assert status == 409 and body["holder"] == HOLDER
    status, body = await call(client, "POST", "/__admin/warm", json={"zips": []})
    assert status == 409 and body["holder"] == HOLDER
    status, body = await call(client, "PUT", "/__admin/scenario?dry_run=1", json={"speed": -1})
    assert status == 400 and body["key"] == "speed"  # a dry run changes nothing: judged


async def test_a_holder_with_any_small_extras_is_accepted(client: Client) -> None:
    holder = {**HOLDER, "": "empty key", "host": "box", "n": 5, "x": 1.5, "ok": True}
    status, granted = await call(client, "POST", "/__admin/lease", json={"holder": holder})
    assert status == 200 and granted["holder"] == holder
