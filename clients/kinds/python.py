"""Your function as a client: `package.module:callable`, called as `callable(zips, base_url)`.

Imported before the meter starts (as every client's module is), then called under it: a plain
function directly, an `async def` on asyncio or uvloop. It gets the settings of
`records.CODE_SETTINGS` (`concurrency`, `timeout`, `retries`, `backoff`, `jitter`, `hedge`,
`budget_ratio`, `rate`, `duration`, …) as keywords when it names them, and `due_file` (an
open-loop run's due times, `SECONDS ZIP` a line), and must return the total as an integer.
What it prints goes to the worker's stderr (stdout is the worker's own).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import inspect
import os
import sys
import sysconfig
import tempfile
import traceback
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Final

from ..arrivals import due_lines, planned
from ..errors import WorkerFailed
from ..progress import Progress
from ..records import CODE_SETTINGS, Attempt, ClientSettings
from ._loop import LagSampler

KEYWORDS: Final = CODE_SETTINGS


def resolve(spec: str, folder: str | None) -> Callable[..., Any]:
    """The callable `spec` names (`package.module:name`), imported with `folder` on sys.path."""
    module_name, _, attribute = spec.partition(":")
    if folder and folder not in sys.path:
        sys.path.insert(0, folder)
    try:
        target: Any = importlib.import_module(module_name)
    except Exception as error:  # a user's module may raise anything while it is imported
        why = _described(error, folder)
        raise WorkerFailed(f"cannot import {module_name} for {spec}: {why}") from None
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise WorkerFailed(f"cannot import {spec}: {module_name} has no {attribute}") from None
    if not callable(target):
        raise WorkerFailed(f"{spec} is a {type(target).__name__}, not a function")
    function: Callable[..., Any] = target
    return function


def keywords(function: Callable[..., Any], settings: ClientSettings) -> dict[str, Any]:
    """The scenario's values for the keywords `function` names; times in real seconds."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):  # a builtin without a signature: give it nothing extra
        return {}
    values = settings.for_code()
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return {k: values[k] for k in KEYWORDS if k in parameters and parameters[k].kind in named}


def wants_due(function: Callable[..., Any]) -> bool:
    """Whether the function names a `due_file` keyword (an open-loop run's due times)."""
    try:
        return "due_file" in inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False


def prepare(settings: ClientSettings) -> Callable[..., list[Attempt]]:
    """Import the function now, so the meter does not count the import."""
    assert settings.function is not None
    function = resolve(settings.function, settings.path)
    if settings.loop == "uvloop" and not _is_async(function):
        raise WorkerFailed(f'{settings.function} is a plain function: loop = "uvloop" needs '
                           "an async def")  # fmt: skip
    return functools.partial(call, function)


def _is_async(function: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(
        getattr(function, "__call__", None)  # noqa: B004 (an object with an async __call__)
    )


def call(
    function: Callable[..., Any],
    zips: Sequence[str],
    base_url: str,
    settings: ClientSettings,
    progress: Progress,
) -> list[Attempt]:
    """Call it under the meter, check what it returns; its requests come from the journal."""
    spec = settings.function or function.__name__
    loop = settings.loop or "asyncio"
    progress.loop = loop if _is_async(function) else "none"
    told = keywords(function, settings)
    with _stdout_to_stderr(), tempfile.TemporaryDirectory(prefix="asynchronicity-") as scratch:
        if wants_due(function):  # the due times, `SECONDS ZIP` a line; None in a batch run
            told["due_file"] = None
            if settings.open_loop:
                told["due_file"] = str(Path(scratch, "due.txt"))
                Path(told["due_file"]).write_text(due_lines(planned(settings, zips)), "utf-8")
        try:
            result = function(list(zips), base_url.rstrip("/"), **told)
            if inspect.isawaitable(result):  # an async def, or a plain function returning one
                progress.loop = loop
                lag = LagSampler()  # the harness owns its loop: how late it ran is measured
                try:
                    result = _run_on(loop, lag.around(result))
                finally:
                    progress.loop_lag, progress.lags = lag.result(), lag.lags
        except (Exception, SystemExit) as error:
            raise WorkerFailed(f"{spec} raised {_described(error, settings.path)}") from None
    if isinstance(result, bool) or not isinstance(result, int):
        raise WorkerFailed(f"{spec} returned {_clip(repr(result))}, not an integer total")
    progress.total = result
    progress.done = len(zips)
    return []


def _run_on(loop: str, awaitable: Awaitable[Any]) -> Any:
    async def wait() -> Any:
        return await awaitable

    if loop == "uvloop":
        import uvloop  # only when asked for: a user's interpreter may not have it

        return uvloop.run(wait())
    return asyncio.run(wait())


# Where Python's own modules live: a frame there (importlib's `import_module`, asyncio's
# `run`) is never the line a user wants pointed at.
_STDLIB: Final = tuple(
    {str(Path(sysconfig.get_paths()[key]).resolve()) for key in ("stdlib", "platstdlib")}
)


def _theirs(filename: str) -> bool:
    """Whether a traceback frame is the user's code: not this module, not the import
    machinery (`<frozen importlib._bootstrap>`), not the standard library."""
    if filename == __file__ or filename.startswith("<"):
        return False
    resolved = str(Path(filename).resolve())
    return not any(resolved.startswith(root + os.sep) for root in _STDLIB)


def _described(error: BaseException, folder: str | None = None) -> str:
    """`KeyError: 'x' (at fetch.py:42)`: the type, the message and the innermost line of the
    user's own code (its path from `folder`, the folder its code imports from)."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if _theirs(f.filename)]
    where = f" (at {_shown(frames[-1].filename, folder)}:{frames[-1].lineno})" if frames else ""
    message = str(error).strip().splitlines()
    return f"{type(error).__name__}{': ' + _clip(message[0]) if message else ''}{where}"


def _shown(filename: str, folder: str | None) -> str:
    """A frame's file as the user knows it: relative to their folder when it is below it."""
    path = Path(filename)
    if folder:
        try:
            return str(path.resolve().relative_to(Path(folder).resolve()))
        except ValueError:  # a library of theirs elsewhere: its name says enough
            pass
    return path.name


def _clip(text: str, width: int = 100) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Send what the function prints (Python's and C's) to stderr: stdout carries the result."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 1)
        os.close(saved)
