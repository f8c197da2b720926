"""Checked expectations as data: what was expected, whether it held, what was measured.

`expectations.check` makes them; a result saves them (`Verdict.to_dict`) and the renderers
read them back (`saved_verdicts`). Pure: no I/O.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final


class Held(enum.Enum):
    """What came of one expectation."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_RUN = "not run"  # the compare stopped (Ctrl-C, a lost server) before it could be checked


MARKS: Final = {Held.PASSED: "✓", Held.FAILED: "✗", Held.NOT_RUN: "–"}


@dataclass(frozen=True, slots=True)
class Verdict:
    """One checked expectation: what was expected, whether it held, and what was measured."""

    text: str
    passed: bool
    detail: str
    not_run: bool = False  # it could not be checked: a client it names never got to run

    @property
    def held(self) -> Held:
        """Passed, failed, or not run."""
        if self.not_run:
            return Held.NOT_RUN
        return Held.PASSED if self.passed else Held.FAILED

    @property
    def mark(self) -> str:
        """✓, ✗ or – (not run)."""
        return MARKS[self.held]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, as a result saves it."""
        return {"text": self.text, "passed": self.passed, "detail": self.detail,
                "not_run": self.not_run}  # fmt: skip

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Verdict:
        """The inverse of `to_dict`, lenient with a hand-edited file."""
        return cls(str(raw.get("text", "")), bool(raw.get("passed")), str(raw.get("detail", "")),
                   bool(raw.get("not_run")))  # fmt: skip


def tally(verdicts: Sequence[Verdict]) -> str:
    """`1/3 passed, 2 not run`: how many held out of how many, and how many were not run."""
    passed = sum(v.held is Held.PASSED for v in verdicts)
    not_run = sum(v.held is Held.NOT_RUN for v in verdicts)
    return f"{passed}/{len(verdicts)} passed" + (f", {not_run} not run" if not_run else "")


def any_failed(verdicts: Sequence[Verdict]) -> bool:
    """Whether an expectation was checked and did not hold (one not run is no failure)."""
    return any(v.held is Held.FAILED for v in verdicts)


def saved_verdicts(doc: Mapping[str, Any]) -> list[Verdict]:
    """The expectations as checked when the result was saved (none in older files)."""
    return [Verdict.from_dict(v) for v in doc.get("verdicts") or [] if isinstance(v, Mapping)]


def verdict_exit_code(verdicts: Sequence[Verdict]) -> int:
    """0 when every expectation checked held (or there were none), else 1."""
    return 1 if any_failed(verdicts) else 0
