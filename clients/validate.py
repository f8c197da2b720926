"""The one validator of scenario documents: the scenario loader and `[[expect]]` both use it.

Every failure is a `ScenarioFileError` naming the file and the key, with one line that says
what was wanted and what was found (and, for a typo, which key or name was meant).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from .errors import ScenarioFileError


def guess(value: str, allowed: Sequence[str]) -> str:
    """` (did you mean 'x'?)` for the closest allowed name, or nothing."""
    hint = difflib.get_close_matches(value, allowed, n=1)
    return f" (did you mean {hint[0]!r}?)" if hint else ""


MAX_DEPTH: Final = 32  # as the server's: a mixture of mixtures in a zip override is ~10 deep


def too_deep(document: Any, limit: int = MAX_DEPTH) -> str | None:
    """Where `document` nests deeper than `limit` tables and lists (a dotted key), or None.

    Iterative, so a document nested 100,000 deep is measured without recursion.
    """
    stack: list[tuple[Any, str, int]] = [(document, "", 0)]
    while stack:
        value, where, depth = stack.pop()
        children: Iterable[tuple[str, Any]]
        if isinstance(value, Mapping):
            children = ((f"{where}.{k}" if where else str(k), v) for k, v in value.items())
        elif isinstance(value, list | tuple):
            children = ((f"{where}[{i}]", v) for i, v in enumerate(value))
        else:
            continue
        if depth >= limit:
            return where if len(where) <= 60 else where[:59] + "…"
        stack.extend((child, path, depth + 1) for path, child in children)
    return None


class Checker:
    """Validation helpers that know which file they are reading."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, key: str, message: str) -> ScenarioFileError:
        """The error for `key`, ready to raise."""
        return ScenarioFileError(self.path, key, message)

    def keys(self, table: Mapping[str, Any], where: str, allowed: Sequence[str]) -> None:
        """Refuse a key that is not `allowed`, suggesting the one probably meant."""
        for key in table:
            if key not in allowed:
                full = f"{where}.{key}" if where else key
                raise self.fail(full, f"unknown key{guess(key, allowed)}; "
                                f"valid keys: {', '.join(allowed)}")  # fmt: skip

    def required(self, table: Mapping[str, Any], where: str, key: str, why: str) -> Any:
        """`table[key]`, or an error saying why it is needed."""
        if key not in table:
            raise self.fail(f"{where}.{key}", f"is required: {why}")
        return table[key]

    def table(self, value: Any, key: str) -> Mapping[str, Any]:
        """`value` if it is a table."""
        if not isinstance(value, Mapping):
            raise self.fail(key, f"must be a table, got {type(value).__name__}")
        return value

    def string(self, value: Any, key: str) -> str:
        """`value` if it is a string."""
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, got {value!r}")
        return value

    def boolean(self, value: Any, key: str) -> bool:
        """`value` if it is true or false."""
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, got {value!r}")
        return value

    def integer(self, value: Any, key: str, low: int, high: int) -> int:
        """`value` if it is a whole number from `low` to `high`."""
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"must be an integer, got {value!r}")
        if not low <= value <= high:
            raise self.fail(key, f"must be between {low} and {high}, got {value}")
        return value

    def number(
        self, value: Any, key: str, low: float, high: float = math.inf, *, inclusive: bool = True
    ) -> float:
        """`value` as a float from `low` (itself allowed when `inclusive`) to `high`."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"must be a number, got {value!r}")
        bound = ">=" if inclusive else ">"
        if math.isinf(high):  # no upper bound: only finite numbers above `low`
            if (
                math.isnan(value)
                or math.isinf(value)
                or value < low
                or (not inclusive and value == low)
            ):
                raise self.fail(key, f"must be a finite number {bound} {low:g}, got {value!r}")
            return float(value)
        if isinstance(value, int) and abs(value) > 10**18:  # float() of it may overflow
            raise self.fail(key, f"must be <= {high:g}, got a huge integer")
        above = low <= value if inclusive else low < value
        if math.isnan(value) or not (above and value <= high):
            raise self.fail(key, f"must be {bound} {low:g} and <= {high:g}, got {value!r}")
        return float(value)
