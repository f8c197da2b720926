"""The verdicts panel: how many expectations passed, each marked ✓ or ✗ with what was measured."""

from __future__ import annotations

import io

from rich.console import Console

from clients.report.verdicts import verdict_panel
from clients.results.verdicts import Verdict


def test_the_panel_counts_and_marks_verdicts() -> None:
    found = [Verdict("fast", True, "measured 1"), Verdict("slow", False, "measured 2")]
    console = Console(record=True, width=60, file=io.StringIO(), color_system="truecolor")
    console.print(verdict_panel(found))
    text = console.export_text(clear=False)
    assert "expectations: 1/2 passed" in text
    assert "✓ fast  measured 1" in text and "✗ slow  measured 2" in text
    html = console.export_html(inline_styles=True)
    assert "#008000" in html and "#800000" in html  # green and red
    assert verdict_panel(found).border_style == "red"
    assert verdict_panel(found[:1]).border_style == "green"
    empty = Console(record=True, width=60, file=io.StringIO())
    empty.print(verdict_panel([]))
    assert "no expectations" in empty.export_text()
