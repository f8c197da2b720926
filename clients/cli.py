"""Run the talk's clients against the fake usajobs API: `run` one like the talk's scripts,
`compare` them all on a scenario, then draw, export or diff what was saved."""

from __future__ import annotations

import argparse
import re
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from . import __version__, zipsets
from .errors import ClientsError
from .kinds import KINDS
from .report.talk import talk_block
from .results.summary import count_outcomes
from .validate import guess

DEFAULT_SCENARIO = "quick"


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line, with a "did you mean" for a near miss."""

    def error(self, message: str) -> NoReturn:
        """`error: PROG: MESSAGE (did you mean ...?)` on stderr, exit code 2."""
        choice = re.search(r"invalid choice: '?(.*?)'? \(choose from (.*)\)", message)
        if choice:  # argparse quotes the choices in some versions, not in others
            message += guess(choice[1], [c.strip(" '") for c in choice[2].split(",")])
        self.exit(2, f"error: {self.prog}: {message} (see --help)\n")


def default_prog() -> str:
    """The command as the user typed it: `python -m clients`, or the console script's name."""
    name = Path(sys.argv[0]).name
    return f"python -m {__package__}" if name in ("__main__.py", "") else name


def build_parser(prog: str | None = None, *, serve: bool = False) -> argparse.ArgumentParser:
    """The command line (with a `serve` entry when the umbrella command offers one)."""
    parser = Parser(prog=prog or default_prog(), description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    if serve:  # the umbrella command hands `serve` to the server before parsing gets here
        commands.add_parser("serve", help="run the fake usajobs API (see `serve --help`)")
    scenarios = commands.add_parser(
        "scenarios", help="list the shipped scenarios, or print one's TOML (to copy as a template)"
    )
    scenarios.add_argument("name", nargs="?", help="a shipped scenario: print its file")

    run = commands.add_parser("run", help="run one client here and print the talk's block")
    built_in = sorted(name for name, kind in KINDS.items() if not kind.journal)
    run.add_argument("name", help=f"which client: {', '.join(built_in)}")
    run.add_argument("--url", default="http://127.0.0.1:8080", help="the fake server")
    run.add_argument("--zips", default="mempy-2015", help="a set name, or zips joined by commas")
    run.add_argument("--api", choices=("jobs", "search"), default="jobs")
    run.add_argument("--concurrency", type=int, default=0, help="0: a thread or task per zip")
    run.add_argument("--timeout", type=float, default=30.0, help="seconds per attempt")
    run.add_argument("--retries", type=int, default=0)

    compare = commands.add_parser("compare", help="every client of a scenario, side by side")
    compare.add_argument(
        "scenario",
        nargs="?",
        default=DEFAULT_SCENARIO,
        type=Path,
        help="a scenario file, or a shipped scenario's name (default: quick)",
    )
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
    compare.add_argument(
        "--timeline", action="store_true", help="draw each client's requests on a shared time axis"
    )
    compare.add_argument(
        "--no-wait",
        action="store_true",
        help="when another run holds the server, exit 2 at once instead of waiting for it",
    )
    compare.add_argument(
        "--report", action="store_true", help="also write the HTML report next to the JSON"
    )
    compare.add_argument(
        "--junit", type=Path, metavar="FILE", help="also write the verdicts as JUnit XML here"
    )

    report = commands.add_parser("report", help="a saved result as one self-contained HTML page")
    report.add_argument("result", type=Path)
    report.add_argument(
        "-o", "--output", type=Path, help="the page to write (default: the result's name, .html)"
    )

    timeline = commands.add_parser("timeline", help="draw a saved result's requests over time")
    timeline.add_argument("result", type=Path)
    timeline.add_argument("--svg", type=Path, help="also write the timeline as SVG here")
    timeline.add_argument("--max-lanes", type=int, default=40, help="rows per client at most")

    export = commands.add_parser(
        "export", help="render a saved result to .md .csv .svg .html .txt .har .trace.json .xml"
    )
    export.add_argument("result", type=Path)
    export.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        help="the file to write; its suffix picks the format",
    )

    diff = commands.add_parser("diff", help="compare two saved results, figure by figure")
    diff.add_argument("a", type=Path)
    diff.add_argument("b", type=Path)

    primer = commands.add_parser(
        "primer", help="the talk's primers: generators [--size N], loop [--delay S]",
        add_help=False,
    )  # fmt: skip
    primer.add_argument("rest", nargs=argparse.REMAINDER)

    worker = commands.add_parser("worker", help="(internal) run one job from stdin, print JSON")
    worker.add_argument("--channel", type=int, default=None, help=argparse.SUPPRESS)
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
    """Run one client in a fresh process, like `python block.py` did, and print its block.

    The very worker `compare` starts, so both report the same figures for the same client.
    """
    from . import console
    from .errors import WorkerFailed
    from .harness.compare import bounded
    from .harness.launcher import run_worker
    from .harness.server_control import ServerControl
    from .records import ClientSettings
    from .sweeps import SWEEP_SETTINGS

    built_in = sorted(name for name, kind in KINDS.items() if not kind.journal)
    if args.name not in built_in:  # command and python rows need a command or a function
        raise ClientsError(f"run: unknown client {args.name!r}{guess(args.name, built_in)}; "
                           f"clients: {', '.join(built_in)}")  # fmt: skip
    zips = parse_zips(args.zips)
    for name in ("concurrency", "retries"):
        if getattr(args, name) < 0:
            raise ClientsError(f"--{name}: must be >= 0, got {getattr(args, name)}")
    timeout = SWEEP_SETTINGS["timeout"]  # the range a timeout may take, wherever it is given
    if not timeout.low < args.timeout <= timeout.high:  # also refuses nan and inf
        raise ClientsError(f"--timeout: must be > {timeout.low:g} and <= {timeout.high:g} "
                           f"seconds, got {args.timeout}")  # fmt: skip
    control = ServerControl(args.url)
    healthy = control.healthy()
    control.close()
    if not healthy:
        raise ClientsError(f"--url {args.url}: no fake server answers there "
            f"(try `{args.serve_hint}`)")  # fmt: skip
    settings = ClientSettings(
        kind=args.name, concurrency=args.concurrency, timeout=args.timeout,
        retries=args.retries, api=args.api,
    )  # fmt: skip
    settings, kill_after = bounded(settings, len(zips))
    job = {"settings": settings.to_dict(), "zips": list(zips), "url": args.url}
    try:
        result = run_worker(job, lambda done: None, kill_after)
    except WorkerFailed as why:
        console.error(str(why))
        return 1
    if result.skipped is not None:
        console.error(f"{args.name}: {result.skipped}")
        return 1
    console.say(talk_block(result.total, result.usage))
    failed = count_outcomes(result.attempts).failed
    if failed:  # the block stays the talk's; the failure is said on stderr and in the exit code
        console.error(f"{failed} of {len(zips)} zips failed; the total is short")
        return 1
    return 0


