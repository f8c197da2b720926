"""The fake server as a child process on a free loopback port, and the banner it starts with.

The clients never import `server`: they start it as `python -m server` and read the one line
it prints when it listens (`serving on URL ...`). `bench/` starts its servers the same way.
"""

from __future__ import annotations

import selectors
import signal
import subprocess
import sys
import tempfile
import time
from typing import IO, Final

from .. import SERVER_PACKAGE, lifeline
from ..errors import ServerUnavailable

START_TIMEOUT: Final = 30.0  # seconds an embedded server may take to say where it listens
BANNER: Final = "serving on "


def banner_url(line: str) -> str | None:
    """The URL in a `serving on URL ...` line, or None for any other line."""
    return line.split()[2] if line.startswith(BANNER) and len(line.split()) > 2 else None


def wait_for_banner(stream: IO[str], timeout: float) -> str | None:
    """Read `stream` until the banner names a URL; None if it ends or `timeout` passes first."""
    selector = selectors.DefaultSelector()
    selector.register(stream, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if selector.select(timeout=0.1):
                line = stream.readline()
                if not line:
                    return None
                url = banner_url(line)
                if url is not None:
                    return url
        return None
    finally:
        selector.close()


class EmbeddedServer:
    """`python -m server` on a free loopback port, for as long as this object is open."""

    def __init__(self, python: str = sys.executable) -> None:
        # stderr goes to a file, not a pipe: nobody reads a pipe after start-up, and a server
        # whose pipe fills up blocks on its next log line — its whole event loop with it.
        self._log = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115 (stop() closes it)
        self.process = subprocess.Popen(
            [python, "-m", SERVER_PACKAGE, "--host", "127.0.0.1", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            # Its own process group: a Ctrl-C in the terminal reaches the compare, which keeps
            # what finished and then stops this server by its PID, not the server mid-run.
            start_new_session=True,
            # Linux: it dies with this thread however this process dies (a `kill -9` too);
            # nothing it holds is worth a graceful end.
            preexec_fn=lifeline.die_with_parent(signal.SIGKILL),
        )
        self.url = self._wait_for_url()

    def _wait_for_url(self) -> str:
        assert self.process.stdout is not None
        url = wait_for_banner(self.process.stdout, START_TIMEOUT)
        if url is not None:
            return url
        self.stop()
        raise ServerUnavailable(f"the embedded server did not start: {self._stderr_tail()}")

    def _stderr_tail(self) -> str:
        self._log.seek(0)
        text = self._log.read().strip().splitlines()
        return text[-1] if text else f"exit code {self.process.returncode}"

    def stop(self) -> None:
        """End the server we started, by its PID, politely first."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._log.close()
