"""The report in headless Chromium with the network off: no console errors, every panel drawn, a
train and a timeline per client, a tooltip on hover, zoom, pan and the shared axis, the sweep's
points leading to their tables; for results shaped like mempy-2015 and thundering-herd, the
page's height bounded, nothing wider than its panel at 1,366 px, a thread per zip as one band
that opens, long timelines folded until expanded, and a screenshot of each panel at 1,366 × 768
kept under results/artifacts/report/."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from clients.console import write_report
from clients.errors import ClientUnavailable
from clients.kinds.browser import CHROMIUM_FLAGS, chromium_path
from clients.records import ClientSettings, RunResult, RunState
from clients.report.html import render_report
from tests import builders, shapes
from tests.helpers import ROOT

pytestmark = pytest.mark.slow

ARTIFACTS = Path(os.environ.get("REPORT_ARTIFACTS", ROOT / "results" / "artifacts" / "report"))
CLIENTS = ("blocking", "threaded", "asyncio")
PANELS = ("summary", "table", "talk", "notes", "train", "timeline", "overtime", "latency")
# The issue measured 6,066 px for four clients on mempy-2015 (main measured 6,138 and 5,651 px
# for mempy-2015 and thundering-herd at 1,366 px); folded, both fit in about five screens.
MOST_HEIGHT = 4_500
LAPTOP = {"width": 1366, "height": 768}


class Opened:
    """A report open in a page, with what the page complained about and what it asked for."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.problems: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: self.problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.problems.append(str(e)))
        page.on("request", lambda r: self.requests.append(r.url))

    def range_of(self, panel: str, client: str) -> tuple[float, float]:
        """The time range a client's chart shows now."""
        text = self.page.get_attribute(
            f'[data-panel="{panel}"] [data-client="{client}"]', "data-range"
        )
        low, high = (float(v) for v in text.split(","))
        return low, high

    def canvas(self, panel: str, client: str) -> Any:
        """A client's canvas in a panel, scrolled to the middle of the window."""
        canvas = self.page.locator(f'[data-panel="{panel}"] [data-client="{client}"] canvas')
        canvas.evaluate("c => c.scrollIntoView({block: 'center'})")
        return canvas


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium through Playwright (skipped, with the reason, without either)."""
    try:
        executable = chromium_path()
    except ClientUnavailable as why:
        pytest.skip(str(why))
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def open_report(browser: Any, tmp_path: Path) -> Iterator[Callable[[dict[str, Any]], Opened]]:
    """`open_report(doc)`: the doc's report in an offline page, drawn."""
    contexts: list[Any] = []

    def open_(doc: dict[str, Any], viewport: dict[str, int] | None = None) -> Opened:
        path = write_report(doc, tmp_path / f"report-{len(contexts)}.html")
        size = viewport or {"width": 1280, "height": 900}
        context = browser.new_context(offline=True, viewport=size)
        contexts.append(context)
        opened = Opened(context.new_page())
        opened.page.goto(path.as_uri())
        opened.page.wait_for_function("window.asyncReport && window.asyncReport.ready")
        return opened

    yield open_
    for context in contexts:
        context.close()


def inked(canvas: Any) -> int:
    """How many pixels of a canvas were drawn on."""
    count: int = canvas.evaluate(
        "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; }"
    )
    return count


def test_every_panel_draws_offline_without_errors(open_report: Callable[..., Opened]) -> None:
    opened = open_report(builders.compare_doc("mempy-2015"), LAPTOP)
    page = opened.page
    assert opened.problems == [] and page.evaluate("window.asyncReport.errors") == []
    assert all(url.startswith("file:") for url in opened.requests), opened.requests
    for client in CLIENTS:
        for panel in ("train", "timeline"):
            assert inked(opened.canvas(panel, client)) > 500, (panel, client)
        assert page.locator(f'[data-panel="latency"] g[data-client="{client}"] path').count() == 1
        over = page.locator(f'[data-panel="overtime"] g[data-client="{client}"] path')
        assert over.count() == 6, client  # answered, sent, p50, p99, in flight, failed
        assert page.locator(f'[data-panel="summary"] [data-client="{client}"] .spark path').count()
    assert page.locator('[data-panel="latency"] g.intended path').count() == 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.add_style_tag(content="header { position: static; }")  # not over the panels it shows
    for panel in PANELS:
        element = page.locator(f'[data-panel="{panel}"]')
        assert element.count() == 1, panel
        element.screenshot(path=str(ARTIFACTS / f"{panel}.png"))


OVERFLOWING = """() => {
  const out = [];
  for (const panel of document.querySelectorAll('[data-panel]')) {
    const box = panel.getBoundingClientRect();
    for (const el of panel.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      // a closed summary's content is not shown; a wide table scrolls inside its own box
      if (r.width === 0 || el.closest('details:not([open]) > :not(summary), .scroll > *')) continue;
      if (r.left < box.left - 1 || r.right > box.right + 1)
        out.push(panel.dataset.panel + ' ' + el.tagName + '.' + el.className + ' ' +
                 Math.round(r.left) + '–' + Math.round(r.right) + ' of ' + Math.round(box.right));
    }
  }
  return out.slice(0, 10);
}"""