def command_compare(args: argparse.Namespace) -> int:
    """Load the scenario, then hand over to the compare flow."""
    from . import console, scenario, shipped

    loaded = scenario.load(shipped.find(args.scenario))
    for polite in (signal.SIGTERM, signal.SIGHUP):  # a kill or a closed terminal: as Ctrl-C
        signal.signal(polite, _interrupt)
    return console.run_compare(
        loaded, args.url, console.terminal(), args.results, timeline=args.timeline,
        report=args.report, wait=not args.no_wait, junit=args.junit, prog=args.prog,
    )  # fmt: skip


def command_report(args: argparse.Namespace) -> int:
    """Write a saved result (a compare or a sweep) as one self-contained HTML page."""
    from . import console
    from .results.document import load_any

    output = args.output or args.result.with_suffix(".html")
    console.write_report(load_any(args.result), output, f"{args.prog} report {args.result}")
    console.say(f"wrote {output}")
    return 0


def command_timeline(args: argparse.Namespace) -> int:
    """Draw a saved result's timeline (and write it as SVG when asked)."""
    from . import console
    from .report.timeline import representative_runs, timeline_renderable, timeline_svg
    from .results.document import load_result, runs_of

    if args.max_lanes < 1:
        raise ClientsError(f"--max-lanes: must be >= 1, got {args.max_lanes}")
    runs = representative_runs(runs_of(load_result(args.result)))
    terminal = console.terminal()
    terminal.print(timeline_renderable(runs, terminal.width, args.max_lanes))
    if args.svg is not None:
        svg = timeline_svg(runs, max_lanes=args.max_lanes, title=args.result.stem)
        console.write_text(args.svg, svg)
        terminal.print(f"wrote {args.svg}")
    return 0


