"""Client libraries that are not dependencies: imported when their kind runs, or the row is
skipped with the reason (never failed)."""

from __future__ import annotations

import importlib
from typing import Any, Final

EXTRA: Final = "kinds2026"  # the optional extra that installs them


def need(name: str) -> Any:
    """The module `name`, or ClientUnavailable saying how to install it."""
    from ..errors import ClientUnavailable

    try:
        return importlib.import_module(name)
    except ImportError:
        why = f"{name} not installed (pip install 'asynchronicity[{EXTRA}]', or pip install {name})"
        raise ClientUnavailable(why) from None
