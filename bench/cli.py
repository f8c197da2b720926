"""`python -m bench [--quick | --smoke] [--only N,M] [--output FILE]`: run, print, save."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from rich.console import Console
from rich.text import Text

from bench import machine
from bench.context import FULL, QUICK, SMOKE, Context, Sizes
from bench.report import outcome_table, summary_table
from bench.results import Check, Outcome
from bench.suites import SUITES

SCHEMA: Final = "asynchronicity.bench"
SCHEMA_VERSION: Final = 1
DEFAULT_OUTPUT: Final = Path(__file__).resolve().parent / "results.json"
WIDE: Final = 160


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="far fewer requests (about a minute)")
    size.add_argument("--smoke", action="store_true", help="tiny sizes: does everything run?")
    parser.add_argument("--only", default=None, help="benchmark numbers, e.g. 1,3 (default all)")
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help="results JSON (default %(default)s)"
    )
    return parser


def parse_only(text: str | None) -> tuple[int, ...]:
    """`1,3` as (1, 3); None is every benchmark; raise ValueError naming a bad number."""
    if text is None or not text.strip():
        return tuple(SUITES)
    numbers = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit() or int(part) not in SUITES:
            known = ", ".join(map(str, SUITES))
            raise ValueError(f"--only: {part!r} is not a benchmark number ({known})")
        numbers.append(int(part))
    return tuple(sorted(set(numbers)))


def sizes_for(args: argparse.Namespace) -> Sizes:
    """FULL unless --quick or --smoke."""
    return SMOKE if args.smoke else QUICK if args.quick else FULL


def failed(number: int, error: Exception) -> Outcome:
    """An outcome for a benchmark that could not run: no rows, one missed target, the reason."""
    outcome = Outcome(number, f"benchmark {number}", ())
    outcome.checks = [Check("ran to the end", None, "ran", False)]
    outcome.notes = [f"failed: {reason(error)}"]
    return outcome


def reason(error: Exception) -> str:
    """One line saying why a benchmark failed."""
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text[:300]}" if text else type(error).__name__


def failure_line(outcome: Outcome) -> Text:
    """`benchmark 2 failed: BenchError: …` (plain text: a reason may hold [brackets])."""
    why = outcome.notes[0].removeprefix("failed: ")
    return Text.assemble((f"benchmark {outcome.number} failed", "bold red"), f": {why}")


def failures(outcomes: Sequence[Outcome]) -> list[Outcome]:
    """The benchmarks that did not run to the end."""
    return [outcome for outcome in outcomes if not outcome.columns]


def save(document: dict[str, Any], output: Path, failed_any: bool) -> tuple[Path, str]:
    """Write the results, and say where. A run with a failed benchmark never replaces an
    existing results file (`bench/results.json` is tracked): it goes to the temp folder."""
    target = output
    if failed_any and output.exists():
        stamp = time.strftime("%Y%m%dT%H%M%S")
        target = Path(tempfile.gettempdir()) / f"asynchronicity-bench-failed-{stamp}.json"
    target.write_text(json.dumps(document, indent=1) + "\n")
    if target == output:
        return target, f"results: {target}"
    return target, f"a benchmark failed, so {output} was left as it was; this run: {target}"


def document(
    sizes: Sizes, machine_info: dict[str, Any], outcomes: Sequence[Outcome], total: float
) -> dict[str, Any]:
    """The results file's content."""
    return {
        "schema": SCHEMA,
        "version": SCHEMA_VERSION,
        "mode": sizes.name,
        "machine": machine_info,
        "total_seconds": round(total, 3),
        "benchmarks": [outcome.to_dict() for outcome in outcomes],
    }


def run_selected(context: Context, selected: Sequence[int], console: Console) -> list[Outcome]:
    """Each selected benchmark in turn, its table printed as soon as it is done."""
    outcomes = []
    for number in selected:
        started = time.perf_counter()
        with console.status(f"benchmark {number} running…"):
            try:
                outcome = SUITES[number](context)
            except Exception as error:  # BenchError, a server's JSON, OSError…: say, go on
                outcome = failed(number, error)
                outcome.seconds = time.perf_counter() - started
        if outcome.columns:
            console.print(outcome_table(outcome))
        else:  # an empty table would print nothing at all: say why it failed instead
            console.print(failure_line(outcome))
        console.print()
        outcomes.append(outcome)
    return outcomes


def main(argv: Sequence[str] | None = None) -> int:
    """Run, print, save; 0 when every benchmark ran (targets may miss), 1 if one failed."""
    args = build_parser().parse_args(argv)
    try:
        selected = parse_only(args.only)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    console = Console(width=None if sys.stdout.isatty() else WIDE)  # a log keeps whole rows
    sizes, started = sizes_for(args), time.perf_counter()
    info = machine.describe()
    console.print(f"[bold]asynchronicity benchmarks[/] ({sizes.name}) · {machine.headline(info)}\n")
    outcomes: list[Outcome] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
            outcomes = run_selected(Context(sizes, Path(scratch)), selected, console)
    except KeyboardInterrupt:
        console.print("interrupted: the servers and load generators it started were stopped")
        return 130
    total = time.perf_counter() - started
    console.print(summary_table(outcomes, total))
    broken = failures(outcomes)
    for outcome in broken:
        console.print(failure_line(outcome))
    _, where = save(document(sizes, info, outcomes, total), args.output, bool(broken))
    console.print(Text(where))
    return 1 if broken else 0
