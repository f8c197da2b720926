"""What the pytest plugin's checks decide, from the server's journal: pure, no I/O.

A check that cannot fail proves nothing: at an intended delay near zero each request is over
before the next one arrives, so even eight threads seldom show two in flight, and
`assert_max_in_flight(4)` would pass for them. `unobservable` says when a concurrency check
cannot tell; `short_zips` which zips a wrong total came from, in the server's words.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from ..results.units import seconds
from .journal import API_ROUTES, DELIVERED

# The plugin's default intended delay, and the least a concurrency check can see through: at
# 10 ms a request is held several times as long as a client takes to send the next one.
DEFAULT_DELAY: Final = 0.02
OBSERVABLE_DELAY: Final = 0.01


def api_entries(entries: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The journal's API requests (not /health, not the admin routes)."""
    return [e for e in entries if e.get("route") in API_ROUTES]


def unobservable(entries: Sequence[Mapping[str, Any]], at_most: int) -> str | None:
    """Why a check of at most `at_most` in flight could not have failed here, or None."""
    requests = api_entries(entries)
    if len(requests) <= at_most:
        return (f"only {len(requests)} request{'s' if len(requests) != 1 else ''} reached the "
                f"server: more than {at_most} in flight was impossible")  # fmt: skip
    delays = [float(e["intended"]) for e in requests if e.get("intended") is not None]
    median = statistics.median(delays) if delays else 0.0
    if median >= OBSERVABLE_DELAY:
        return None
    return (f"the server held each request {seconds(median)} (the median intended delay), too "
            "short for concurrent requests to overlap: a concurrent client could pass this check "
            f"by chance; give the scenario a delay of {seconds(OBSERVABLE_DELAY)} or more (the "
            f"plugin's default is {seconds(DEFAULT_DELAY)})")  # fmt: skip


def clean(entry: Mapping[str, Any]) -> bool:
    """Whether the server answered this request whole: a 200 with no fault that spoils it."""
    fault = entry.get("fault")
    return entry.get("status") == 200 and (not fault or fault in DELIVERED)


@dataclass(frozen=True, slots=True)
class Short:
    """A zip whose answer may be missing from a total: never answered whole, or never asked."""

    zip: str
    entries: tuple[Mapping[str, Any], ...]  # what the server saw for it, oldest first

    @property
    def what(self) -> str:
        """`never asked for`, or `3 requests, none answered whole`."""
        if not self.entries:
            return "never asked for"
        count = len(self.entries)
        return f"{count} request{'s' if count != 1 else ''}, none answered whole"


def short_zips(entries: Sequence[Mapping[str, Any]], zips: Sequence[str]) -> list[Short]:
    """The zips of `zips` the server never answered whole, in the order given."""
    by_zip: dict[str, list[Mapping[str, Any]]] = {}
    for entry in api_entries(entries):
        by_zip.setdefault(str(entry.get("zip")), []).append(entry)
    return [
        Short(z, tuple(by_zip.get(z, ())))
        for z in dict.fromkeys(zips)
        if not any(clean(e) for e in by_zip.get(z, ()))
    ]


def answered_twice(entries: Sequence[Mapping[str, Any]], zips: Sequence[str]) -> list[str]:
    """The zips the server answered whole more than once: a sum may have counted them twice."""
    counts: dict[str, int] = {}
    for entry in api_entries(entries):
        if clean(entry):
            counts[str(entry.get("zip"))] = counts.get(str(entry.get("zip")), 0) + 1
    return [z for z in dict.fromkeys(zips) if counts.get(z, 0) > 1]


def total_lines(
    what: str,
    shorts: Sequence[Short],
    worth: Mapping[str, int],
    twice: Sequence[str],
    describe: Any,
    shown: int = 10,
) -> list[str]:
    """A wrong total in the server's words: which zips were short and what the server did to
    each (`worth`: a zip's own count, where known; `describe`: one journal entry as a line)."""
    lines = [f"usajobs: {what}"]
    if shorts:
        lines.append(f"{len(shorts)} zip{'s' if len(shorts) != 1 else ''} never answered whole:")
    for short in shorts[:shown]:
        jobs = f" (worth {worth[short.zip]:,} jobs)" if short.zip in worth else ""
        lines.append(f"  {short.zip}{jobs}: {short.what}")
        lines.extend(f"    {describe(entry)}" for entry in short.entries[:5])
        if len(short.entries) > 5:
            lines.append(f"    … and {len(short.entries) - 5} more")
    if len(shorts) > shown:
        lines.append(f"  … and {len(shorts) - shown} more zips (usajobs.journal() has them all)")
    if not shorts:
        lines.append("the server answered every zip whole at least once: the sum is the code's")
    if twice:
        listed = ", ".join(twice[:10]) + (" …" if len(twice) > 10 else "")
        lines.append(f"answered whole more than once (counted twice?): {listed}")
    return lines
