"""The request journal: every API request since the last reset, as the server saw it.

Recording is one tuple appended to a bounded deque per request (`Journal.add`); the dicts a
reader sees are built only when someone asks (`GET /__admin/journal`). Sequence numbers are
implicit — the entries in the deque are consecutive — so they cost nothing to store. Times are
the server's monotonic clock, stored raw and shown as seconds since the reset.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any, Final, TypeAlias

from aiohttp import web

from .errors import BadParameter
from .responses import json_error

DEFAULT_SIZE: Final = 1_000_000
MAX_SIZE: Final = 100_000_000
MAX_TAG: Final = 200
CHUNK: Final = 2_000  # entries encoded per write, so a large journal never blocks the loop
NDJSON: Final = "application/x-ndjson"
QUERY_KEYS: Final = ("zip", "route", "status", "since", "limit", "format")

# (arrival, start, end, route, zip, attempt, intended, queue, status, fault, bytes, peer, client)
Entry: TypeAlias = tuple[
    float, float, float, str, str | None, int | None, float, float, int | str, str | None, int,
    Any, str | None,
]  # fmt: skip
ROUTE: Final = 3  # the fields the filters read
ZIP: Final = 4
STATUS: Final = 8
FAULT: Final = 9
PEER: Final = 11


class Journal:
    """At most `size` entries, oldest dropped first and counted; `size` 0 records nothing."""

    def __init__(self, size: int, clock: Callable[[], float]) -> None:
        self.size = size
        self.clock = clock
        self.entries: deque[Entry] = deque(maxlen=size)
        self.total = 0  # entries recorded since the reset: the last sequence number
        self.epoch = clock()
        self.tag: str | None = None
        if size == 0:
            self.add = self._off  # type: ignore[method-assign]

    def add(self, entry: Entry) -> None:
        """Record one finished request (the hot path: one append, one increment)."""
        self.entries.append(entry)
        self.total += 1

    def _off(self, entry: Entry) -> None:
        pass

    def clear(self, tag: str | None = None) -> None:
        """Forget everything; times now count from here, and `tag` labels the new run."""
        self.entries.clear()
        self.total = 0
        self.epoch = self.clock()
        self.tag = tag

    @property
    def dropped(self) -> int:
        """How many entries were recorded but are gone (the journal was full)."""
        return self.total - len(self.entries)

    @property
    def now(self) -> float:
        """Seconds since the reset."""
        return self.clock() - self.epoch

    def since(self, seq: int) -> list[tuple[int, Entry]]:
        """The entries with a sequence number above `seq`, with their numbers (a snapshot)."""
        first = self.total - len(self.entries) + 1  # the oldest kept entry's number
        skip = max(0, seq - first + 1)
        kept = list(islice(self.entries, skip, None))
        start = first + skip
        return list(zip(range(start, start + len(kept)), kept, strict=True))

    def figures(self) -> dict[str, Any]:
        """Connections used and requests per connection over the kept entries, and the size."""
        peers = {id(entry[PEER]) for entry in self.entries if entry[PEER] is not None}
        count = len(self.entries)
        return {
            "size": self.size,
            "entries": count,
            "recorded": self.total,
            "dropped": self.dropped,
            "connections": len(peers),
            "requests_per_connection": count / len(peers) if peers else None,
        }


def to_dict(seq: int, entry: Entry, epoch: float) -> dict[str, Any]:
    """One entry as a reader sees it: times in seconds since the reset."""
    arrival, start, end, route, zip_code, attempt, intended, queue = entry[:8]
    status, fault, size, peer, client = entry[8:]
    address, port = (peer[0], peer[1]) if isinstance(peer, tuple) else (peer or None, None)
    return {
        "seq": seq,
        "arrival": round(arrival - epoch, 6),
        "start": round(start - epoch, 6),
        "end": round(end - epoch, 6),
        "route": route,
        "zip": zip_code,
        "attempt": attempt,
        "intended": round(intended, 6),
        "queue_wait": round(queue, 6),
        "status": status,
        "fault": fault,
        "bytes": size,
        "peer": address,
        "port": port,
        "client": client,
    }


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


async def get_journal(request: web.Request, journal: Journal) -> web.StreamResponse:
    """`GET /__admin/journal`: JSON `{"entries": [...], "dropped", "size", "now", "next",
    "tag"}`, or NDJSON lines (with those figures in `X-Journal-*` headers)."""
    try:
        query = parse_query(request.query, request.headers.get("Accept", ""))
    except BadParameter as error:
        return json_error(400, str(error), parameter=error.name)
    now, epoch = journal.now, journal.epoch
    chosen, last = await select(journal, query)
    meta = {
        "dropped": journal.dropped, "size": journal.size, "now": round(now, 6), "next": last,
        "tag": journal.tag,
    }  # fmt: skip
    if query.ndjson:
        response = web.StreamResponse(headers=_meta_headers(meta))
        response.content_type = NDJSON
        await response.prepare(request)
        for lines in _encoded(chosen, epoch, "\n"):
            await response.write(lines.encode() + b"\n")
    else:
        response = web.StreamResponse()
        response.content_type = "application/json"
        await response.prepare(request)
        await response.write(b'{"entries":[')
        for index, lines in enumerate(_encoded(chosen, epoch, ",")):
            await response.write((b"," if index else b"") + lines.encode())
        tail = json.dumps(meta, separators=(",", ":"))
        await response.write(b"]," + tail[1:].encode())
    await response.write_eof()
    return response


def _encoded(chosen: list[tuple[int, Entry]], epoch: float, separator: str) -> Iterable[str]:
    for offset in range(0, len(chosen), CHUNK):
        yield separator.join(
            json.dumps(to_dict(seq, entry, epoch), separators=(",", ":"))
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


def openapi_paths() -> dict[str, Any]:
    """`/__admin/journal` for the OpenAPI document (kept beside the code it describes)."""

    def query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
        return {"name": name, "in": "query", "required": False, "description": description,
                "schema": schema}  # fmt: skip

    text = {"type": "string", "minLength": 1, "maxLength": MAX_TAG}
    count = {"type": "integer", "minimum": 0, "maximum": 10**12 - 1}
    number, nullable_text = {"type": "number"}, {"type": "string", "nullable": True}
    entry = {
        "type": "object",
        "properties": {
            "seq": {"type": "integer"}, "arrival": number, "start": number, "end": number,
            "route": {"type": "string", "enum": ["jobs", "search"]}, "zip": nullable_text,
            "attempt": {"type": "integer", "nullable": True}, "intended": number,
            "queue_wait": number, "status": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
            "fault": nullable_text, "bytes": {"type": "integer"}, "peer": nullable_text,
            "port": {"type": "integer", "nullable": True}, "client": nullable_text,
        },
    }  # fmt: skip
    document = {
        "type": "object",
        "required": ["entries", "dropped", "size", "now", "next", "tag"],
        "properties": {
            "entries": {"type": "array", "items": entry}, "dropped": {"type": "integer"},
            "size": {"type": "integer"}, "now": number, "next": {"type": "integer"},
            "tag": nullable_text,
        },
    }  # fmt: skip
    error = {"$ref": "#/components/schemas/Error"}
    return {
        "/__admin/journal": {
            "get": {
                "summary": "Every API request since the last reset, oldest first",
                "description": "Times are seconds on the server's monotonic clock since the "
                "reset. `status` is the HTTP status the client got, or `reset` / `gone`; "
                "`fault` the injected fault. NDJSON (one entry a line, the other figures in "
                "X-Journal-* headers) with format=ndjson or Accept: application/x-ndjson.",
                "parameters": [
                    query("zip", "only this zip (or place name)", text),
                    query("route", "only this route", {"type": "string",
                                                       "enum": ["jobs", "search"]}),
                    query("status", "only this status code, outcome or fault kind", text),
                    query("since", "only entries with a sequence number above this", count),
                    query("limit", "at most this many entries", count),
                    query("format", "json (default) or ndjson",
                          {"type": "string", "enum": ["json", "ndjson"]}),
                ],
                "responses": {
                    "200": {
                        "description": "the journal",
                        "content": {"application/json": {"schema": document},
                                    NDJSON: {"schema": {"type": "string"}}},
                    },
                    "400": {"description": "a bad filter; the message names it",
                            "content": {"application/json": {"schema": error}}},
                    "403": {"description": "admin routes answer loopback peers only",
                            "content": {"application/json": {"schema": error}}},
                },
            }
        }
    }  # fmt: skip
