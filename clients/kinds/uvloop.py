"""The asyncio client's very coroutine, on uvloop's event loop: one implementation, two loops."""

from __future__ import annotations

from collections.abc import Sequence

import uvloop

from ..progress import Progress
from ..records import Attempt, ClientSettings
from ._split import run_split
from .asyncio import fetch_all


def run(
    zips: Sequence[str], base_url: str, settings: ClientSettings, progress: Progress
) -> list[Attempt]:
    """Run `clients.asyncio_client.fetch_all` on uvloop (one in each of `processes`)."""
    if settings.processes > 1:
        return run_split(zips, base_url, settings, progress)
    return uvloop.run(fetch_all(zips, base_url, settings, progress))
