"""What every admin route shares: who may ask, how a body is read, how long work yields.

`is_loopback` decides who may call `/__admin/*` (the app's guard and the CLI's exposure
notice ask it); `read_json` reads a body under the one size and nesting rule a scenario file
obeys too, and `bounded` answers 413 naming that limit; `sliced` runs a sliced computation,
handing the event loop back between its slices. A large body (up to 16 MiB) is decoded,
checked and answered off the loop, in a thread (`off_loop`, `json_answer`): its CPU is
seconds, and the API must keep answering meanwhile.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import ipaddress
import json
import json.scanner
from collections.abc import Callable
from typing import Any, Final, TypeVar

from aiohttp import web
from aiohttp.typedefs import Handler

from ..api.responses import json_error
from ..config.documents import MAX_DEPTH, MAX_DOCUMENT_BYTES, size_message, too_deep
from ..errors import BadParameter, BodyTooLarge
from .preview import Steps

T = TypeVar("T")

LARGE: Final = 256 * 1024  # bytes of a body past which it is decoded and checked in a thread
JOIN: Final = 4096  # pieces of a large document's JSON joined at once


def is_loopback(remote: str | None) -> bool:
    """Whether a peer address is on this machine's loopback."""
    try:
        address = ipaddress.ip_address(remote) if remote else None
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # a dual-stack socket shows 127.0.0.1 as ::ffff:127.0.0.1
    return address is not None and address.is_loopback


def bounded(handler: Handler) -> Handler:
    """Answer 413 naming the limit when `handler` reads a body over MAX_DOCUMENT_BYTES."""

    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except BodyTooLarge as error:
            return json_error(413, str(error), parameter="body")

    return wrapped


async def read_body(request: web.Request) -> bytes:
    """The request's body, read up to MAX_DOCUMENT_BYTES; BodyTooLarge past it."""
    length = request.content_length
    if length is not None and length > MAX_DOCUMENT_BYTES:
        raise BodyTooLarge(length, size_message(length))
    raw = bytearray()
    async for chunk in request.content.iter_any():
        raw += chunk
        if len(raw) > MAX_DOCUMENT_BYTES:
            raise BodyTooLarge(length, size_message(length))
    return bytes(raw)


def decode(raw: bytes) -> Any:
    """A body's JSON, nested at most MAX_DEPTH deep; BadParameter naming `body` otherwise.

    A body over LARGE is read by the standard library's pure-Python scanner (strings still at
    C speed): slower than one call into C, but a thread running it hands the interpreter back
    to the event loop every few milliseconds, where one C call would hold it throughout.
    """
    try:
        text = raw.decode("utf-8-sig")
        if len(raw) <= LARGE:
            document = json.loads(text)
        else:
            decoder = json.JSONDecoder()
            decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
            document = decoder.decode(text)
    except (ValueError, RecursionError) as error:  # bad JSON or UTF-8, or absurd nesting
        reason = "nested too deeply to read" if isinstance(error, RecursionError) else error
        raise BadParameter("body", f"not valid JSON ({reason})") from None
    deep = too_deep(document)
    if deep is not None:
        raise BadParameter("body", f"nested more than {MAX_DEPTH} levels deep, at {deep}")
    return document


async def read_json(request: web.Request, *, empty: Any = ...) -> Any:
    """The request's JSON body, read up to MAX_DOCUMENT_BYTES (`empty`: the value of no body),
    decoded in a thread when it is over LARGE.

    Read here rather than by `request.json()`, whose limit is the application's
    `client_max_size` (1 MiB) and whose 413 names no limit: one rule, for file and body alike.
    """
    raw = await read_body(request)
    if not raw and empty is not ...:
        return empty
    return await off_loop(len(raw) > LARGE, decode, raw)


class CollectorPause:
    """Python's cyclic garbage collector held off while large documents are built, counted so
    overlapping builds share one pause; `keep` marks a build whose objects stay (an applied
    scenario).

    Building a 16 MiB scenario makes millions of objects and no cycle, yet the collector
    would walk them all again and again as they come — a full pass holds the interpreter, so
    the event loop too, for up to a second at that size. When the last build ends, objects
    that stay are frozen (`gc.freeze`: never walked again; freed as usual when dropped) and
    the collector runs again.
    """

    def __init__(self) -> None:
        self.builds = 0
        self.kept = False
        self.was_enabled = True

    def __enter__(self) -> CollectorPause:
        if not self.builds:
            self.was_enabled, self.kept = gc.isenabled(), False
            gc.disable()
        self.builds += 1
        return self

    def keep(self) -> None:
        """What this build made stays: freeze it when the pause ends."""
        self.kept = True

    def __exit__(self, *_: object) -> None:
        self.builds -= 1
        if self.builds:
            return
        if self.kept:
            gc.freeze()
        if self.was_enabled:
            gc.enable()


COLLECTOR = CollectorPause()  # the interpreter has one collector; builds run on the loop


async def off_loop(large: bool, work: Callable[..., T], *args: Any) -> T:
    """`work(*args)`: in a thread when it is large, so the loop keeps answering; else here,
    where a thread would cost more than the work."""
    return await asyncio.to_thread(work, *args) if large else work(*args)


def encode(document: Any, large: bool) -> bytes:
    """`json.dumps(document)`; for a large document by the pure-Python encoder, which a thread
    runs without holding the interpreter throughout (the same text either way)."""
    if not large:
        return json.dumps(document).encode()
    pieces: list[str] = []
    parts: list[bytes] = []
    for piece in json.JSONEncoder().iterencode(document):
        pieces.append(piece)
        if len(pieces) >= JOIN:  # joined a few thousand at a time: one join of millions of
            parts.append("".join(pieces).encode())  # pieces is a C call holding the
            pieces.clear()  # interpreter for a tenth of a second
    parts.append("".join(pieces).encode())
    return b"".join(parts)


async def json_answer(document: Any, *, large: bool) -> web.Response:
    """A 200 with `document` as JSON, encoded off the loop when it is large."""
    body = await off_loop(large, encode, document, large)
    return web.Response(body=body, content_type="application/json")


async def sliced(steps: Steps[T]) -> T:
    """Run a sliced computation, handing the event loop back between its slices."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            result: T = done.value
            return result
        await asyncio.sleep(0)
