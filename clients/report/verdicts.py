"""The verdicts panel: each checked expectation as a ✓/✗ line with what was measured."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group
from rich.panel import Panel
from rich.text import Text

from ..results.verdicts import Verdict


def verdict_panel(verdicts: Sequence[Verdict]) -> Panel:
    """A panel of ✓/✗ lines with what was measured, titled with how many passed."""
    passed = sum(v.passed for v in verdicts)
    lines = [
        Text.assemble(
            ("✓ " if v.passed else "✗ ", "bold green" if v.passed else "bold red"),
            (v.text, "green" if v.passed else "red"),
            (f"  {v.detail}", "dim"),
        )
        for v in verdicts
    ]
    body = Group(*lines) if lines else Text("no expectations", style="dim")
    style = "green" if passed == len(verdicts) else "red"
    title = f"expectations: {passed}/{len(verdicts)} passed"
    return Panel(body, title=title, title_align="left", border_style=style, expand=False)
