"""The `Server-Timing` header: what the server intended, how long the request queued, and how
much later than intended the answer went out — every duration in milliseconds, as the spec
says. The one place its format is written; the clients read it back (`clients.protocol`)."""

from __future__ import annotations

from typing import Final

# The value for a request with nothing intended and no queue, but its overshoot: the common
# path appends `f"{1000 * actual:.3f}"` to it rather than call `timing_header`.
ZERO_TIMING: Final = "intended;dur=0.000, queue;dur=0.000, overshoot;dur="


def timing_header(intended: float, queue: float, actual: float) -> str:
    """The `Server-Timing` value; overshoot is actual − intended."""
    if intended == 0.0 and queue == 0.0:
        return f"{ZERO_TIMING}{1000 * actual:.3f}"  # the common case: one number to format
    return (
        f"intended;dur={1000 * intended:.3f}, queue;dur={1000 * queue:.3f}, "
        f"overshoot;dur={1000 * (actual - intended):.3f}"
    )
