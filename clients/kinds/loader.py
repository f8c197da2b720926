"""A kind's module, imported when a worker runs it: only the client it runs is loaded.

`RunFunction` is what every kind module's `run` is: zips, the server's base URL, the settings
and a `Progress` in; one `Attempt` per request out.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import TypeAlias

from ..progress import Progress
from ..records import Attempt, ClientSettings
from . import KINDS

RunFunction: TypeAlias = Callable[[Sequence[str], str, ClientSettings, Progress], list[Attempt]]


def load(name: str) -> RunFunction:
    """The `run` function of a client kind."""
    module = importlib.import_module(f"{__package__}.{KINDS[name].module}")
    run: RunFunction = module.run
    return run


def prepare(settings: ClientSettings) -> RunFunction:
    """The kind's `run`, after any set-up that must not be measured (importing a user's code).

    A kind module may define `prepare(settings) -> run`; it raises WorkerFailed for bad input.
    """
    module = importlib.import_module(f"{__package__}.{KINDS[settings.kind].module}")
    setup = getattr(module, "prepare", None)
    if setup is None:
        return load(settings.kind)
    run: RunFunction = setup(settings)
    return run
