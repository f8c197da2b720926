"""A compare's requests as HAR 1.2, the format DevTools, mitmproxy, k6's and Locust's
converters and MockServer import: one page per client (its run the report shows), one entry
per attempt, retries included.

HAR wants wall-clock times and the result keeps each run's own clock, so every page starts at
the result's `created` time and an entry at that plus its start on its run's clock (said in
`log.comment`). What HAR has no field for goes under `_`-prefixed keys, as HAR allows:
`_client`, `_zip`, `_attempt` (0 is a zip's first try), `_lane`, `_intended_delay_ms`,
`_queue_wait_ms`, `_overshoot_ms`, `_error` (the attempt's error kind, null when it was
answered), `_fault` (the fault the server's preview planned for the zip's attempt 0: a retry
has none written) and `_resourceType` (DevTools' request type). Timings: `wait` is the time
the server says it held the request (Server-Timing: queue + intended delay + overshoot, no
more than the latency), `receive` the rest of the latency as the client saw it, and `time`
their sum. Pure: a result document in, a JSON-ready dict out.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

from .. import __version__
from ..protocol import request_url
from ..records import Attempt, RunResult, RunState
from ..results.document import runs_of
from .timeline import representative_runs

VERSION: Final = "1.2"
FALLBACK_URL: Final = "http://127.0.0.1"  # a result written without a server URL


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 3)


def _moment(start: dt.datetime, offset: float) -> str:
    return (start + dt.timedelta(seconds=offset)).isoformat(timespec="milliseconds")


def created_at(doc: Mapping[str, Any]) -> dt.datetime:
    """The result's `created` time (the epoch, for a file without one)."""
    try:
        found = dt.datetime.fromisoformat(str(doc.get("created")))
    except ValueError:
        found = dt.datetime.fromtimestamp(0, dt.UTC)
    return found if found.tzinfo else found.replace(tzinfo=dt.UTC)


def timings(attempt: Attempt) -> dict[str, float]:
    """HAR's timings in ms: the server's hold as `wait`, the rest of the latency `receive`."""
    latency = max(0.0, attempt.latency)
    held = sum(v or 0.0 for v in (attempt.queue, attempt.intended, attempt.overshoot))
    wait = min(latency, max(0.0, held)) if attempt.intended is not None else latency
    return {"blocked": -1, "dns": -1, "connect": -1, "ssl": -1, "send": 0.0,
            "wait": round(wait * 1000, 3),
            "receive": round((latency - wait) * 1000, 3)}  # fmt: skip


def _response(attempt: Attempt) -> dict[str, Any]:
    status = attempt.status or 0
    answered = attempt.status is not None
    response: dict[str, Any] = {
        "status": status,
        "statusText": _phrase(status) if answered else "",
        "httpVersion": "HTTP/1.1" if answered else "",
        "cookies": [],
        "headers": [],
        "content": {"size": attempt.bytes, "mimeType": "application/json" if answered else ""},
        "redirectURL": "",
        "headersSize": -1,
        "bodySize": attempt.bytes if answered else -1,
    }
    if attempt.error is not None:
        response["_error"] = attempt.error
    return response


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def entry(
    run: RunResult, attempt: Attempt, base_url: str, start: dt.datetime, page: str,
    faults: Mapping[str, str | None],
) -> dict[str, Any]:  # fmt: skip
    """One attempt as a HAR entry on `page`."""
    url = request_url(base_url, run.settings, attempt.zip)
    times = timings(attempt)
    found: dict[str, Any] = {
        "pageref": page,
        "startedDateTime": _moment(start, attempt.start),
        "time": round(sum(v for v in times.values() if v != -1), 3),
        "request": {
            "method": "GET", "url": url, "httpVersion": "HTTP/1.1", "cookies": [],
            "headers": [], "headersSize": -1, "bodySize": 0,
            "queryString": [{"name": k, "value": v} for k, v in parse_qsl(urlsplit(url).query)],
        },
        "response": _response(attempt),
        "cache": {},
        "timings": times,
        "_resourceType": "fetch",
        "_client": run.client,
        "_zip": attempt.zip,
        "_attempt": attempt.attempt,
        "_lane": attempt.lane,
        "_intended_delay_ms": _ms(attempt.intended),
        "_queue_wait_ms": _ms(attempt.queue),
        "_overshoot_ms": _ms(attempt.overshoot),
        "_error": attempt.error,
    }  # fmt: skip
    if attempt.attempt == 0 and attempt.zip in faults:
        found["_fault"] = faults[attempt.zip] or "none"
    return found


def planned_faults(doc: Mapping[str, Any]) -> dict[str, str | None]:
    """Each zip's fault for its attempt 0, as the server's preview planned it."""
    rows = (doc.get("preview") or {}).get("zips") or []
    return {str(r["zip"]): r.get("fault") for r in rows if isinstance(r, Mapping) and "zip" in r}


def har_document(
    doc: Mapping[str, Any], shown: Sequence[RunResult] | None = None
) -> dict[str, Any]:
    """The HAR log of `shown` (default: each client's run the report shows)."""
    runs = list(shown) if shown is not None else representative_runs(runs_of(doc))
    start = created_at(doc)
    base_url = str((doc.get("server") or {}).get("url") or FALLBACK_URL)
    faults = planned_faults(doc)
    pages, entries = [], []
    for index, run in enumerate(runs):
        page = f"page_{index + 1}"
        title = f"{run.client} ({run.settings.kind})"
        if run.state is not RunState.OK:
            title += f": {run.skipped}"
        timings_ = {"onContentLoad": -1, "onLoad": _ms(run.usage.time)}
        pages.append({"startedDateTime": _moment(start, 0.0), "id": page, "title": title,
                      "pageTimings": timings_})  # fmt: skip
        ordered = sorted(run.attempts, key=lambda a: (a.start, a.zip, a.attempt))
        entries += [entry(run, a, base_url, start, page, faults) for a in ordered]
    scenario = doc.get("scenario") or {}
    comment = (
        f"scenario {scenario.get('name', '?')}, seed {scenario.get('seed', '?')}: each client is "
        "a page; its runs ran one after another, each on its own clock, so every page starts "
        "at the result's created time and each entry at that plus its start in its run"
    )
    return {"log": {
        "version": VERSION,
        "creator": {"name": "asynchronicity", "version": __version__},
        "browser": {"name": "asynchronicity", "version": __version__},
        "pages": pages,
        "entries": entries,
        "comment": comment,
    }}  # fmt: skip


def render_har(doc: Mapping[str, Any]) -> str:
    """The HAR log as JSON text."""
    return json.dumps(har_document(doc), ensure_ascii=False, separators=(",", ":")) + "\n"
