"""The talk's block.py: one zip after another with `requests`."""

from __future__ import annotations

import time
from collections.abc import Sequence

import requests

from ..arrivals import Due, planned
from ..policy import Policy
from ..progress import Progress
from ..records import Attempt, ClientSettings
from ._sync import fetch_zip, requests_getter, when_due


def run(
    zips: Sequence[str], base_url: str, settings: ClientSettings, progress: Progress
) -> list[Attempt]:
    """Ask for every zip in turn; `shared_session` keeps one connection alive between them."""
    t0 = time.perf_counter()

    def clock() -> float:
        return time.perf_counter() - t0

    session = requests.Session() if settings.shared_session else None
    get = requests_getter(session or requests, progress.mark)
    policy = Policy(settings, clock)
    attempts: list[Attempt] = []

    def one(due: Due) -> None:  # open loop: one at a time, each as soon as it can (or is due)
        attempts.extend(fetch_zip(get, base_url, settings, due.zip, clock, policy, due=due))
        progress.tick()

    try:
        if settings.open_loop:
            when_due(planned(settings, zips), one, clock)
        for zip_code in zips if not settings.open_loop else ():
            attempts += fetch_zip(get, base_url, settings, zip_code, clock, policy)
            progress.tick()
    finally:
        progress.budget_denied = policy.denied
        if session is not None:
            session.close()
    return attempts
