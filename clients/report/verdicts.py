"""The verdicts panel: each checked expectation as a ✓/✗ line (– when it was not run) with
what was measured."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from rich.console import Group
from rich.panel import Panel
from rich.text import Text

from ..results.verdicts import Held, Verdict, tally

COLOURS: Final = {Held.PASSED: "green", Held.FAILED: "red", Held.NOT_RUN: "yellow"}


def verdict_panel(verdicts: Sequence[Verdict]) -> Panel:
    """A panel of ✓/✗ lines with what was measured, titled with how many passed."""
    lines = [
        Text.assemble(
            (f"{v.mark} ", f"bold {COLOURS[v.held]}"),
            (v.text, COLOURS[v.held]),
            (f"  {v.detail}", "dim"),
        )
        for v in verdicts
    ]
    body = Group(*lines) if lines else Text("no expectations", style="dim")
    held = {v.held for v in verdicts}
    style = "red" if Held.FAILED in held else "yellow" if Held.NOT_RUN in held else "green"
    title = f"expectations: {tally(verdicts)}"
    return Panel(body, title=title, title_align="left", border_style=style, expand=False)
