"""The attempt counter: exact, and bounded to the most recently asked keys — alone, in the
server's state and in a live server."""

from __future__ import annotations

import requests

from server.accounting.attempts import MAX_ATTEMPT_KEYS, AttemptCounter
from server.config.parser import parse_config
from server.state import State
from tests.helpers import LiveServer

# --- the attempt counter is bounded ---------------------------------------------------------


def test_the_attempt_counter_forgets_the_least_recently_asked_key() -> None:
    counter = AttemptCounter(limit=3)
    assert [counter.next("search", name) for name in ("a", "b", "c", "a")] == [0, 0, 0, 1]
    assert counter.next("search", "d") == 0  # over the limit: "b" was asked least recently
    assert (len(counter), counter.forgotten) == (3, 1)
    assert counter.next("search", "a") == 2  # kept: it was asked recently
    assert counter.next("search", "b") == 0  # forgotten: counts from 0 again, as after a reset
    counter.clear()
    assert (len(counter), counter.forgotten, counter.next("search", "a")) == (0, 0, 0)


def test_the_servers_attempt_counter_is_bounded() -> None:
    state = State(parse_config({}))
    assert state.attempts.limit == MAX_ATTEMPT_KEYS
    state.attempts.limit = 100  # the real bound, made small enough to reach
    for index in range(250):
        state.next_attempt("search", f"Place {index}, ST")
    assert len(state.attempts) == 100
    assert state.stats.snapshot()["attempt_keys"] == {
        "kept": 100,
        "limit_per_route": 100,
        "forgotten": 150,
    }


def test_search_place_names_do_not_grow_memory_without_bound(live_server: LiveServer) -> None:
    live_server.state.attempts.limit = 20
    with requests.Session() as session:
        for index in range(50):
            url = f"{live_server.url}/api/search?LocationName=Town {index}&ResultsPerPage=0"
            assert session.get(url, timeout=10).status_code == 200
    stats = live_server.get("/__admin/stats").json()
    assert stats["attempt_keys"] == {"kept": 20, "limit_per_route": 20, "forgotten": 30}
