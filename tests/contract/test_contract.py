"""The twins `server` and `clients` keep apart on purpose, pinned to each other.

The two packages never import each other (they share only the scenario file and HTTP), so a
few facts live on both sides. These tests are the one place that holds them equal.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clients import zipsets as client_zipsets
from clients.results.series import percentile as client_percentile
from server.accounting.stats import percentile as server_percentile
from server.api import zipsets as server_zipsets


def test_the_talks_zip_set_is_the_same_on_both_sides() -> None:
    assert client_zipsets.NAMED.keys() == server_zipsets.ZIP_SETS.keys()
    for name, zips in client_zipsets.NAMED.items():
        assert zips == server_zipsets.ZIP_SETS[name], name  # same zips, same order


@pytest.mark.parametrize(
    "q", [pytest.param(q, id=f"q{q}") for q in (0.0, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0)]
)
def test_percentile_agrees_on_no_values(q: float) -> None:
    assert client_percentile([], q) == server_percentile([], q) == 0.0


@given(
    values=st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=200),
    q=st.floats(0, 1),
)
def test_percentile_agrees_everywhere(values: list[float], q: float) -> None:
    # The client's takes any order; the server's takes its values sorted (it keeps them so).
    shuffled = random.Random(len(values)).sample(values, len(values))
    assert client_percentile(shuffled, q) == server_percentile(sorted(values), q)
