"""The browser row: headless Chromium runs the server's `/demo` page (the talk's async.html).

The page does the fan-out with `fetch` and `Promise.all`; Playwright only starts Chromium and
reads the result. CPU and memory are the browser processes' own, taken from /proc around the
fan-out, so Chromium's start-up is not counted. The browser does not retry.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from typing import Any

from .. import resources
from ..errors import ClientUnavailable
from ..progress import Progress
from ..protocol import pack_lanes
from ..records import Attempt, ClientSettings, Usage

# Flags for a closed, offline machine: no sandbox as root, and no calls home.
CHROMIUM_FLAGS = (
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)  # fmt: skip


def chromium_path() -> str:
    """Debian's Chromium (or one named by CHROMIUM on PATH); ClientUnavailable if none."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise ClientUnavailable(
        "Chromium not installed (Debian: apt-get install chromium; or Playwright's own: "
        "python -m playwright install chromium)"
    )


def _usage(before: resources.Snapshot | None, after: resources.Snapshot | None,
           wall: float) -> Usage:  # fmt: skip
    if before is None or after is None:
        return Usage(mem=0, utime=0.0, stime=0.0, time=wall)
    return Usage(
        mem=max(0, after.rss - before.rss),
        utime=after.utime - before.utime,
        stime=after.stime - before.stime,
        time=wall,
        peak_threads=after.threads,
    )


def run(
    zips: Sequence[str], base_url: str, settings: ClientSettings, progress: Progress
) -> list[Attempt]:
    """Open `/demo` in headless Chromium and run `window.fanout(zips)` there."""
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise ClientUnavailable(
            "playwright not installed (pip install 'asynchronicity[browser]')"
        ) from None
    options = {"api": settings.api, "timeout": settings.timeout / settings.speed,
               "per_page": settings.per_page}  # fmt: skip
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(extra_http_headers=progress.mark)  # same origin: no CORS
            page.goto(f"{base_url.rstrip('/')}/demo")
            before = resources.snapshot()
            result: dict[str, Any] = page.evaluate(
                "([zips, options]) => window.fanout(zips, options)", [list(zips), options]
            )
            after = resources.snapshot()
        finally:
            browser.close()
    progress.usage = _usage(before, after, float(result["wall"]))
    progress.done = len(zips)
    return pack_lanes([Attempt(**record) for record in result["attempts"]])
