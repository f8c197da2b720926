"""The console's compare output on hand-made outcomes: the table wide and narrow, and the exit
codes it returns."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from rich.console import Console

from clients.console import show_compare as render
from tests.builders import TEN_TOTAL, hand_run, outcome_of
from tests.helpers import client_lines

EXPECTED = TEN_TOTAL


def test_render_wide_and_narrow(tmp_path: Path) -> None:
    outcome = outcome_of(tmp_path, hand_run("blocking", 0.2), hand_run("asyncio", 0.02))
    wide = Console(record=True, width=200)
    assert render(outcome, wide) == 0
    text = wide.export_text()
    assert "figure" not in text
    assert f"{EXPECTED} ✓" in client_lines(text, "asyncio")[0]
    assert "10.0×" in client_lines(text, "asyncio")[0]

    narrow = Console(record=True, width=80)
    assert render(outcome, narrow) == 0
    text = narrow.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80 and "…" not in text
    assert len(client_lines(text, "asyncio")) >= 2  # in parts, each with the client's name
    assert text.count(f"{EXPECTED} ✓") == 2


def test_render_exit_codes(tmp_path: Path) -> None:
    console = Console(record=True, width=200)
    short = outcome_of(tmp_path, hand_run("blocking", 0.2), hand_run("asyncio", 0.02, total=1))
    assert render(short, console) == 1
    failed = outcome_of(
        tmp_path, hand_run("blocking", 0.2), hand_run("asyncio", 0, skipped="failed: killed")
    )
    assert render(failed, console) == 1
    skipped = outcome_of(
        tmp_path, hand_run("blocking", 0.2), hand_run("asyncio", 0, skipped="skipped: no node")
    )
    assert render(skipped, console) == 0
    assert render(outcome_of(tmp_path), console) == 1  # nothing ran
    interrupted = outcome_of(tmp_path, hand_run("blocking", 0.2), interrupted=True)
    assert render(interrupted, console) == 130
    assert "(interrupted: partial results)" in console.export_text()


def test_requests_from_elsewhere_are_said_under_the_table(tmp_path: Path) -> None:
    stray = replace(hand_run("blocking", 0.4), foreign=37)
    outcome = outcome_of(tmp_path, stray, hand_run("asyncio", 0.05))
    console = Console(record=True, width=200)
    render(outcome, console)
    text = " ".join(console.export_text().split())
    assert "blocking: The server answered 37 API requests during 1 of blocking's runs that did " \
           "not carry its tag" in text  # fmt: skip
    assert text.count("did not carry") == 1  # the asyncio run had none
