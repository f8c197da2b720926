"""Checked expectations as data: the exit code they give."""

from __future__ import annotations

from clients.results.verdicts import Verdict, verdict_exit_code


def test_the_exit_code() -> None:
    assert verdict_exit_code([]) == 0
    assert verdict_exit_code([Verdict("a", True, "")]) == 0
    assert verdict_exit_code([Verdict("a", True, ""), Verdict("b", False, "")]) == 1
