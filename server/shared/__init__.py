"""Shared state: what every process of one logical server agrees on, in one place.

`BACKENDS` is the one table: `local` keeps it in this process (the default with one worker,
the server as it always was); `redis` keeps it in a Redis or Valkey server that every
worker, and every machine, pointing at the same `--state URL` shares. The protocol both
speak is `protocol.SharedState`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from .store import RedisShared


@dataclass(frozen=True, slots=True)
class Backend:
    """One way to keep the shared state: its name, the URL schemes that choose it."""

    name: str
    schemes: tuple[str, ...]
    summary: str


BACKENDS: Final = {
    backend.name: backend
    for backend in (
        Backend("local", (), "this process's memory (the default with one worker)"),
        Backend(
            "redis",
            ("redis", "rediss", "valkey", "valkeys", "unix"),
            "a Redis or Valkey server, through redis-py asyncio with hiredis",
        ),
    )
}


def backend_for(url: str | None) -> Backend:
    """The backend a `--state` URL chooses (None: local); ValueError naming the schemes."""
    if url is None:
        return BACKENDS["local"]
    scheme = urlsplit(url).scheme
    for backend in BACKENDS.values():
        if scheme in backend.schemes:
            return backend
    known = ", ".join(f"{s}://" for b in BACKENDS.values() for s in b.schemes)
    raise ValueError(f"must be a URL starting {known}")


def redis_store(url: str, *, clock: Callable[[], float], journal_size: int,
                journal_bytes: int, worker: str | None = None) -> RedisShared:  # fmt: skip
    """The `redis` backend for `url` (imported only when asked: redis-py is not loaded by a
    server that keeps its state to itself)."""
    from .store import RedisShared

    return RedisShared(url, clock=clock, journal_size=journal_size, journal_bytes=journal_bytes,
                       worker=worker)  # fmt: skip
