"""httpx2 (2026's "next generation" httpx, on httpcore2): the httpx client's very code with
the other library. Optional: a row is skipped where httpx2 is not installed."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from ..progress import Progress
from ..records import Attempt, ClientSettings
from ._optional import need
from .httpx import fetch_all


def run(
    zips: Sequence[str], base_url: str, settings: ClientSettings, progress: Progress
) -> list[Attempt]:
    """Run the httpx fan-out with httpx2 on the standard asyncio loop."""
    lib = need("httpx2")
    return asyncio.run(fetch_all(zips, base_url, settings, progress, lib))
