"""The package's exceptions, in one tree; each carries a one-line message for a person.

ClientsError                 shown as `error: ...` and exit code 2 by the CLI
├── ScenarioFileError        a scenario file is unreadable or invalid (names file and key)
├── ServerUnavailable        no server answers, or an embedded one failed to start
├── ClientUnavailable        a client cannot run here (node or Chromium missing): skipped
└── NotOffered               the server lacks an admin route (an older server: no journal)
WorkerFailed                 a worker died or printed no result: a failed row, not an exit
ScenarioRejected             the server refused a server section (`key` names the key)
"""

from __future__ import annotations


class ClientsError(Exception):
    """Base class for errors shown as one line and exit code 2."""


class ScenarioFileError(ClientsError):
    """A scenario file is unreadable or invalid; the message names the file and the key."""

    def __init__(self, path: str, key: str, message: str) -> None:
        where = f"{path}: {key}" if key else path
        super().__init__(f"{where}: {message}")
        self.path = path
        self.key = key


class ServerUnavailable(ClientsError):
    """No server answers where one was asked for, or an embedded one failed to start."""


class ClientUnavailable(ClientsError):
    """A client cannot run on this machine (node or Chromium missing); its row is skipped."""


class NotOffered(ClientsError):
    """The server does not offer an admin route (an older server: no journal, no leases)."""


class WorkerFailed(Exception):
    """The worker process died or printed no result: its row fails, the compare goes on."""


class ScenarioRejected(Exception):
    """The server refused the scenario's server section; `key` names the offending key."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
