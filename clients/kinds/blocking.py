"""The talk's block.py: one zip after another with `requests`."""

from __future__ import annotations

import time
from collections.abc import Sequence

import requests

from ..policy import Policy
from ..progress import Progress
from ..records import Attempt, ClientSettings
from ._sync import fetch_zip, requests_getter


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
    try:
        for zip_code in zips:
            attempts += fetch_zip(get, base_url, settings, zip_code, clock, policy)
            progress.tick()
    finally:
        progress.budget_denied = policy.denied
        if session is not None:
            session.close()
    return attempts
