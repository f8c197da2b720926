"""The package's exceptions, in one tree; each carries a one-line message for a person.

ClientsError                 shown as `error: ...` and exit code 2 by the CLI
├── ScenarioFileError        a scenario file is unreadable or invalid (names file and key)
├── FileTooLarge             a file over its limit (16 MiB; a saved result 128 MiB)
├── ServerUnavailable        no server answers, or an embedded one failed to start
│   └── LeaseLost            the run's lease lapsed or was taken: nothing after it is valid
├── ServerHeld               another run holds the server and this one would not wait
├── ClientUnavailable        a client cannot run here (node or Chromium missing): skipped
├── NotOffered               the server lacks an admin route (an older server: no journal)
└── PrimerError              a primer's command line is wrong (its size, its delay)
WorkerFailed                 a worker died or printed no result: a failed row in a compare,
                             exit code 1 for a primer
ScenarioRejected             the server refused a server section (`key` names the key)
Malformed                    a body is not the JSON the API promises: a `malformed` attempt
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


class FileTooLarge(ClientsError):
    """A file handed to the clients is over its limit (16 MiB; a saved result 128 MiB); the
    message names it."""


class ServerUnavailable(ClientsError):
    """No server answers where one was asked for, or an embedded one failed to start."""


class LeaseLost(ServerUnavailable):
    """The run's lease on the server lapsed or another run took it: whatever was measured from
    then on may have met another run's scenario, so it is never kept as valid."""


class ServerHeld(ClientsError):
    """Another run holds the server and the caller would not wait (`--no-wait`)."""


class ClientUnavailable(ClientsError):
    """A client cannot run on this machine (node or Chromium missing); its row is skipped."""


class NotOffered(ClientsError):
    """The server does not offer an admin route (an older server: no journal, no leases)."""


class PrimerError(ClientsError):
    """A primer's bad input: one line for stderr, exit code 2."""


class WorkerFailed(Exception):
    """The worker process died or printed no result: its row fails, the compare goes on."""


class ScenarioRejected(Exception):
    """The server refused the scenario's server section; `key` names the offending key."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


class Malformed(Exception):
    """A body is not the JSON the API promises: the attempt fails as `malformed`."""
