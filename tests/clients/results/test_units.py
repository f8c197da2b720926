"""Figures as people read them: seconds, sizes, ratios and shares."""

from __future__ import annotations

import pytest

from clients.results.units import percent, ratio, seconds, size


@pytest.mark.parametrize(
    ("value", "text"),
    [
        pytest.param(None, "–", id="none"),
        pytest.param(3.912, "3.91 s", id="seconds"),
        pytest.param(0.412, "412 ms", id="ms"),
        pytest.param(0.0051, "5.1 ms", id="small-ms"),
        pytest.param(0.000085, "85 µs", id="us"),
    ],
)
def test_seconds(value: float | None, text: str) -> None:
    assert seconds(value) == text


def test_small_formatters() -> None:
    assert size(512) == "512 B"
    assert size(2048) == "2.0 KiB"
    assert size(3 * 1024**3) == "3.0 GiB"
    assert ratio(12.345) == "12.3×"
    assert ratio(None) == "–"
    assert percent(0.874) == "87%"
    assert percent(None) == "–"
