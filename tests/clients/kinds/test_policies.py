"""Retry budgets and hedges against the real server: what each client counts is what the
server's journal saw, for the async request loop and the blocking one alike."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest
import requests

from clients.kinds import loader
from clients.progress import Progress
from clients.protocol import total_jobs
from clients.records import CANCELLED, Attempt, ClientSettings
from clients.results.summary import count_outcomes
from clients.zipsets import MEMPY_2015
from tests.helpers import LiveServer, configure, jobs_in, poll_stats

ZIPS = list(MEMPY_2015[:12])
NEAR_TIE = 0.05  # seconds: two answers this close may reach the client in either order
LOOPS = [  # one of each request loop: the async one (two libraries) and the blocking one
    pytest.param(ClientSettings(kind="asyncio"), id="asyncio"),
    pytest.param(ClientSettings(kind="httpx"), id="httpx"),
    pytest.param(ClientSettings(kind="blocking"), id="blocking"),
    pytest.param(ClientSettings(kind="threaded", concurrency=4), id="threaded-pool"),
]


def run(settings: ClientSettings, zips: Sequence[str], url: str) -> tuple[list[Attempt], int]:
    """One client run in this process: its attempts and the retries its budget refused."""
    progress = Progress()
    attempts = loader.load(settings.kind)(list(zips), url, settings, progress)
    assert progress.done == len(zips)
    return attempts, progress.budget_denied


def journal(server: LiveServer) -> list[dict[str, Any]]:
    """Every API request the server saw, once none is in flight any more."""
    poll_stats(server, lambda stats: not stats["in_flight"])
    entries: list[dict[str, Any]] = server.get("/__admin/journal").json()["entries"]
    return [e for e in entries if e["route"] == "jobs"]


@pytest.mark.parametrize("settings", LOOPS)
def test_a_retry_over_budget_is_not_sent_and_is_counted(
    live_server: LiveServer, settings: ClientSettings
) -> None:
    configure(live_server, faults={"error_503": 1.0})  # nothing ever succeeds
    budgeted = replace(settings, retries=5, backoff=0.0, budget_ratio=0.0, budget_min_per_s=0.5)
    attempts, denied = run(budgeted, ZIPS, live_server.url)  # a floor of 5 retries in 10 s
    seen = journal(live_server)
    counts = count_outcomes(attempts)
    assert len(seen) == counts.requests == len(ZIPS) + 5  # the floor's five, no more
    assert counts.retried == 5 and counts.failed == len(ZIPS)
    exhausted = sum(1 for z in ZIPS if sum(a.zip == z for a in attempts) == 6)
    assert denied == len(ZIPS) - exhausted  # every other zip stopped at a refused retry
    assert denied > 0


@pytest.mark.parametrize("settings", LOOPS)
def test_without_a_budget_every_retry_is_sent(
    live_server: LiveServer, settings: ClientSettings
) -> None:
    configure(live_server, faults={"error_503": 1.0})
    attempts, denied = run(replace(settings, retries=2, backoff=0.0), ZIPS[:4], live_server.url)
    assert denied == 0
    assert len(journal(live_server)) == len(attempts) == 4 * 3


@pytest.mark.parametrize("settings", LOOPS)
def test_hedges_are_counted_and_the_first_answer_wins(
    live_server: LiveServer, settings: ClientSettings
) -> None:
    """Every try slower than 0.15 s gets a second request; whichever answers first is the
    zip's answer and the other is abandoned — on the server's clock too."""
    live_server.put_scenario(
        {"seed": 3, "server": {"latency": {"model": "uniform", "low": 0.02, "high": 0.6}}}
    )
    requests.post(f"{live_server.url}/__admin/reset", timeout=10).raise_for_status()
    hedged = replace(settings, hedge=0.15, timeout=5.0)
    attempts, _ = run(hedged, ZIPS, live_server.url)
    seen = journal(live_server)
    assert total_jobs(attempts) == jobs_in(ZIPS, seed=3)
    # A hedge is a request the server sees — unless it was cancelled while still connecting.
    answered = [a for a in attempts if a.error != CANCELLED]
    assert len(answered) <= len(seen) <= len(attempts)
    hedges = [a for a in attempts if a.hedge]
    assert hedges and count_outcomes(attempts).retried == 0  # hedges are not retries
    assert len(hedges) >= sum(1 for e in seen if e["attempt"] == 1)
    won = lost = 0
    for hedge in hedges:
        first = next(a for a in attempts if a.zip == hedge.zip and not a.hedge)
        both = hedge.ok and first.ok  # both answers came in one turn of the loop, before the
        # winner's rival could be cancelled (seen on a loaded machine): the earlier one wins
        winner, loser = sorted((hedge, first), key=lambda a: (not a.ok, a.end))
        assert winner.ok and (both or loser.error == CANCELLED)  # one answer, the other abandoned
        entry = {e["attempt"]: e for e in seen if e["zip"] == hedge.zip}
        win, lose = entry[int(winner.hedge)], entry.get(int(loser.hedge))
        if lose is not None:  # the winner's answer was due first on the server's clock
            # (give or take a near tie, which the loop decides by the socket it reads first);
            # due, not sent: on a loaded machine the sending itself is late by any amount
            due = {side: e["arrival"] + e["intended"] for side, e in (("win", win), ("lose", lose))}
            assert due["win"] <= due["lose"] + NEAR_TIE
        won, lost = won + hedge.ok, lost + (not hedge.ok)
    assert won and lost  # seed 3 has zips of both kinds
    for a in attempts:
        if not a.hedge and a.zip not in {h.zip for h in hedges}:
            assert a.ok  # a quick try gets no hedge


def test_a_budget_also_refuses_hedges(live_server: LiveServer) -> None:
    configure(live_server, latency=0.3)
    settings = ClientSettings(kind="asyncio", hedge=0.05, timeout=5.0, budget_ratio=0.0,
                              budget_min_per_s=0.3)  # three hedges in 10 s  # fmt: skip
    attempts, denied = run(settings, ZIPS, live_server.url)
    assert sum(a.hedge for a in attempts) == 3
    assert denied == len(ZIPS) - 3
    assert len(journal(live_server)) == len(ZIPS) + 3