@pytest.mark.parametrize(
    ("name", "build"),
    [pytest.param("mempy-2015", shapes.talk_doc, id="mempy-2015"),
     pytest.param("thundering-herd", shapes.herd_doc, id="thundering-herd")],
)  # fmt: skip
def test_the_page_fits_a_laptop(
    open_report: Callable[..., Opened], name: str, build: Callable[[], dict[str, Any]]
) -> None:
    opened = open_report(build(), LAPTOP)
    page = opened.page
    assert opened.problems == [] and page.evaluate("window.asyncReport.errors") == []
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= MOST_HEIGHT, f"{name}: the page is {height} px tall"
    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
    assert page.evaluate(OVERFLOWING) == []
    answer = page.locator('[data-panel="summary"] .answer').inner_text()
    assert " was fastest (" in answer and answer.endswith(".")
    folder = ARTIFACTS / name
    folder.mkdir(parents=True, exist_ok=True)
    page.add_style_tag(content="header { position: static; }")
    for panel in page.locator("[data-panel]").all():
        panel.screenshot(path=str(folder / f"{panel.get_attribute('data-panel')}.png"))


def test_a_thread_per_zip_is_one_band_that_opens(open_report: Callable[..., Opened]) -> None:
    opened = open_report(shapes.talk_doc(), LAPTOP)
    page = opened.page
    frame = page.locator('[data-panel="train"] [data-client="threaded"]')
    canvas = frame.locator("canvas")
    folded = canvas.bounding_box()["height"]
    red = (
        "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] > 150 && d[i + 1] < 90) n++;"
        " return n; }"
    )
    assert canvas.evaluate(red) > 100  # the band's line: how many of its threads were alive
    button = frame.locator(".controls button")
    assert button.inner_text() == "open the 100 trains of “100 worker threads”"
    button.click()
    assert canvas.bounding_box()["height"] > 3 * folded  # a row for each of the 100
    assert button.inner_text() == "close them into one band"
    button.click()
    assert canvas.bounding_box()["height"] == folded
    resolvers = page.locator('[data-panel="train"] [data-client="uvloop"] .controls button')
    assert "uvloop's resolver threads (4)" in resolvers.inner_text()


def test_a_long_timeline_is_folded_until_expanded(open_report: Callable[..., Opened]) -> None:
    opened = open_report(shapes.talk_doc(), LAPTOP)
    frame = opened.page.locator('[data-panel="timeline"] [data-client="asyncio"]')
    assert "100 lanes, 8 rows" in frame.locator(".zoom").inner_text()
    folded = frame.locator("canvas").bounding_box()["height"]
    frame.locator(".controls button").click()
    assert "100 lanes, 100 rows" in frame.locator(".zoom").inner_text()
    assert frame.locator("canvas").bounding_box()["height"] > 2 * folded
    assert frame.locator(".controls button").inner_text() == "collapse to 8 rows"
    blocking = opened.page.locator('[data-panel="timeline"] [data-client="blocking"]')
    assert blocking.locator(".controls button").count() == 0  # one lane: nothing to fold


def test_the_switches_over_time_show_one_client_on_its_own_axis(
    open_report: Callable[..., Opened],
) -> None:
    opened = open_report(builders.compare_doc())
    page = opened.page
    panel = page.locator('[data-panel="overtime"]')
    assert float(panel.get_attribute("data-span")) == pytest.approx(1.2)
    for client in ("blocking", "threaded"):
        panel.locator(f'label[data-client="{client}"] input').uncheck()
    assert float(panel.get_attribute("data-span")) == pytest.approx(0.3, abs=0.02)
    assert panel.locator('g[data-client="blocking"]').count() == 0
    assert panel.locator('g[data-client="asyncio"] path').count() == 6
    panel.locator('label[data-client="threaded"] button').click()  # its name: it alone
    assert float(panel.get_attribute("data-span")) == pytest.approx(0.25)  # its last answer
    assert panel.locator('g[data-client="asyncio"]').count() == 0
    assert panel.locator('label[data-client="threaded"] input').is_checked()
    panel.get_by_role("button", name="every client, one axis").click()
    assert float(panel.get_attribute("data-span")) == pytest.approx(1.2)
    assert panel.locator('g[data-client="blocking"] path').count() == 6


def test_hovering_a_request_shows_it(open_report: Callable[..., Opened]) -> None:
    opened = open_report(builders.compare_doc())
    page = opened.page
    opened.canvas("timeline", "asyncio")
    tooltip = page.locator("#tooltip")
    # Sorted by start, then zip: the failed first try of 79936 is the fifth, its retry the last.
    for index, lines in ((4, ("zip 79936 · attempt 0 (first try)", "failed: http_503 (503)")),
                         (6, ("zip 79936 · attempt 1 (retry 1)", "status 200",
                              "intended delay 200 ms", "queue wait 0",
                              "overshoot 0"))):  # fmt: skip
        point = page.evaluate(f"window.asyncReport.pointOf('asyncio', {index})")
        page.mouse.move(point["x"], point["y"])
        assert tooltip.is_visible()
        for line in lines:
            assert line in tooltip.inner_text(), (index, line)
    page.mouse.move(5, 5)
    assert not tooltip.is_visible()
    box = opened.canvas("train", "asyncio").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 6)  # a car of the main thread
    assert "MainThread" in tooltip.inner_text()
    assert "on a CPU 90% of the time (9,000 µs)" in tooltip.inner_text()


