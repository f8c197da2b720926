"""What every client shares: URLs, reading the count, Server-Timing, what is worth a retry.

The retry policy itself (backoff, jitter, budget, hedging) is `policy`.

All pure: the clients do the I/O and hand what they got to these functions.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Final
from urllib.parse import urlencode

from .errors import Malformed
from .records import Attempt, ClientSettings

PATHS: Final = {"jobs": "/api/jobs", "search": "/api/search"}
TAG_HEADER: Final = "X-Client"  # the run's tag on each request: the journal keeps it
_TIMING: Final = re.compile(r"(\w+);dur=(-?[0-9.]+)")  # a timer that fired early: negative


def request_url(base_url: str, settings: ClientSettings, zip_code: str) -> str:
    """The URL asking for `zip_code`'s jobs in the settings' API shape."""
    if settings.api == "search":
        query = {"LocationName": zip_code}
        if settings.per_page is not None:
            query["ResultsPerPage"] = str(settings.per_page)
    else:
        query = {"LocationId": zip_code}
        if settings.per_page is not None:
            query["NumberOfJobs"] = str(settings.per_page)
    return f"{base_url.rstrip('/')}{PATHS[settings.api]}?{urlencode(query)}"


_RUN_TAG: Final = re.compile(r".+ [0-9a-f]{12}")


def run_tag(name: str) -> str:
    """A new tag for one run of the client `name`: `blocking 3f2a9c0d1e4b`."""
    return f"{name} {uuid.uuid4().hex[:12]}"


def is_run_tag(text: str | None) -> bool:
    """Whether `text` (an `X-Client` value) is a tag some run of ours made."""
    return text is not None and _RUN_TAG.fullmatch(text) is not None


def marked(tag: str | None) -> dict[str, str]:
    """The headers that mark a request as the run tagged `tag`'s (none without a tag)."""
    return {TAG_HEADER: tag} if tag else {}


def parse_count(body: bytes, api: str) -> int:
    """The zip's job count: `TotalJobs` (2015) or `SearchResult.SearchResultCountAll`."""
    try:
        document = json.loads(body)
        value = (
            document["SearchResult"]["SearchResultCountAll"]
            if api == "search"
            else document["TotalJobs"]
        )
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise TypeError(f"a count must be an integer or a string, got {value!r}")
        return int(value)
    except (ValueError, KeyError, TypeError) as error:
        raise Malformed(f"{type(error).__name__}: {error}") from None


def parse_server_timing(header: str | None) -> dict[str, float]:
    """`Server-Timing` durations in seconds, by name (intended, queue, overshoot)."""
    if not header:
        return {}
    return {name: float(value) / 1000 for name, value in _TIMING.findall(header)}


def retry_after(headers: Mapping[str, str]) -> float | None:
    """How long the server asked us to wait: `Retry-After-Ms` if sent, else `Retry-After`."""
    for name, scale in (("Retry-After-Ms", 0.001), ("Retry-After", 1.0)):
        value = headers.get(name)
        if value is not None:
            try:
                return max(0.0, float(value) * scale)
            except ValueError:
                continue  # an HTTP-date Retry-After: ignore it and back off as usual
    return None


def is_retryable(status: int | None, error: str | None) -> bool:
    """Failures worth another try: no answer, 429, 5xx, or a broken body."""
    if error is None:
        return False
    return status is None or status == 429 or status >= 500 or error in ("malformed", "payload")


@dataclass(frozen=True, slots=True)
class Answer:
    """What one HTTP exchange produced, before it becomes an `Attempt`."""

    status: int | None
    body: bytes = b""
    headers: Mapping[str, str] | None = None
    error: str | None = None


def to_attempt(
    zip_code: str, number: int, start: float, end: float, answer: Answer, api: str, lane: int
) -> Attempt:
    """Fold an exchange into a record: read the count, or name what went wrong."""
    headers = answer.headers or {}
    timing = parse_server_timing(headers.get("Server-Timing"))
    jobs: int | None = None
    error = answer.error
    if error is None and answer.status != 200:
        error = f"http_{answer.status}"
    if error is None:
        try:
            jobs = parse_count(answer.body, api)
        except Malformed:
            error = "malformed"
    return Attempt(
        zip=zip_code,
        attempt=number,
        start=start,
        end=end,
        status=answer.status,
        bytes=len(answer.body),
        jobs=jobs,
        error=error,
        lane=lane,
        intended=timing.get("intended"),
        queue=timing.get("queue"),
        overshoot=timing.get("overshoot"),
    )


def total_jobs(attempts: list[Attempt] | tuple[Attempt, ...]) -> int:
    """The talk's sum: each zip's count, from its successful attempt."""
    counts = {a.zip: a.jobs for a in attempts if a.ok and a.jobs is not None}
    return sum(counts.values())


def pack_lanes(attempts: list[Attempt]) -> list[Attempt]:
    """Give attempts that overlapped in time different lanes (the lowest free one, in order).

    For clients that cannot say which connection served a request (a browser).
    """
    free_at: list[float] = []  # when each lane is next free
    packed = []
    for attempt in sorted(attempts, key=lambda a: (a.start, a.zip)):
        lane = next((i for i, t in enumerate(free_at) if t <= attempt.start), len(free_at))
        if lane == len(free_at):
            free_at.append(attempt.end)
        else:
            free_at[lane] = attempt.end
        packed.append(replace(attempt, lane=lane))
    return packed
