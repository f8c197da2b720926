"""The shipped retry storm, run whole against the real server: its expectations hold — the
dip hurts every client, the budgeted one recovers within seconds, the one with immediate
retries much later or never — and the saved result carries the series that shows it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clients.harness.compare import compare
from clients.scenario import load
from tests.helpers import ROOT


@pytest.mark.slow
def test_the_retry_storm_shows_what_its_expectations_say(live_server: Any, tmp_path: Path) -> None:
    scenario = load(ROOT / "scenarios" / "retry-storm.toml")
    outcome = compare(scenario, live_server.url, tmp_path)
    verdicts = outcome.verdicts()
    assert verdicts and all(v.passed for v in verdicts), [(v.text, v.detail) for v in verdicts]
    rows = {s.client: s for s in outcome.summaries()}
    assert set(rows) == {"no-retry", "immediate", "backoff-jitter", "budget"}
    assert rows["immediate"].counts.retried > rows["budget"].counts.retried
    assert outcome.saved is not None
    saved = json.loads(outcome.saved.read_text(encoding="utf-8"))
    for row in saved["summaries"]:
        series = row["series"]
        assert series["step"] == 1.0 and [p["name"] for p in series["phases"]] == ["dip"]
        assert len(series["offered"]) == len(series["goodput"]) >= 30
        assert sum(series["offered"]) == 60 * 30  # every request due, once
    assert outcome.exit_code() == 0
