"""The page writes seconds as the terminal does: `assets/units.js` run in Node over the same
values as `results.units.seconds`, to the character (0 and -0 included, and exact ties, where
JavaScript's toFixed and Python's format round apart unless units.js corrects it)."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from importlib import resources

import pytest

from clients.results.units import seconds

UNITS_JS = (resources.files("clients.report") / "assets" / "units.js").read_text(encoding="utf-8")
EDGES = [
    None, 0.0, -0.0, float("nan"), float("inf"), float("-inf"), 1.0, 0.01, 0.001, 1e-6,
    0.999999, 0.0099999, 0.00099999, 0.9995, 0.00995, 0.0009995, 1e-12, -1e-12, 5e-7, 4.9e-7,
    0.0125, 0.0025, 0.0135, 1.125, 2.375, 1.005, 0.145, 2.5e-6, 3.5e-6, 12.5, 1e9, -3.91, -0.412,
]  # fmt: skip


def values() -> list[float | None]:
    """The edges, exact ties in every branch, and a seeded spread over twelve decades."""
    chosen = random.Random(20150601)
    spread = [chosen.choice((1, -1)) * 10 ** chosen.uniform(-9, 3) for _ in range(3000)]
    ties = [n / 8 for n in range(8, 800)]  # dyadic: exact ties at two decimals
    ties += [(n + 0.5) / 1000 for n in range(10, 1000)]  # ties at whole milliseconds, or near
    ties += [(n + 0.5) / 1e6 for n in range(0, 1000)]  # at whole microseconds, or near
    ties += [(n + 0.05) / 1000 for n in range(1, 10)]  # at tenths of a millisecond, or near
    return [*EDGES, *spread, *ties]


def literal(value: float | None) -> str:
    """`value` as JavaScript reads it back exactly (repr is the shortest round trip)."""
    if value is None:
        return "null"
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


@pytest.mark.slow  # starts node
def test_the_page_writes_seconds_as_the_terminal_does() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the page's formatter cannot be run here")
    chosen = values()
    script = (f"{UNITS_JS}\nconst values = [{', '.join(literal(v) for v in chosen)}];\n"
              "process.stdout.write(JSON.stringify(values.map(asyncUnits.seconds)))")  # fmt: skip
    done = subprocess.run([node, "-"], input=script, capture_output=True, text=True, check=True)
    page = json.loads(done.stdout)
    apart = [(v, seconds(v), shown) for v, shown in zip(chosen, page, strict=True)
             if seconds(v) != shown]  # fmt: skip
    assert apart == []
    assert page[:3] == ["–", "0 µs", "-0 µs"]  # none, zero and negative zero: one rule
