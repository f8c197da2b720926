"""Figures as people read them: `3.91 s`, `1.5 MiB`, `12.3×`, `87%`. Plain strings, no rich."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Final


def seconds(value: float | None) -> str:
    """`3.91 s`, `412 ms`, `8.5 ms` or `85 µs`, whichever reads best; a dash for none (or for
    nan and infinities). The report's page writes them by the same rule (`assets/units.js`)."""
    if value is None or not math.isfinite(value):
        return "–"
    magnitude = abs(value)
    if magnitude >= 1:
        return f"{value:.2f} s"
    if magnitude >= 0.001:
        return f"{value * 1000:.0f} ms" if magnitude >= 0.01 else f"{value * 1000:.1f} ms"
    return f"{value * 1e6:.0f} µs"


def size(value: int) -> str:
    """Bytes in binary units."""
    amount = float(value)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(amount) < 1024 or unit == "GiB":
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    raise AssertionError("unreachable")


def ratio(value: float | None, digits: int = 1) -> str:
    """`12.3×`, or a dash."""
    return "–" if value is None else f"{value:.{digits}f}×"


def percent(value: float | None) -> str:
    """`87%`, or a dash."""
    return "–" if value is None else f"{value:.0%}"


def count(value: float) -> str:
    """`12`, or `2.5` for a count that is not whole (a median of two)."""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:g}"


FORMATS: Final[dict[str, Callable[[float], str]]] = {
    "s": seconds,
    "bytes": lambda value: size(int(value)),
    "count": count,
    "share": percent,
    "times": ratio,
    "per_zip": lambda value: f"{value:.2f}",  # amplification: requests a zip, 1.00 at best
    "per_s": lambda value: f"{value:.1f}/s",  # a rate: goodput, offered
    # seconds until a run recovered; infinite when it never did
    "recovery": lambda value: "did not recover" if math.isinf(value) else seconds(value),
    "cores": lambda value: f"{value:.2f}",  # cores kept busy: CPU ÷ wall
}


def figure(value: float | None, unit: str) -> str:
    """`value` in `unit` (a key of FORMATS: "s", "bytes", ...) as a table shows it; a dash
    for none."""
    return "–" if value is None else FORMATS[unit](value)