def test_zoom_and_pan_change_the_visible_time(open_report: Callable[..., Opened]) -> None:
    opened = open_report(builders.compare_doc())
    page = opened.page
    assert opened.range_of("timeline", "blocking") == (0.0, pytest.approx(1.2))
    box = opened.canvas("timeline", "blocking").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + 8)
    page.mouse.wheel(0, -400)
    page.wait_for_function(
        "document.querySelector('[data-panel=timeline] [data-client=blocking]').dataset.range"
        " !== '0.0000,1.2000'"
    )
    low, high = opened.range_of("timeline", "blocking")
    assert 0.0 <= low < high <= 1.2 and high - low < 1.0
    assert opened.range_of("train", "blocking") == (low, high)  # one view per client
    assert opened.range_of("timeline", "asyncio") == (0.0, pytest.approx(0.3))  # its own
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.8, box["y"] + 8)
    page.mouse.up()
    panned = opened.range_of("timeline", "blocking")
    assert panned[0] < low and panned[1] - panned[0] == pytest.approx(high - low, abs=1e-3)
    page.mouse.dblclick(box["x"] + box["width"] * 0.5, box["y"] + 8)
    assert opened.range_of("timeline", "blocking") == (0.0, pytest.approx(1.2))


def test_the_switch_puts_every_client_on_one_axis(open_report: Callable[..., Opened]) -> None:
    opened = open_report(builders.compare_doc())
    assert opened.range_of("timeline", "asyncio") == (0.0, pytest.approx(0.3))
    opened.page.locator("#shared-axis").check()
    for client in CLIENTS:
        assert opened.range_of("timeline", client) == (0.0, pytest.approx(1.2)), client
    opened.page.locator("#shared-axis").uncheck()
    assert opened.range_of("timeline", "asyncio") == (0.0, pytest.approx(0.3))


def test_the_sweep_points_lead_to_their_tables(open_report: Callable[..., Opened]) -> None:
    opened = open_report(builders.sweep_doc(), LAPTOP)
    page = opened.page
    assert opened.problems == [] and page.evaluate("window.asyncReport.errors") == []
    assert page.evaluate(OVERFLOWING) == []
    assert page.locator('[data-panel="sweep"] svg').count() == 3
    for client in CLIENTS:
        assert page.locator(f'[data-panel="sweep"] g[data-client="{client}"] circle').count() == 9
    point = page.locator('[data-panel="sweep"] g[data-client="asyncio"] a[href="#value-2"]').first
    point.click()
    assert page.evaluate("location.hash") == "#value-2"
    assert page.locator('#value-2[data-value="∞"]').is_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.add_style_tag(content="header { position: static; }")
    page.locator('[data-panel="sweep"]').screenshot(path=str(ARTIFACTS / "sweep.png"))


def test_an_older_file_and_a_skipped_client_draw_without_errors(
    open_report: Callable[..., Opened],
) -> None:
    old = replace(builders.blocking(), samples=None)
    skipped = RunResult.without_figures(ClientSettings("javascript"), RunState.SKIPPED, "no node")
    opened = open_report(builders.compare_doc(runs=[old, skipped]))
    assert opened.problems == [] and opened.page.evaluate("window.asyncReport.errors") == []
    assert inked(opened.canvas("timeline", "blocking")) > 500
    assert (
        "skipped: no node"
        in opened.page.locator('[data-panel="timeline"] [data-client="javascript"]').inner_text()
    )


def test_a_servers_phases_are_shaded_over_time(browser: Any, tmp_path: Path) -> None:
    # Issue 22's series carries the server's phases; the page shades them on every chart.
    page_text = render_report(builders.compare_doc())
    start = page_text.index('id="report-data">') + len('id="report-data">')
    end = page_text.index("</script>", start)
    data = json.loads(page_text[start:end])
    data["clients"][0]["series"]["phases"] = [["dip", 0.2, 0.6]]
    path = tmp_path / "phases.html"
    path.write_text(page_text[:start] + json.dumps(data) + page_text[end:], encoding="utf-8")
    context = browser.new_context(offline=True, viewport=LAPTOP)
    page = context.new_page()
    page.goto(path.as_uri())
    page.wait_for_function("window.asyncReport && window.asyncReport.ready")
    assert page.evaluate("window.asyncReport.errors") == []
    assert page.locator('[data-panel="overtime"] rect.phase').count() == 4
    assert page.locator('[data-panel="overtime"] svg text', has_text="dip").count() == 4
    context.close()
