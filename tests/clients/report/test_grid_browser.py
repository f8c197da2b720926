"""A grid sweep's report in headless Chromium (skipped, with the reason, without it): no errors,
a heatmap cell per client, figure and combination that leads to that combination's table, the
scatter's texts and dots clear of each other, a one-setting sweep's value labels that never
collide (timeouts from 0.05 to 25.5 s), and screenshots under results/artifacts/report/grid/."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests import builders
from tests.clients.report.test_browser import ARTIFACTS, LAPTOP, Opened
from tests.clients.report.test_browser import browser as browser  # the fixtures
from tests.clients.report.test_browser import open_report as open_report

pytestmark = pytest.mark.slow

BOXES = """(selector) => Array.from(document.querySelectorAll(selector)).map((el) => {
  const r = el.getBoundingClientRect();
  return [r.left, r.top, r.right, r.bottom, el.tagName + ": " + el.textContent];
})"""


def overlaps(boxes: list[list[Any]], slack: float = 0.5) -> list[tuple[str, str]]:
    """Each pair of boxes that overlap by more than `slack` pixels either way."""
    found = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if (a[0] < b[2] - slack and b[0] < a[2] - slack and a[1] < b[3] - slack
                    and b[1] < a[3] - slack):  # fmt: skip
                found.append((str(a[4]), str(b[4])))
    return found


def test_the_grid_report_leads_from_each_cell_to_its_table(
    open_report: Callable[..., Opened],
) -> None:
    doc = builders.grid_doc()
    opened = open_report(doc, LAPTOP)
    page = opened.page
    assert opened.problems == [] and page.evaluate("window.asyncReport.errors") == []
    cells = page.locator('[data-panel="heatmaps"] td a')
    assert cells.count() == 4 * 2 * 12  # four figures, two clients, twelve combinations
    labels = [v["label"] for v in doc["variants"]]
    for index in (0, 7, 95):
        cell = cells.nth(index)
        href = cell.get_attribute("href") or ""
        title = cell.get_attribute("title") or ""
        cell.click()
        assert page.evaluate("location.hash") == href
        heading = page.locator(f"{href} h2").inner_text()
        assert heading == labels[int(href.removeprefix("#value-"))]
        assert f" at {heading}: " in title
    answers = page.locator('[data-panel="tune"] li').all_inner_texts()
    assert answers == [a["sentence"] for a in doc["tune"]["answers"]]
    scatter = page.locator('[data-panel="scatter"] svg.scatter')
    assert scatter.get_attribute("data-y-scale") == "log"  # p99 spans two decades
    texts = page.evaluate(BOXES, '[data-panel="scatter"] svg text')
    assert len(texts) > 8 and overlaps(texts) == []
    drawn = page.evaluate(BOXES, '[data-panel="scatter"] svg text.point-label')
    dots = page.evaluate(BOXES, '[data-panel="scatter"] svg circle')
    assert drawn and len(dots) == 24
    near = [pair for pair in overlaps(drawn + dots) if not all(
        side.startswith("circle") for side in pair)]  # fmt: skip  # dots may touch dots
    assert near == []  # a label never covers another label or a dot
    folder = ARTIFACTS / "grid"
    folder.mkdir(parents=True, exist_ok=True)
    page.add_style_tag(content="header { position: static; }")
    for name in ("tune", "heatmaps", "scatter"):
        page.locator(f'[data-panel="{name}"]').screenshot(path=str(folder / f"{name}.png"))


def test_a_timeout_sweeps_value_labels_never_collide(
    open_report: Callable[..., Opened],
) -> None:
    opened = open_report(builders.sweep_doc("timeout", (0.05, 0.1, 0.5, 25.5)))
    page = opened.page
    assert opened.problems == [] and page.evaluate("window.asyncReport.errors") == []
    for chart in range(3):
        ticks = page.evaluate(BOXES, f'[data-panel="sweep"] .sweep-chart:nth-child({chart + 1}) '
                              "text.tick")  # fmt: skip
        assert len(ticks) >= 3 and overlaps(ticks, slack=-3) == [], ticks  # 3 px apart at least
    page.locator('[data-panel="sweep"]').screenshot(path=str(ARTIFACTS / "sweep-timeout.png"))
