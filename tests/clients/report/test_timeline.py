"""Timelines drawn from hand-made runs: staircase, wall, packing, styles, axis and width."""

from __future__ import annotations

import io
from collections.abc import Sequence

import pytest
from rich.console import Console, RenderableType
from rich.style import Style

from clients.records import Attempt, ClientSettings, RunResult, Usage
from clients.report import timeline
from clients.report.timeline import MIN_LABEL_WIDTH, Scale, representative_runs, rows_for
from tests.helpers import state_of

BAR = MIN_LABEL_WIDTH + 1  # where the bar area starts when labels are short
WIDTH = BAR + 30  # thirty columns of bars


def attempt(
    zip_code: str, start: float, end: float, lane: int = 0, retry: int = 0, ok: bool = True
) -> Attempt:
    """One request; a failed one timed out."""
    if ok:
        return Attempt(zip_code, retry, start, end, status=200, jobs=1, lane=lane)
    return Attempt(zip_code, retry, start, end, error="timeout", lane=lane)


def run(
    client: str,
    attempts: Sequence[Attempt],
    kind: str = "",
    wall: float | None = None,
    cpu: float = 0.1,
    skipped: str | None = None,
) -> RunResult:
    """A run of `client` (its kind defaults to its name)."""
    wall = wall if wall is not None else max((a.end for a in attempts), default=0.0)
    settings = ClientSettings(kind=kind or client, label=client if kind else "")
    usage = Usage(mem=0, utime=cpu, stime=0.0, time=wall)
    return RunResult(client, settings, len(attempts), usage, tuple(attempts), **state_of(skipped))


def blocking() -> RunResult:
    """Three one-second requests back to back on lane 0."""
    return run("blocking", [attempt(str(i), i, i + 1.0) for i in range(3)])


