"""The server's exceptions: every one carries a message that names what was wrong.

    ServerError          reported to a person, never as a traceback
    ├── BadParameter     a query parameter, header or body field (400 naming it)
    ├── ScenarioError    a configuration key (400, or one line and exit 2, naming it)
    ├── BodyTooLarge     a scenario file or admin body over the one size limit (413)
    └── StoreError       the shared-state store (`--state URL`) named with what went wrong:
        ├── StoreUnreachable   cannot be reached (one line and exit 2 at start, 503 mid-run)
        └── StoreRefused       written by another version of the server, or not a store

Three signals never reach a person, so they live with the code that raises them: the pure
models import nothing of the server — `models.capacity.QueueFull` (the handler answers 503)
and `models.lease.LeaseConflict` (409 naming the holder) — and `api.delivery.ClientGone`
(the peer left; the request is journaled as gone).
"""

from __future__ import annotations


class ServerError(Exception):
    """Base class for errors the server reports to a person, never as a traceback."""


class BadParameter(ServerError):
    """A query parameter is missing or malformed; `name` is the parameter as documented."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name


class ScenarioError(ServerError):
    """A server section is invalid; `key` is the dotted path of the offending key."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}" if key else message)
        self.key = key


class BodyTooLarge(ServerError):
    """A scenario file or an admin body is over the one size limit both share; `message` says
    so with the limit (`server.config.documents.size_message`)."""

    def __init__(self, size: int | None, message: str) -> None:
        super().__init__(f"body: {message}")
        self.size = size


class StoreError(ServerError):
    """The shared-state store at `url` (`--state`) failed; the message names it and why."""

    def __init__(self, url: str, message: str) -> None:
        super().__init__(f"shared state {url}: {message}")
        self.url = url
        self.reason = message


class StoreUnreachable(StoreError):
    """The store cannot be reached (refused, timed out, gone away mid-run)."""


class StoreRefused(StoreError):
    """The store answers, but holds another version's state (or is not a Redis at all)."""