def command_export(args: argparse.Namespace) -> int:
    """Render a saved result to the format its output suffix names."""
    from . import console
    from .results.document import load_result

    console.export(load_result(args.result), args.output)
    console.say(f"wrote {args.output}")
    return 0


def command_diff(args: argparse.Namespace) -> int:
    """Per client and figure, what changed from A to B, and whether the change is clear."""
    from . import console
    from .report.diff import diff_table
    from .results.diff import caveat, diff, mismatches
    from .results.document import load_result

    a, b = load_result(args.a), load_result(args.b)
    changes = diff(a, b)
    warnings = [*mismatches(a, b), *filter(None, [caveat(changes)])]
    terminal = console.terminal()
    for line in warnings:  # before the table, so nobody reads the verdicts without them
        terminal.print(f"warning: {line}", style="yellow", highlight=False, markup=False,
                       soft_wrap=True)  # fmt: skip
    terminal.print(diff_table(changes, f"{args.a.name} → {args.b.name}"))
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def command_scenarios(args: argparse.Namespace) -> int:
    """The shipped scenarios, a line each: name and description; or one's file, as it is."""
    from . import console, shipped

    found = shipped.shipped()
    if args.name is not None:
        names = [s.name for s in found]
        chosen = next((s for s in found if args.name in (s.name, f"{s.name}.toml")), None)
        if chosen is None:
            hint = guess(args.name, names)
            raise ClientsError(f"scenarios: no shipped scenario {args.name!r}{hint}; shipped: "
                               f"{', '.join(names)}")  # fmt: skip
        try:
            text = chosen.path.read_text(encoding="utf-8")
        except OSError as error:
            raise ClientsError(f"{chosen.path}: cannot read: {error.strerror}") from None
        console.say(text.rstrip("\n"))
        return 0
    width = max((len(s.name) for s in found), default=0)
    console.say("\n".join(f"{s.name:<{width}}  {s.description}" for s in found))
    return 0


def main(argv: Sequence[str] | None = None, *, prog: str | None = None, serve: bool = False) -> int:
    """Dispatch; every expected failure is one line on stderr and exit code 2."""
    prog = prog or default_prog()
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["primer"]:  # the primers parse their own arguments, --help included
        from .primers.runner import main as primer_main

        return primer_main(arguments[1:], prog=f"{prog} primer")
    args = build_parser(prog, serve=serve).parse_args(arguments)
    args.serve_hint = f"{prog} serve" if serve else "make serve"  # how this user starts one
    args.prog = prog  # the command the user has, for what we tell them to type
    try:
        if args.command == "scenarios":
            return command_scenarios(args)
        if args.command == "worker":
            from .harness.worker import main as worker_main

            return worker_main(args.channel)
        if args.command == "run":
            return command_run(args)
        commands = {"timeline": command_timeline, "export": command_export, "diff": command_diff,
                    "report": command_report}  # fmt: skip
        if args.command in commands:
            try:
                return commands[args.command](args)
            except (TypeError, ValueError, AttributeError, KeyError, IndexError,
                    ArithmeticError, RecursionError) as error:  # fmt: skip
                # A hand-edited or truncated result file: say so in one line, never a traceback.
                raise ClientsError(f"{args.command}: cannot render it: {error}") from None
        if args.command == "primer":
            from .primers.runner import main as primer_main

            return primer_main(args.rest, prog=f"{prog} primer")
        return command_compare(args)
    except ClientsError as error:
        from . import console

        console.error(str(error))
        return 2
    except KeyboardInterrupt:
        from . import console

        console.say("interrupted", stderr=True)
        return 130
