"""`GET /__admin/journal`: the request journal read over HTTP, filtered, as JSON or NDJSON.

The journal itself — the bounded deque of entries — is `server.accounting.journal`; this
module picks the entries a reader asks for and streams them in slices that hand the event
loop back, so a million entries never stall the requests being served.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from aiohttp import web

from ..accounting.journal import FAULT, ROUTE, STATUS, ZIP, Entry, Journal, to_dict
from ..api.responses import json_error
from ..errors import BadParameter
from ..models.phases import Schedule

MAX_TAG: Final = 200
CHUNK: Final = 2_000  # entries encoded per write, so a large journal never blocks the loop
NDJSON: Final = "application/x-ndjson"
QUERY_KEYS: Final = ("zip", "route", "status", "since", "limit", "format")


@dataclass(frozen=True, slots=True)
class JournalQuery:
    """Which entries a reader wants, and in which format."""

    zip: str | None = None
    route: str | None = None
    status: str | None = None
    since: int = 0
    limit: int | None = None
    ndjson: bool = False

    def matches(self, entry: Entry) -> bool:
        """Whether an entry passes the zip, route and status filters."""
        if self.zip is not None and entry[ZIP] != self.zip:
            return False
        if self.route is not None and entry[ROUTE] != self.route:
            return False
        status = self.status
        return status is None or str(entry[STATUS]) == status or entry[FAULT] == status


def parse_query(query: Mapping[str, str], accept: str = "") -> JournalQuery:
    """The filters of `GET /__admin/journal`; BadParameter names a bad one."""
    for name in query:
        if name not in QUERY_KEYS:
            raise BadParameter(name, f"unknown; valid: {', '.join(QUERY_KEYS)}")
    route = query.get("route")
    if route is not None and route not in ("jobs", "search"):
        raise BadParameter("route", f"must be jobs or search, got {route!r}")
    fmt = query.get("format")
    if fmt is not None and fmt not in ("json", "ndjson"):
        raise BadParameter("format", f"must be json or ndjson, got {fmt!r}")
    return JournalQuery(
        zip=_text(query, "zip"),
        route=route,
        status=_text(query, "status"),
        since=_count(query, "since", 0) or 0,
        limit=_count(query, "limit", None),
        ndjson=fmt == "ndjson" or (fmt is None and NDJSON in accept),
    )


def _text(query: Mapping[str, str], name: str) -> str | None:
    value = query.get(name)
    if value is not None and not (0 < len(value) <= MAX_TAG and value.isprintable()):
        raise BadParameter(name, f"must be 1 to {MAX_TAG} printable characters")
    return value


def _count(query: Mapping[str, str], name: str, default: int | None) -> int | None:
    raw = query.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        raise BadParameter(name, f"must be an integer from 0 to {10**12 - 1}, got {raw[:20]!r}")
    return int(raw)


async def select(journal: Journal, query: JournalQuery) -> tuple[list[tuple[int, Entry]], int]:
    """The entries `query` asks for and the `next` sequence number to ask `since`.

    The deque is copied at once (a reference per entry); the filtering runs in slices that
    yield to the event loop, so a million entries never stall the requests being served.
    """
    candidates = journal.since(query.since)
    last = journal.total  # taken with the snapshot: entries recorded while we filter come next
    chosen: list[tuple[int, Entry]] = []
    limit = query.limit
    for offset in range(0, len(candidates), CHUNK * 10):
        for item in candidates[offset : offset + CHUNK * 10]:
            if limit is not None and len(chosen) >= limit:
                return chosen, chosen[-1][0] if chosen else query.since
            if query.matches(item[1]):
                chosen.append(item)
        await asyncio.sleep(0)
    return chosen, last


async def get_journal(
    request: web.Request, load: Callable[[int], Awaitable[Journal]]
) -> web.StreamResponse:
    """`GET /__admin/journal`: JSON `{"entries": [...], "dropped", "size", "now", "next",
    "tag"}`, or NDJSON lines (with those figures in `X-Journal-*` headers); `load` gives the
    journal from a sequence number on (this process's, or the shared store's)."""
    try:
        query = parse_query(request.query, request.headers.get("Accept", ""))
    except BadParameter as error:
        return json_error(400, str(error), parameter=error.name)
    journal = await load(query.since)
    now, epoch = journal.now, journal.epoch
    chosen, last = await select(journal, query)
    meta = {
        "dropped": journal.dropped, "size": journal.size, "budget": journal.budget,
        "bytes": journal.bytes, "now": round(now, 6), "next": last, "tag": journal.tag,
    }  # fmt: skip
    if query.ndjson:
        response = web.StreamResponse(headers=_meta_headers(meta))
        response.content_type = NDJSON
        await response.prepare(request)
        for lines in _encoded(chosen, epoch, "\n", journal.schedule):
            await response.write(lines.encode() + b"\n")
    else:
        response = web.StreamResponse()
        response.content_type = "application/json"
        await response.prepare(request)
        await response.write(b'{"entries":[')
        for index, lines in enumerate(_encoded(chosen, epoch, ",", journal.schedule)):
            await response.write((b"," if index else b"") + lines.encode())
        tail = json.dumps(meta, separators=(",", ":"))
        await response.write(b"]," + tail[1:].encode())
    await response.write_eof()
    return response


def _encoded(
    chosen: list[tuple[int, Entry]], epoch: float, separator: str, schedule: Schedule
) -> Iterable[str]:
    for offset in range(0, len(chosen), CHUNK):
        yield separator.join(
            json.dumps(to_dict(seq, entry, epoch, schedule), separators=(",", ":"))
            for seq, entry in chosen[offset : offset + CHUNK]
        )


def _meta_headers(meta: Mapping[str, Any]) -> dict[str, str]:
    headers = {f"X-Journal-{name.capitalize()}": str(value) for name, value in meta.items()}
    headers["X-Journal-Tag"] = json.dumps(meta["tag"])  # JSON: a tag may hold any character
    return headers


async def read_tag(request: web.Request) -> str | None:
    """The optional `{"tag": "..."}` body of `POST /__admin/reset`; an empty body is no tag.

    Raises BadParameter naming `tag` or `body` for anything else.
    """
    raw = await request.read()
    if not raw.strip():
        return None
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise BadParameter("body", f"not valid JSON ({error})") from None
    if not isinstance(document, dict):
        raise BadParameter("body", 'must be a JSON object such as {"tag": "run-1"}')
    for key in document:
        if key != "tag":
            raise BadParameter(str(key)[:40], "unknown key; valid keys: tag")
    if "tag" not in document:
        return None
    tag = document["tag"]
    if not isinstance(tag, str) or not 0 < len(tag) <= MAX_TAG or not tag.isprintable():
        raise BadParameter("tag", f"must be a string of 1 to {MAX_TAG} printable characters")
    return tag
