"""The timeline's in-flight strips and blocked-loop marks in headless Chromium (skipped, with
the reason, without it): two clients' strips on one y-axis by default and each on its own after
the switch, a blocked loop's stretch shaded with its title, and a screenshot of the panel under
results/artifacts/report/inflight/."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from clients.records import Block, LoopLag, Stall
from tests import builders
from tests.clients.report.test_browser import ARTIFACTS, LAPTOP, Opened
from tests.clients.report.test_browser import browser as browser  # the fixtures
from tests.clients.report.test_browser import open_report as open_report

pytestmark = pytest.mark.slow

LAG = LoopLag(0.1, 0.12, 12, 0.025, 0.12, (Stall("mine.py:12 main", "time.sleep", 0.12),),
              (Block(0.1, 0.22, "mine.py:12 main"),))  # fmt: skip


def ymax(opened: Opened, client: str) -> str:
    """The top of a client's in-flight axis, as the page drew it."""
    value: str = opened.page.get_attribute(
        f'[data-panel="timeline"] [data-client="{client}"] .inflight svg', "data-ymax"
    )
    return value


def test_in_flight_shares_an_axis_until_switched_and_a_blocked_loop_is_marked(
    open_report: Callable[..., Opened],
) -> None:
    runs = [builders.blocking(), replace(builders.asyncio_run(), loop_lag=LAG)]
    opened = open_report(builders.compare_doc(runs=runs), LAPTOP)
    page = opened.page
    assert opened.problems == [] and page.evaluate("window.asyncReport.errors") == []
    assert ymax(opened, "blocking") == ymax(opened, "asyncio") == "6"  # asyncio: every zip at once
    label = page.locator('[data-panel="timeline"] [data-client="blocking"] .inflight .ymax')
    assert label.text_content() == "6 (most of any)"
    marks = page.locator('[data-panel="timeline"] [data-client="asyncio"] rect.blocked title')
    assert marks.all_text_contents() == ["loop blocked 120 ms at mine.py:12 main"]
    unblocked = page.locator('[data-panel="timeline"] [data-client="blocking"] rect.blocked')
    assert unblocked.count() == 0
    panel = page.locator('[data-panel="timeline"]')
    folder = ARTIFACTS / "inflight"
    folder.mkdir(parents=True, exist_ok=True)
    page.add_style_tag(content="header { position: static; }")
    panel.screenshot(path=str(folder / "shared.png"))
    page.check("#inflight-own")
    assert (ymax(opened, "blocking"), ymax(opened, "asyncio")) == ("1", "6")
    assert label.text_content() == "1 (its own most)"
    panel.screenshot(path=str(folder / "own.png"))
    page.uncheck("#inflight-own")
    assert ymax(opened, "blocking") == "6"
    assert opened.problems == []
