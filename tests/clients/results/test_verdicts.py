"""Checked expectations as data: the exit code they give."""

from __future__ import annotations

import io
import tomllib
from dataclasses import replace
from typing import Any

import pytest
from rich.console import Console

from clients import expectations as verdicts
from clients.errors import ScenarioFileError
from clients.expectations import Bound, Faster, Relative, check, parse_expectations
from clients.report.verdicts import verdict_panel
from clients.results.summary import Counts, Summary
from clients.results.verdicts import Verdict, verdict_exit_code
from tests.helpers import state_of



def test_the_exit_code() -> None:
    assert verdict_exit_code([]) == 0
    assert verdict_exit_code([Verdict("a", True, "")]) == 0
    assert verdict_exit_code([Verdict("a", True, ""), Verdict("b", False, "")]) == 1


