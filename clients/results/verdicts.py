"""Checked expectations as data: what was expected, whether it held, what was measured.

`expectations.check` makes them; a result saves them (`Verdict.to_dict`) and the renderers
read them back (`saved_verdicts`). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Verdict:
    """One checked expectation: what was expected, whether it held, and what was measured."""

    text: str
    passed: bool
    detail: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, as a result saves it."""
        return {"text": self.text, "passed": self.passed, "detail": self.detail}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Verdict:
        """The inverse of `to_dict`, lenient with a hand-edited file."""
        return cls(str(raw.get("text", "")), bool(raw.get("passed")), str(raw.get("detail", "")))


def saved_verdicts(doc: Mapping[str, Any]) -> list[Verdict]:
    """The expectations as checked when the result was saved (none in older files)."""
    return [Verdict.from_dict(v) for v in doc.get("verdicts") or [] if isinstance(v, Mapping)]


def verdict_exit_code(verdicts: Sequence[Verdict]) -> int:
    """0 when every expectation held (or there were none), else 1."""
    return 0 if all(v.passed for v in verdicts) else 1
