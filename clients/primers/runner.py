"""`python -m clients primer`: the talk's primers from the command line.

`generators [--size N]` runs each way of walking 0..N-1 in a fresh process, measured like
the talk's ResourceHelper, and prints one table; `loop [--delay SECONDS]` runs the event-loop
demo. `python -m clients.primers.runner worker WAY N` is one such fresh process: it prints
one JSON line with the sum and the usage.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, NoReturn

from .. import PACKAGE
from ..errors import PrimerError, WorkerFailed
from ..harness.meter import Meter
from ..records import Usage
from .generators import WAYS, expected_sum, walk

if TYPE_CHECKING:  # rich is imported where it is used, so workers start lean
    from rich.table import Table

DEFAULT_SIZE = 10_000  # the talk's N; try --size 10000000 to see a difference today
MAX_SIZE = 10**9


@dataclass(frozen=True, slots=True)
class WayResult:
    """One way's run: what it summed and what it cost."""

    way: str
    total: int
    usage: Usage


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is a PrimerError (one line) instead of usage text."""

    def error(self, message: str) -> NoReturn:
        raise PrimerError(message)


def build_parser(prog: str = f"python -m {PACKAGE} primer") -> argparse.ArgumentParser:
    """The `primer` command line."""
    parser = _Parser(prog=prog, description="the talk's two primers")
    primers = parser.add_subparsers(dest="primer", required=True, parser_class=_Parser)
    generators = primers.add_parser("generators", help="list vs iterator vs generator")
    generators.add_argument(
        "--size", type=int, default=DEFAULT_SIZE, help=f"N (default {DEFAULT_SIZE:,})"
    )
    loop = primers.add_parser("loop", help="call_soon, call_later and run_forever")
    loop.add_argument("--delay", type=float, default=3.0, help="call_later's seconds (default 3)")
    return parser


def check_size(size: int) -> None:
    """Raise PrimerError unless 1 <= size <= MAX_SIZE."""
    if not 1 <= size <= MAX_SIZE:
        raise PrimerError(f"--size: must be between 1 and {MAX_SIZE:,}, got {size}")


def run_way(way: str, size: int) -> WayResult:
    """Run one way in a fresh interpreter, so its memory and CPU are its own."""
    command = [sys.executable, "-m", f"{__package__}.runner", "worker", way, str(size)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        errors = done.stderr.strip().splitlines()
        detail = errors[-1] if errors else f"exit code {done.returncode}"
        raise WorkerFailed(f"{way}: worker failed: {detail}")
    raw = json.loads(lines[-1])
    return WayResult(way=raw["way"], total=int(raw["sum"]), usage=Usage(**raw["usage"]))


def primer_table(rows: list[WayResult], size: int, python: str | None = None) -> Table:
    """The three ways side by side, like the talk's blocks. Pure: printing is the caller's."""
    from rich import box
    from rich.table import Table

    from ..results.units import seconds
    from ..results.units import size as human_size

    table = Table(
        title="three ways to walk 0..N-1", header_style="bold", box=box.SIMPLE_HEAD,
        caption=f"N = {size:,} · Python {python or platform.python_version()}",
        caption_justify="left", collapse_padding=True,
    )  # fmt: skip
    table.add_column("way", no_wrap=True, min_width=len(max(WAYS, key=len)))
    table.add_column("sum", justify="right", overflow="fold")  # digits wrap, never hide
    for name in ("mem", "utime", "stime", "cpu", "time"):
        table.add_column(name, justify="right", no_wrap=True)
    expected = expected_sum(size)
    for row in rows:
        mark = "[green]✓[/]" if row.total == expected else "[red]✗[/]"
        usage = row.usage
        table.add_row(
            row.way, f"{row.total:,} {mark}", human_size(usage.mem), seconds(usage.utime),
            seconds(usage.stime), seconds(usage.cpu), seconds(usage.time),
        )  # fmt: skip
    return table


def command_generators(size: int) -> int:
    """Run every way in its own process and print the table."""
    from rich.console import Console

    check_size(size)
    rows = [run_way(way, size) for way in WAYS]
    Console().print(primer_table(rows, size))
    return 0 if all(row.total == expected_sum(size) for row in rows) else 1


def command_loop(delay: float) -> int:
    """Run the event-loop demo (it prints as it goes)."""
    from .loop import run_loop_demo

    if not (math.isfinite(delay) and delay >= 0):
        raise PrimerError(f"--delay: must be a number of seconds >= 0, got {delay}")
    run_loop_demo(delay)
    return 0


def main(argv: list[str], prog: str | None = None) -> int:
    """Parse and dispatch; bad input is one line on stderr and exit code 2."""
    try:
        args = (build_parser(prog) if prog else build_parser()).parse_args(argv)
        if args.primer == "generators":
            return command_generators(args.size)
        return command_loop(args.delay)
    except (PrimerError, WorkerFailed) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2 if isinstance(error, PrimerError) else 1
    except KeyboardInterrupt:  # subprocess.run has already killed the worker
        print("interrupted", file=sys.stderr)
        return 130


def worker_main(argv: list[str]) -> int:
    """`WAY N`: sum 0..N-1 that way under a Meter and print one JSON line."""
    if len(argv) != 2 or argv[0] not in WAYS or not argv[1].isdecimal():
        usage = f"WAY N with WAY one of {', '.join(WAYS)}"
        print(f"error: worker wants {usage}, got {' '.join(argv)!r}", file=sys.stderr)
        return 2
    way, size = argv[0], int(argv[1])
    with Meter() as meter:
        total = walk(way, size)
    assert meter.usage is not None
    print(json.dumps({"way": way, "size": size, "sum": total, "usage": asdict(meter.usage)}))
    return 0


if __name__ == "__main__":
    # `worker WAY N` is the fresh process run_way starts; anything else is the primer CLI
    arguments = sys.argv[1:]
    if arguments[:1] == ["worker"]:
        raise SystemExit(worker_main(arguments[1:]))
    raise SystemExit(main(arguments))
