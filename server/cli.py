"""`python -m server`: parse flags, bind the socket, run the app. Errors are one line, exit 2."""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.util
import logging
import os
import re
import socket
import sys
import time
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from aiohttp import web

from . import logs, workers
from .accounting.journal import DEFAULT_BYTES, DEFAULT_SIZE, MAX_BYTES, MAX_SIZE, WORST_ENTRY_BYTES
from .admin.plumbing import is_loopback
from .app import create_app
from .config.documents import MAX_DOCUMENT_BYTES, size_message
from .config.parser import config_from_scenario
from .config.settings import ServerConfig
from .errors import ScenarioError, StoreError
from .listening import HEAD_TIMEOUT, DescriptorWatch, raise_descriptor_limit, run, watched
from .shared import backend_for, redis_store

BACKLOG = 4096  # so ten thousand connections opened at once queue in the kernel, not fail
SIZE: Final = re.compile(r"([0-9]{1,15})([kmg]?)", re.IGNORECASE)  # 1048576, 64K, 256M, 2G
UNITS: Final = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}


def parse_bytes(text: str) -> int:
    """A size in bytes, or with K, M or G (powers of 1,024); ValueError saying what is wanted."""
    match = SIZE.fullmatch(text.strip())
    size = int(match[1]) * UNITS[match[2].lower()] if match else -1
    if not 0 <= size <= MAX_BYTES:
        raise ValueError(f"must be a size such as 256M (K, M, G: powers of 1,024) from 0 to "
                         f"{MAX_BYTES // 2**30}G, got {text!r}")  # fmt: skip
    return size


def default_prog() -> str:
    """The command as the user typed it: `python -m server`, or the console script's name."""
    name = Path(sys.argv[0]).name
    return f"python -m {__package__}" if name in ("__main__.py", "") else name


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog=prog or default_prog(),
        description="Serve the fake usajobs API: deterministic data, seeded latency and faults.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 = any free)")
    parser.add_argument("--seed", type=int, default=None, help="data and draw seed (default 0)")
    parser.add_argument(
        "--scenario", type=Path, help="a scenario TOML file: its seed, speed, [server]"
    )
    parser.add_argument(
        "--require-key",
        action="store_true",
        help="answer 401 to /api/search without an Authorization-Key header",
    )
    parser.add_argument(
        "--loop",
        choices=("asyncio", "uvloop"),
        default=default_loop(),
        help="event loop to serve on (default uvloop when installed, else asyncio)",
    )
    parser.add_argument(
        "--journal-size",
        type=int,
        default=DEFAULT_SIZE,
        metavar="N",
        help=f"API requests the journal keeps, oldest dropped first (default {DEFAULT_SIZE:,}; "
        "0 turns it off)",
    )
    parser.add_argument(
        "--journal-bytes",
        default=f"{DEFAULT_BYTES // 2**20}M",
        metavar="SIZE",
        help=f"bytes the journal may hold, oldest dropped first (default "
        f"{DEFAULT_BYTES // 2**20}M; K, M, G; an entry holds {WORST_ENTRY_BYTES:,} at most)",
    )
    parser.add_argument("--access-log", action="store_true", help="log every request (costs CPU)")
    parser.add_argument(
        "--head-timeout",
        type=float,
        default=HEAD_TIMEOUT,
        metavar="SECONDS",
        help=f"close a new connection that has not sent a whole request head within this "
        f"(default {HEAD_TIMEOUT:g}; 0.1 to 3600)",
    )
    parser.add_argument(
        "--state",
        metavar="URL",
        default=None,
        help="share attempts, rate limits, capacity, the lease and the journal with every "
        "server on this Redis or Valkey (redis://host:6379/0, valkey://…, unix:///path.sock); "
        "default: this process's memory (with --workers N > 1: an embedded Valkey)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="server processes on the one port (SO_REUSEPORT), restarted if one dies; with "
        "N > 1 the state is shared (--state, or an embedded Valkey on a unix socket)",
    )
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)  # its name
    return parser


def load_config(path: Path | None, seed: int | None) -> ServerConfig:
    """The starting configuration: the scenario file's, with `--seed` taking precedence."""
    document: dict[str, Any] = {}
    if path is not None:
        document = read_scenario(path)
    if seed is not None:
        document["seed"] = seed
    return config_from_scenario(document)


