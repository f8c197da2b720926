"""`asynchronicity`: one command for everything — the clients' commands, and `serve`.

`serve` hands over to the server's own command line; every other command is the clients'.
This module sits above both packages, the one place allowed to know them both.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

PROG = "asynchronicity"


def _prog() -> str:
    """The command as the user typed it: `asynchronicity`, or `python -m asynchronicity`."""
    name = Path(sys.argv[0]).name
    return f"python -m {__package__}" if name == "__main__.py" else (name or PROG)


def _main_of(package: str) -> Callable[..., int]:
    """`main` of `asynchronicity.<package>.cli` (imported by name: the folders are placed at
    build time, and in a checkout through this package's path)."""
    entry: Callable[..., int] = importlib.import_module(f"{__package__}.{package}.cli").main
    return entry


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch `serve` to the server, everything else to the clients."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    prog = _prog()
    if arguments[:1] == ["serve"]:
        return _main_of("server")(arguments[1:], prog=f"{prog} serve")
    return _main_of("clients")(arguments, prog=prog, serve=True)
