"""The sweep table as the scenario reads it: a bad sweep names its key and says what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from clients.errors import ScenarioFileError
from clients.scenario import parse
from tests.builders import code_sweep, swept


@pytest.mark.parametrize(
    ("sweep", "key", "fragment"),
    [
        pytest.param('[sweep]\nsetting = "speed"\nvalues = [1]', "sweep.setting", "must be one of",
                     id="unknown-setting"),
        pytest.param('[sweep]\nsetting = ["zips"]\nvalues = [1]', "sweep.setting", "must be one of",
                     id="setting-list"),
        pytest.param('[sweep]\nsetting = "zips"\nvalues = []', "sweep.values", "1 to 50",
                     id="empty"),
        pytest.param('[sweep]\nsetting = "zips"\nvalues = [0]', "sweep.values", "out of range",
                     id="zero-zips"),
        pytest.param('[sweep]\nsetting = "concurrency"\nvalues = [2.5]', "sweep.values",
                     "whole numbers", id="fractional-concurrency"),
        pytest.param('[sweep]\nsetting = "error_rate"\nvalues = [1.5]', "sweep.values",
                     "out of range", id="rate-above-one"),
        pytest.param('[sweep]\nsetting = "zips"\nvalues = [true]', "sweep.values", "not a number",
                     id="bool"),
        pytest.param('[sweep]\nsetting = "zips"\nvalue = [1]', "sweep.value", "did you mean",
                     id="typo"),
    ],
)  # fmt: skip
def test_bad_sweeps_name_the_key(tmp_path: Path, sweep: str, key: str, fragment: str) -> None:
    with pytest.raises(ScenarioFileError) as caught:
        swept(tmp_path, sweep)
    assert caught.value.key == key
    assert fragment in str(caught.value)
    assert str(tmp_path / "swept.toml") in str(caught.value)


@pytest.mark.parametrize(
    ("setting", "values", "message"),
    [
        pytest.param("timeout", [0], "a timeout must be > 0", id="timeout-zero"),
        pytest.param("retries", [1.5], "retries takes whole numbers", id="retries-fraction"),
        pytest.param("retries", [10_001], "out of range for retries", id="retries-too-many"),
        pytest.param("backoff", [-1], "out of range for backoff", id="backoff-negative"),
    ],
)
def test_bad_client_setting_sweeps_are_one_line(
    setting: str, values: list[float], message: str
) -> None:
    with pytest.raises(ScenarioFileError, match=message):
        parse(code_sweep(setting, values), "t.toml")
