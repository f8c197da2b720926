"""`GET /__admin/journal`: the request journal read over HTTP, filtered, as JSON or NDJSON.

The journal itself — the bounded deque of entries — is `server.accounting.journal`; this
module picks the entries a reader asks for and streams them in slices that hand the event
loop back, so a million entries never stall the requests being served.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from aiohttp import web

from ..accounting.journal import FAULT, ROUTE, STATUS, ZIP, Entry, Journal, to_dict
from ..api.params import CONTROL, parse_location
from ..api.responses import json_error
from ..errors import BadParameter
from ..models.phases import Schedule
from .plumbing import read_body

MAX_TAG: Final = 200
# Entries encoded per write (about 26 KB, a millisecond), and filtered, between two
# hand-backs of the loop: a write alone returns at once to a client that keeps up. A request
# arriving meanwhile waits two or three slices (its read, then its handler, each queued
# behind the reader's next slice), so a slice is kept small.
SLICE: Final = 100
SCAN: Final = 5_000
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

    @property
    def filters(self) -> bool:
        """Whether any of zip, route or status is asked for."""
        return self.zip is not None or self.route is not None or self.status is not None

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
        zip=_place(query, "zip"),
        route=route,
        status=_text(query, "status"),
        since=_count(query, "since", 0) or 0,
        limit=_count(query, "limit", None),
        ndjson=fmt == "ndjson" or (fmt is None and NDJSON in accept),
    )


def _text(query: Mapping[str, str], name: str) -> str | None:
    value = query.get(name)
    if value is not None and not acceptable_text(value):
        raise BadParameter(name, f"must be 1 to {MAX_TAG} characters, none a control character")
    return value


def acceptable_text(value: str) -> bool:
    """Whether a filter or a tag is 1 to MAX_TAG characters, none a control character (C0,
    DEL, C1: `TEXT_PATTERN` in /openapi.json)."""
    return 0 < len(value) <= MAX_TAG and not CONTROL.search(value)


def _place(query: Mapping[str, str], name: str) -> str | None:
    """A zip filter: any zip or place name `/api/search` accepts, read as it reads one (spaces
    around dropped), so the filter finds the entries that name made."""
    value = query.get(name)
    if value is None:
        return None
    if not value.strip(" "):
        raise BadParameter(name, "must not be blank: a zip code such as 90011, or a place name")
    return parse_location(query, name)


def _count(query: Mapping[str, str], name: str, default: int | None) -> int | None:
    raw = query.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        raise BadParameter(name, f"must be an integer from 0 to {10**12 - 1}, got {raw[:20]!r}")
    return int(raw)


@dataclass(frozen=True, slots=True)
class Selection:
    """The entries a read answers with: positions in a snapshot of the journal, and `next`."""

    first: int  # the sequence number of `kept[0]`
    kept: list[Entry]  # the snapshot: references to the kept entries with seq above `since`
    picked: Sequence[int]  # positions in `kept` of the entries chosen, in order
    next: int  # the sequence number to ask `since` next


async def select(journal: Journal, query: JournalQuery) -> Selection:
    """The entries `query` asks for and the `next` sequence number to ask `since`.

    The deque is copied at once (a reference per entry, at C speed); the filtering runs in
    slices of `SCAN` entries with the event loop handed back between them.
    """
    first, kept = journal.snapshot(query.since)
    last = journal.total  # taken with the snapshot: entries recorded while we read come next
    limit = query.limit
    if not query.filters:
        count = len(kept) if limit is None else min(limit, len(kept))
        if count == len(kept):
            return Selection(first, kept, range(count), last)
        return Selection(first, kept, range(count), _cut(first, count - 1, query))
    picked: list[int] = []
    matches = query.matches
    for offset in range(0, len(kept), SCAN):
        for index in range(offset, min(offset + SCAN, len(kept))):
            if limit is not None and len(picked) >= limit:
                return Selection(
                    first, kept, picked, _cut(first, picked[-1] if picked else -1, query)
                )
            if matches(kept[index]):
                picked.append(index)
        await asyncio.sleep(0)
    return Selection(first, kept, picked, last)


def _cut(first: int, position: int, query: JournalQuery) -> int:
    """`next` of a read `limit` cut short: its last entry's number (`since` if it has none)."""
    return first + position if position >= 0 else query.since


async def get_journal(
    request: web.Request, load: Callable[[int], Awaitable[Journal]]
) -> web.StreamResponse:
    """`GET /__admin/journal`: JSON `{"entries": [...], "dropped", "size", "now", "next",
    "tag"}`, or NDJSON lines (with those figures in `X-Journal-*` headers), streamed in
    slices of `SLICE` entries, each written and the loop handed back before the next; `load`
    gives the journal from a sequence number on (this process's, or the shared store's)."""
    try:
        query = parse_query(request.query, request.headers.get("Accept", ""))
    except BadParameter as error:
        return json_error(400, str(error), parameter=error.name)
    journal = await load(query.since)
    now, epoch = journal.now, journal.epoch
    chosen = await select(journal, query)
    meta = {
        "dropped": journal.dropped, "size": journal.size, "budget": journal.budget,
        "bytes": journal.bytes, "now": round(now, 6), "next": chosen.next, "tag": journal.tag,
    }  # fmt: skip
    if query.ndjson:
        response = web.StreamResponse(headers=_meta_headers(meta))
        response.content_type = NDJSON
        await response.prepare(request)
        for lines in encoded(chosen, epoch, b"\n", journal.schedule):
            await response.write(lines + b"\n")
            await asyncio.sleep(0)  # a write returns at once unless the client is slow
    else:
        response = web.StreamResponse()
        response.content_type = "application/json"
        await response.prepare(request)
        await response.write(b'{"entries":[')
        for index, lines in enumerate(encoded(chosen, epoch, b",", journal.schedule)):
            await response.write((b"," if index else b"") + lines)
            await asyncio.sleep(0)
        tail = json.dumps(meta, separators=(",", ":"))
        await response.write(b"]," + tail[1:].encode())
    await response.write_eof()
    return response


def encoded(
    chosen: Selection, epoch: float, separator: bytes, schedule: Schedule
) -> Iterator[bytes]:
    """The chosen entries as JSON, `SLICE` of them a piece, joined by `separator`."""
    first, kept, picked = chosen.first, chosen.kept, chosen.picked
    for offset in range(0, len(picked), SLICE):
        yield separator.join(
            json.dumps(to_dict(first + i, kept[i], epoch, schedule), separators=(",", ":")).encode()
            for i in picked[offset : offset + SLICE]
        )


def _meta_headers(meta: Mapping[str, Any]) -> dict[str, str]:
    headers = {f"X-Journal-{name.capitalize()}": str(value) for name, value in meta.items()}
    headers["X-Journal-Tag"] = json.dumps(meta["tag"])  # JSON: a tag may hold any character
    return headers


async def read_tag(request: web.Request) -> str | None:
    """The optional `{"tag": "..."}` body of `POST /__admin/reset`; an empty body is no tag.

    Raises BadParameter naming `tag` or `body` for anything else.
    """
    raw = await read_body(request)  # the one size rule, so a 413 names its limit
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
    if not isinstance(tag, str) or not acceptable_text(tag):
        raise BadParameter("tag", f"must be a string of 1 to {MAX_TAG} characters, none a "
                           "control character")  # fmt: skip
    return tag
