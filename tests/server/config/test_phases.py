"""`[[server.phases]]`: windows of the run with their own server; bad ones named one a line."""

from __future__ import annotations

from typing import Any

import pytest

from server.config.parser import parse_config
from server.config.settings import Abandon, Capacity
from server.errors import ScenarioError
from server.models.faults import FaultRates
from server.models.latency import Fixed
from tests.helpers import server

BASE: dict[str, Any] = {
    "latency": {"model": "fixed", "value": 0.1},
    "capacity": {"workers": 8, "queue": 16},
}


def test_a_phase_changes_only_what_it_names() -> None:
    phase = {"at": 10, "for": 5, "capacity": {"workers": 2, "abandon": "keep"},
             "latency_scale": 4, "faults": {"error_503": 0.2}, "name": "dip"}  # fmt: skip
    config = parse_config(server(**BASE, phases=[phase]))
    (dip,) = config.phases
    assert (dip.name, dip.at, dip.duration) == ("dip", 10.0, 5.0)
    assert dip.config.capacity == Capacity(workers=2, queue=16, abandon=Abandon.KEEP)
    assert dip.config.latency_for("jobs", "10001") == Fixed(0.1 * 4)
    assert dip.config.faults == FaultRates(error_503=0.2)
    assert config.latency_for("jobs", "10001") == Fixed(0.1)  # the base is untouched
    assert config.capacity == Capacity(workers=8, queue=16, abandon=Abandon.DROP)
    assert config.configs() == (config, dip.config)


def test_phases_are_sorted_and_named_by_default() -> None:
    config = parse_config(server(phases=[{"at": 30, "for": 1}, {"at": 5, "for": 2}]))
    assert [(p.name, p.at) for p in config.phases] == [("phase 2", 5.0), ("phase 1", 30.0)]
    assert config.schedule.index_at(5.5) == 1 and config.schedule.index_at(30.0) == 2


def test_a_phase_capacity_without_a_base_one_and_abandon_keep() -> None:
    phases = [{"at": 1, "for": 1, "capacity": {"queue": 3}}]
    config = parse_config(server(capacity={"workers": 1, "abandon": "keep"}, phases=phases))
    assert config.capacity == Capacity(1, 0, Abandon.KEEP)
    assert config.phases[0].config.capacity == Capacity(1, 3, Abandon.KEEP)
    alone = parse_config(server(phases=[{"at": 1, "for": 1, "capacity": {"workers": 2}}]))
    assert alone.capacity is None
    assert alone.phases[0].config.capacity is not None
    assert alone.phases[0].config.capacity.workers == 2


@pytest.mark.parametrize(
    ("phases", "key", "message"),
    [
        pytest.param([{"at": 0, "for": 10}, {"at": 9.5, "for": 1}], "server.phases[1]",
                     "overlaps phase 'phase 1' (0 to 10 s)", id="overlap"),
        pytest.param([{"at": 20, "for": 5}, {"at": 1, "for": 20}], "server.phases[0]",
                     "overlaps phase 'phase 2' (1 to 21 s)", id="overlap-unsorted"),
        pytest.param([{"at": 5}], "server.phases[0].for", "is required", id="no-for"),
        pytest.param([{"for": 5}], "server.phases[0].at", "is required", id="no-at"),
        pytest.param([{"at": -1, "for": 5}], "server.phases[0].at", "must be >= 0", id="at<0"),
        pytest.param([{"at": 1, "for": 0}], "server.phases[0].for", "must be >=", id="for-0"),
        pytest.param([{"at": 86000, "for": 1000}], "server.phases[0].for",
                     "after the longest run", id="past-a-day"),
        pytest.param([{"at": 1, "for": 1, "latency_scale": 0}],
                     "server.phases[0].latency_scale", "must be >= 0.001", id="scale-0"),
        pytest.param([{"at": 1, "for": 1, "capacity": {"workers": 1, "abandon": "later"}}],
                     "server.phases[0].capacity.abandon", "must be one of drop, keep",
                     id="abandon"),
        pytest.param([{"at": 1, "for": 1, "faults": {"error_503": 2}}],
                     "server.phases[0].faults.error_503", "must be >= 0", id="faults"),
        pytest.param([{"at": 1, "for": 1, "capacty": {}}], "server.phases[0].capacty",
                     "did you mean 'capacity'", id="typo"),
        pytest.param([{"at": 1, "for": 1, "name": "x"}, {"at": 5, "for": 1, "name": "x"}],
                     "server.phases[1].name", "'x' is also server.phases[0]'s", id="same-name"),
        pytest.param([], "server.phases", "non-empty list", id="empty"),
        pytest.param({"at": 1}, "server.phases", "non-empty list", id="a-table"),
    ],
)  # fmt: skip
def test_bad_phases_name_the_key(phases: Any, key: str, message: str) -> None:
    with pytest.raises(ScenarioError) as error:
        parse_config(server(phases=phases))
    assert error.value.key == key
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_capacity_abandon_on_the_base() -> None:
    with pytest.raises(ScenarioError, match=r"server.capacity.abandon: must be one of"):
        parse_config(server(capacity={"workers": 1, "abandon": True}))
