"""`python -m clients`: `run` one client like the talk's scripts, or `compare` them all."""

from __future__ import annotations

import argparse
import re
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from clients import registry, zipsets
from clients.errors import ClientsError
from clients.measure import talk_block

DEFAULT_SCENARIO = "scenarios/quick.toml"


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m clients", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run one client here and print the talk's block")
    run.add_argument("name", choices=sorted(registry.KINDS), help="which client")
    run.add_argument("--url", default="http://127.0.0.1:8080", help="the fake server")
    run.add_argument("--zips", default="mempy-2015", help="a set name, or zips joined by commas")
    run.add_argument("--api", choices=("jobs", "search"), default="jobs")
    run.add_argument("--concurrency", type=int, default=0, help="0: a thread or task per zip")
    run.add_argument("--timeout", type=float, default=30.0, help="seconds per attempt")
    run.add_argument("--retries", type=int, default=0)

    compare = commands.add_parser("compare", help="every client of a scenario, side by side")
    compare.add_argument("scenario", nargs="?", default=DEFAULT_SCENARIO, type=Path)
    compare.add_argument(
        "--url",
        default=None,
        help="use this server (default: 127.0.0.1:8080 if it answers, else start one)",
    )
    compare.add_argument(
        "--results",
        type=Path,
        default=Path("results"),
        help="directory for the JSON result (default results/)",
    )

    primer = commands.add_parser(
        "primer", help="the talk's primers: generators [--size N], loop [--delay S]",
        add_help=False,
    )  # fmt: skip
    primer.add_argument("rest", nargs=argparse.REMAINDER)

    commands.add_parser("worker", help="(internal) run one job from stdin, print JSON")
    return parser


def parse_zips(text: str) -> tuple[str, ...]:
    """A named set, or zips separated by commas."""
    if text in zipsets.NAMED:
        return zipsets.NAMED[text]
    zips = tuple(z.strip() for z in text.split(",") if z.strip())
    bad = [z for z in zips if not re.fullmatch(r"[0-9]{5}", z)]
    if not zips or bad:
        raise ClientsError(
            f"--zips: {bad[0] if bad else text!r} is neither a 5-digit zip nor a set "
            f"({', '.join(zipsets.NAMED)})"
        )
    return zips


def command_run(args: argparse.Namespace) -> int:
    """Run one client in this process, like block.py / threaded.py / async.py did."""
    from clients.records import ClientSettings
    from clients.server_control import ServerControl
    from clients.worker import execute

    zips = parse_zips(args.zips)
    for name in ("concurrency", "retries"):
        if getattr(args, name) < 0:
            raise ClientsError(f"--{name}: must be >= 0, got {getattr(args, name)}")
    if args.timeout <= 0:
        raise ClientsError(f"--timeout: must be > 0, got {args.timeout}")
    control = ServerControl(args.url)
    healthy = control.healthy()
    control.close()
    if not healthy:
        raise ClientsError(f"--url {args.url}: no fake server answers there (try `make serve`)")
    settings = ClientSettings(
        kind=args.name, concurrency=args.concurrency, timeout=args.timeout,
        retries=args.retries, api=args.api,
    )  # fmt: skip
    result = execute({"settings": settings.to_dict(), "zips": list(zips), "url": args.url})
    print(talk_block(result.total, result.usage))
    return 0


def command_compare(args: argparse.Namespace) -> int:
    """Load the scenario, then hand over to the compare flow."""
    from rich.console import Console

    from clients import scenario
    from clients.compare import compare

    loaded = scenario.load(args.scenario)
    signal.signal(signal.SIGTERM, _interrupt)  # a polite kill ends as cleanly as Ctrl-C
    return compare(loaded, args.url, Console(), args.results)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch; every expected failure is one line on stderr and exit code 2."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "worker":
            from clients.worker import main as worker_main

            return worker_main()
        if args.command == "run":
            return command_run(args)
        if args.command == "primer":
            from clients.primers.runner import main as primer_main

            return primer_main(args.rest)
        return command_compare(args)
    except ClientsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