def text_of(renderable: RenderableType, width: int = WIDTH) -> list[str]:
    """The lines a colourless terminal of `width` columns shows."""
    console = Console(record=True, width=width, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.export_text().splitlines()


def bar_rows(lines: Sequence[str]) -> list[tuple[str, str]]:
    """(label, bars) for each row of bars (a line whose bar area holds a bar glyph or a dot)."""
    rows = []
    for line in lines:
        bars = line[BAR:]
        if len(bars) == WIDTH - BAR and set(bars) <= set("█▓▒✗─·"):
            rows.append((line[:BAR].strip(), bars))
    return rows


def filled(bars: str) -> list[int]:
    """The columns holding part of a request."""
    return [index for index, glyph in enumerate(bars) if glyph in "█▓▒✗"]


def test_blocking_requests_back_to_back_draw_a_staircase() -> None:
    rows = bar_rows(text_of(timeline.timeline_renderable([blocking()], WIDTH)))
    assert [filled(bars) for _, bars in rows] == [
        list(range(0, 10)),
        list(range(10, 20)),
        list(range(20, 30)),
    ]
    assert [label for label, _ in rows] == ["lane 0", "", ""]


def test_requests_at_once_on_three_lanes_all_start_at_column_zero() -> None:
    asyncio = run("asyncio", [attempt(str(i), 0.0, i + 1.0, lane=i) for i in range(3)])
    rows = bar_rows(text_of(timeline.timeline_renderable([asyncio], WIDTH)))
    assert [label for label, _ in rows] == ["lane 0", "lane 1", "lane 2"]
    assert [filled(bars) for _, bars in rows] == [
        list(range(0, 10)),
        list(range(0, 20)),
        list(range(0, 30)),
    ]


def test_clients_share_one_time_scale() -> None:
    asyncio = run("asyncio", [attempt(str(i), 0.0, 1.0, lane=i) for i in range(3)])
    lines = text_of(timeline.timeline_renderable([blocking(), asyncio], WIDTH))
    rows = bar_rows(lines)
    assert len(rows) == 6
    assert all(filled(bars) == list(range(10)) for _, bars in rows[3:])  # 1 s of 3 s
    assert any(line.startswith("asyncio") for line in lines)


def test_more_lanes_than_max_lanes_are_packed_several_to_a_row() -> None:
    wide = run("threaded", [attempt(str(i), 0.0, 1.0, lane=i) for i in range(100)])
    rows = rows_for(wide, max_lanes=10)
    assert [row.label for row in rows][:2] == ["lanes 0–9 (10)", "lanes 10–19 (10)"]
    assert len(rows) == 10
    assert all(len(row.attempts) == 10 for row in rows)
    uneven = rows_for(run("t", [attempt(str(i), 0.0, 1.0, lane=i) for i in range(25)]), 10)
    assert [row.label for row in uneven][-2:] == ["lanes 21–23 (3)", "lane 24"]
    lines = text_of(timeline.timeline_renderable([wide], 60, max_lanes=10), 60)
    assert sum(line.startswith("lanes ") for line in lines) == 10


def test_a_lane_with_many_requests_is_spread_over_at_most_max_lanes_rows() -> None:
    many = run("blocking", [attempt(f"{i:05}", i, i + 1.0) for i in range(100)])
    rows = rows_for(many, max_lanes=40)
    assert len(rows) == 40
    assert rows[0].label == "lane 0" and all(row.label == "" for row in rows[1:])
    assert sum(len(row.attempts) for row in rows) == 100
    starts = [min(a.start for a in row.attempts) for row in rows]
    assert starts == sorted(starts)  # each row later than the one above: a staircase


def test_retries_stay_on_their_zips_row_with_the_backoff_between() -> None:
    first = attempt("1", 0.0, 1.0, ok=False)
    retry = attempt("1", 2.0, 3.0, retry=1)
    rows = bar_rows(text_of(timeline.timeline_renderable([run("blocking", [first, retry])], WIDTH)))
    assert len(rows) == 1
    assert rows[0][1] == "▒" * 9 + "✗" + "─" * 10 + "▓" * 10


def test_ok_retry_failed_and_idle_cells_are_styled() -> None:
    attempts = [
        attempt("1", 0.0, 1.0),
        attempt("2", 1.0, 2.0, ok=False),
        attempt("2", 2.0, 2.5, retry=1),
    ]
    renderable = timeline.timeline_renderable([run("blocking", attempts, wall=3.0)], WIDTH)
    console = Console(width=WIDTH, file=io.StringIO(), color_system="truecolor")
    styles: dict[str, set[str]] = {}
    for segment in console.render(renderable):
        if not segment.text or not set(segment.text) <= set("█▓▒✗─·"):
            continue  # not a bar (headers use "·" too)
        for glyph in set(segment.text):
            color = (segment.style or Style()).color
            styles.setdefault(glyph, set()).add(color.name if color else "")
    assert styles["█"] == {"green"}
    assert styles["▓"] == {"yellow"}
    assert styles["▒"] == {"red"}
    assert styles["✗"] == {"red"}
    assert styles["·"] == {"bright_black"}


def test_the_html_export_colours_the_failure_marks() -> None:
    attempts = [attempt("1", 0.0, 1.0, ok=False), attempt("1", 1.0, 2.0, retry=1)]
    console = Console(record=True, width=WIDTH, file=io.StringIO(), color_system="truecolor")
    console.print(timeline.timeline_renderable([run("blocking", attempts)], WIDTH))
    html = console.export_html(inline_styles=True)
    assert "✗" in html and "▓" in html
    assert "#800000" in html or "#ff0000" in html  # red, in some palette


def test_legend_and_axis_are_drawn() -> None:
    lines = text_of(timeline.timeline_renderable([blocking()], 80), 80)
    legend = "\n".join(lines[-2:])
    for glyph, _, meaning in timeline.GLYPHS.values():
        assert f"{glyph} {meaning}" in legend
    ruler, labels = lines[-4], lines[-3]
    assert labels.startswith("seconds")
    assert labels[BAR:].split() == ["0", "1", "2", "3"]  # 3 s over 71 columns
    assert ruler[BAR] == "┴"


def test_every_line_fits_the_width() -> None:
    runs = [
        blocking(),
        run("a-client-with-a-rather-long-name", [attempt("1", 0.0, 1.0, lane=7)], kind="asyncio"),
        run("threaded", [attempt(str(i), 0.0, 1.0, lane=i) for i in range(300)]),
    ]
    for width in (40, 80, 132):
        lines = text_of(timeline.timeline_renderable(runs, width, max_lanes=12), width)
        assert all(len(line.rstrip()) <= width for line in lines)
        label = "lanes 0–24 (25)" if width >= 45 else "0–24 (25)"  # labels take at most 1/3
        assert any(line.startswith(label) for line in lines)


def test_headers_give_kind_lanes_wall_and_cpu_share() -> None:
    asyncio = run("limit-3", [attempt(str(i), 0.0, 1.0, lane=i) for i in range(3)], "asyncio")
    lines = text_of(timeline.timeline_renderable([asyncio], 100), 100)
    assert lines[0].startswith("limit-3  asyncio · 3 lanes · 3 requests · wall 1.00 s")
    assert "cpu 100 ms (10% of one CPU)" in lines[0]


def test_a_skipped_run_shows_why_and_no_rows() -> None:
    skipped = run("javascript", [], skipped="skipped: node not found", wall=0.0)
    lines = text_of(timeline.timeline_renderable([blocking(), skipped], WIDTH))
    assert any("javascript  skipped: node not found" in line for line in lines)
    assert len(bar_rows(lines)) == 3


def test_repeats_of_a_client_are_numbered() -> None:
    lines = text_of(timeline.timeline_renderable([blocking(), blocking()], 80), 80)
    assert any(line.startswith("blocking (run 2)") for line in lines)


def test_representative_runs_picks_each_clients_median_run() -> None:
    walls = [3.0, 1.0, 2.0]
    runs = [run("asyncio", [attempt("1", 0.0, 1.0)], wall=w) for w in walls]
    skipped = run("javascript", [], skipped="skipped: no node")
    chosen = representative_runs([*runs, skipped])
    assert [(r.client, r.usage.time) for r in chosen] == [("asyncio", 2.0), ("javascript", 0.0)]


def test_too_narrow_a_width_is_refused() -> None:
    with pytest.raises(ValueError, match="too narrow"):
        timeline.timeline_renderable([blocking()], 15)
    with pytest.raises(ValueError, match="max_lanes"):
        rows_for(blocking(), 0)


def test_scale_keeps_back_to_back_bars_apart() -> None:
    scale = Scale(span=0.3, columns=3)
    assert (scale.first(0.1), scale.last(0.0, 0.1)) == (1, 0)
    assert scale.last(0.1, 0.1) == 1  # an instant still gets its column
    assert scale.last(0.0, 99.0) == 2


def test_nice_steps() -> None:
    assert timeline.nice_step(10.0, 100) == 2.0
    assert timeline.nice_step(3.0, 30) == 2.0
    assert timeline.nice_step(0.5, 100) == 0.1
    assert timeline.nice_step(41.0, 80) == 10.0


def test_svg_for_slides() -> None:
    svg = timeline.timeline_svg([blocking()], width=60, title="blocking")
    assert svg.startswith("<svg") and "blocking" in svg
