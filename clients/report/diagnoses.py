"""The diagnoses (`results.diagnoses`) as the terminal shows them, under the table."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from ..results.diagnoses import Diagnosis


def diagnoses_text(found: Sequence[Diagnosis]) -> Text | None:
    """`notes:` then one line per diagnosis, `client (kind): sentence`; None for none."""
    if not found:
        return None
    text = Text("notes:", style="bold")
    for note in found:
        text.append("\n• ")
        text.append(note.client, style="bold")
        text.append(f" ({note.kind}): ", style="dim")
        text.append(note.text)
    return text
