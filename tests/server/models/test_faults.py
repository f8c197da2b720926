"""Fault choice: one keyed uniform picks at most one fault, in consecutive slices of [0, 1)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.models.faults import NO_FAULTS, Fault, FaultRates, choose_fault

RATES = FaultRates(error_500=0.1, error_503=0.2, reset=0.05, slow_body=0.15)


@pytest.mark.parametrize(
    ("u", "expected"),
    [
        pytest.param(0.0, Fault.ERROR_500, id="first-slice-start"),
        pytest.param(0.099, Fault.ERROR_500, id="first-slice-end"),
        pytest.param(0.1, Fault.ERROR_503, id="second-slice-start"),
        pytest.param(0.29, Fault.ERROR_503, id="second-slice-end"),
        pytest.param(0.32, Fault.RESET, id="third-slice"),
        pytest.param(0.4, Fault.SLOW_BODY, id="after-zero-width-slices"),
        pytest.param(0.5, None, id="past-all-slices"),
        pytest.param(0.999, None, id="top"),
    ],
)
def test_choose_fault_uses_consecutive_slices(u: float, expected: Fault | None) -> None:
    assert choose_fault(RATES, u) is expected


@given(u=st.floats(0.0, 1.0, exclude_max=True))
def test_no_rates_means_no_fault(u: float) -> None:
    assert choose_fault(NO_FAULTS, u) is None


@given(u=st.floats(0.0, 1.0, exclude_max=True))
def test_rates_summing_to_one_always_pick_a_fault(u: float) -> None:
    assert choose_fault(FaultRates(hang=0.5, truncate=0.25, malformed=0.25), u) is not None
