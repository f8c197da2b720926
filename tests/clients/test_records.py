"""What a run records: settings, attempts and results, and their saved forms."""

from __future__ import annotations

from dataclasses import replace

from clients.kinds import in_flight
from clients.records import ClientSettings


def test_settings_round_trip_with_the_new_fields() -> None:
    settings = ClientSettings(kind="javascript", node="/usr/bin/node", python=None)
    assert ClientSettings.from_dict(settings.to_dict()) == settings
    assert in_flight(replace(settings, concurrency=3)) == 3
