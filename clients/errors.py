"""The clients' exceptions: each carries a one-line message for a person."""

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