def read_scenario(path: Path) -> dict[str, Any]:
    """A scenario file's TOML, as the clients read it: a UTF-8 BOM is allowed, and it is
    bounded in size (the admin body limit) and nesting, each refusal one line."""
    try:
        with path.open("rb") as file:
            size = os.fstat(file.fileno()).st_size
            raw = file.read(MAX_DOCUMENT_BYTES + 1) if size <= MAX_DOCUMENT_BYTES else b""
    except OSError as error:
        raise ScenarioError("", f"cannot read: {error.strerror}") from None
    if max(size, len(raw)) > MAX_DOCUMENT_BYTES:  # a pipe or /dev/zero has no size to stat
        raise ScenarioError("", size_message(max(size, len(raw))))
    try:
        return tomllib.loads(raw.decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ScenarioError("", f"not valid TOML: {error}") from None
    except RecursionError:
        raise ScenarioError("", "not valid TOML: nested too deeply to read") from None


def exposure(host: str) -> str | None:
    """The one line to say when the socket is reachable from other machines, else None."""
    if is_loopback(host):
        return None
    return (
        f"note: bound to {host or 'every address'}: /health, /metrics, /openapi.json, /demo and "
        "the API are reachable from the network; /__admin/* still answers loopback peers only"
    )


def bind(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    """A listening socket; raises OSError (e.g. port in use) before anything starts.
    `reuse_port`: one of several workers' sockets on the port (`server.workers`)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
        sock.listen(BACKLOG)  # listening before we say so: a client may connect at once
    except OSError:
        sock.close()
        raise
    return sock


def default_loop() -> str:
    """uvloop when it is installed (it costs less per request), else asyncio."""
    return "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"


def new_loop(name: str) -> asyncio.AbstractEventLoop:
    """A fresh event loop of the named kind."""
    if name == "uvloop":
        import uvloop

        loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
        return loop
    return asyncio.new_event_loop()


def main(argv: Sequence[str] | None = None, *, prog: str | None = None) -> int:
    """Run the server until interrupted; 2 for bad input or a port in use."""
    args = build_parser(prog).parse_args(argv)
    if not 0 <= args.port <= 65535:
        print(f"error: --port: must be 0 to 65535, got {args.port}", file=sys.stderr)
        return 2
    if not 0 <= args.journal_size <= MAX_SIZE:
        print(f"error: --journal-size: must be 0 to {MAX_SIZE:,}, got {args.journal_size}",
              file=sys.stderr)  # fmt: skip
        return 2
    if not 0.1 <= args.head_timeout <= 3600:
        print(f"error: --head-timeout: must be 0.1 to 3600 seconds, got {args.head_timeout:g}",
              file=sys.stderr)  # fmt: skip
        return 2
    try:
        journal_bytes = parse_bytes(args.journal_bytes)
    except ValueError as error:
        print(f"error: --journal-bytes: {error}", file=sys.stderr)
        return 2
    try:
        config = load_config(args.scenario, args.seed)
    except ScenarioError as error:
        where = args.scenario if args.scenario is not None else "--seed"
        print(f"error: {where}: {error}", file=sys.stderr)
        return 2
    if args.worker is None and args.workers != 1:
        return supervise(args, config, journal_bytes)
    refusal = None if args.worker is not None else check_state(args.state)
    if refusal is not None:
        print(f"error: --state {refusal}", file=sys.stderr)
        return 2
    try:
        if args.worker is None:
            sock = bind(args.host, args.port)
        else:  # one of the supervisor's workers: the port is all of theirs
            sock = bind(args.host, args.port, reuse_port=True)
    except OSError as error:
        print(f"error: cannot listen on {args.host}:{args.port}: {error.strerror}", file=sys.stderr)
        return 2
    descriptors = raise_descriptor_limit()
    host, port = sock.getsockname()[:2]
    shared = None
    if args.state is not None:
        shared = redis_store(args.state, clock=time.perf_counter, journal_size=args.journal_size,
                             journal_bytes=journal_bytes, worker=args.worker)  # fmt: skip
    app = create_app(
        config,
        require_key=args.require_key,
        journal_size=args.journal_size,
        journal_bytes=journal_bytes,
        shared=shared,
        publish=args.worker is None,  # a worker serves the scenario its supervisor published
    )
    logs.install()
    shown = f"[{host}]" if ":" in host else host  # an IPv6 address needs brackets in a URL
    where = "" if shared is None else f", state {shared.url}"
    banner = (f"serving on http://{shown}:{port} (seed {config.seed}, loop {args.loop}, "
              f"{descriptors:,} file descriptors{where})")  # fmt: skip

    def ready() -> None:
        print(banner, flush=True)
        notice = exposure(host)
        if notice is not None:
            print(notice, file=sys.stderr, flush=True)

    if shared is None:
        ready()
    else:  # once the store is open too (the app's first startup step): then it answers

        async def say_ready(app: web.Application) -> None:
            ready()

        app.on_startup.append(say_ready)
    # What is alive now (modules, Faker's tables, the app) lives as long as the server: the
    # garbage collector's full passes need not walk it each time (28 ms a pass here).
    gc.freeze()
    try:
        serve(app, sock, args)
    except StoreError as error:  # it went away between the check and the start
        print(f"error: --state {error.url}: {error.reason}", file=sys.stderr)
        return 2
    return 0


def check_state(url: str | None, document: Mapping[str, Any] | None = None) -> str | None:
    """Why the `--state` store cannot be used (one line naming it), or None when it can (or
    there is none); `document`, when given, becomes the scenario every process serves."""
    if url is None:
        return None
    try:
        backend_for(url)
    except ValueError as error:
        return f"{url}: {error}"
    from .shared.store import check

    try:
        asyncio.run(check(url, document))
    except StoreError as error:
        return f"{error.url}: {error.reason}"
    return None


def supervise(args: argparse.Namespace, config: ServerConfig, journal_bytes: int) -> int:
    """`--workers N`: N processes on one port sharing their state (`server.workers`)."""
    problem = workers.check_count(args.workers)
    if problem is not None:
        print(f"error: --workers: {problem}", file=sys.stderr)
        return 2
    engine = None
    if args.state is None:
        from .shared.embedded import start_embedded

        try:
            engine = start_embedded()
        except StoreError as error:
            print(f"error: embedded Valkey for --workers {args.workers}: {error.reason}",
                  file=sys.stderr)  # fmt: skip
            return 2
    url: str = engine.url if engine is not None else args.state
    try:
        return _supervise(args, config, journal_bytes, url, engine)
    finally:
        if engine is not None:
            engine.stop()


def _supervise(
    args: argparse.Namespace, config: ServerConfig, journal_bytes: int, url: str, engine: Any
) -> int:
    refusal = check_state(url, dict(config.document))
    if refusal is not None:
        print(f"error: --state {refusal}", file=sys.stderr)
        return 2
    try:
        held = workers.reserve(args.host, args.port)
    except OSError as error:
        print(f"error: cannot listen on {args.host}:{args.port}: {error.strerror}", file=sys.stderr)
        return 2
    with held:
        host, port = held.getsockname()[:2]
        supervisor = workers.Supervisor(worker_command(args, port, url), args.workers, engine)
        try:
            supervisor.start()
        except workers.WorkersError as error:
            supervisor.stop()
            print(f"error: --workers {args.workers}: {error}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            supervisor.stop()
            return 130
        shown = f"[{host}]" if ":" in host else host
        store = f"embedded Valkey {url}" if engine is not None else url
        print(f"serving on http://{shown}:{port} (seed {config.seed}, loop {args.loop}, "
              f"{args.workers} workers, state {store})", flush=True)  # fmt: skip
        notice = exposure(host)
        if notice is not None:
            print(notice, file=sys.stderr, flush=True)
        workers.run(supervisor)
    return 0


def worker_command(args: argparse.Namespace, port: int, url: str) -> list[str]:
    """`python -m server` as a worker of this one: the same flags, the port, the store."""
    command = [
        sys.executable, "-m", __package__ or "server", "--host", args.host, "--port", str(port),
        "--state", url, "--loop", args.loop, "--journal-size", str(args.journal_size),
        "--journal-bytes", args.journal_bytes, "--head-timeout", repr(args.head_timeout),
    ]  # fmt: skip
    if args.scenario is not None:
        command += ["--scenario", str(args.scenario)]
    if args.seed is not None:
        command += ["--seed", str(args.seed)]
    if args.require_key:
        command.append("--require-key")
    if args.access_log:
        command.append("--access-log")
    return command


def serve(app: web.Application, sock: socket.socket, args: argparse.Namespace) -> None:
    """Run the app on the bound socket until interrupted, under the listening guards."""
    app.cleanup_ctx.append(watched(DescriptorWatch()))
    runner = web.AppRunner(
        app,
        handle_signals=True,  # SIGINT and SIGTERM end the run, as with web.run_app
        keepalive_timeout=75.0,
        access_log=logging.getLogger("aiohttp.access") if args.access_log else None,
        shutdown_timeout=1.0,
        handler_cancellation=True,  # a client that leaves ends its delayed or hanging request
    )
    run(runner, sock, new_loop(args.loop), head_timeout=args.head_timeout, backlog=BACKLOG)
