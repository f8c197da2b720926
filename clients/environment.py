"""What a result must say about where it was measured."""

from __future__ import annotations

import os
import platform
import sys
import sysconfig
from importlib import metadata
from typing import Any, Final

from .kinds import KINDS

# The server's and the report's libraries, then whatever each client kind says it runs on.
LIBRARIES: Final = tuple(
    dict.fromkeys(
        ("aiohttp", "faker", "rich", *(lib for k in KINDS.values() for lib in k.libraries))
    )
)


def library_versions(names: tuple[str, ...] = LIBRARIES) -> dict[str, str]:
    """Installed versions of the libraries that shape the results."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def gil_enabled() -> bool:
    """Whether this interpreter runs with the GIL (always true before free-threaded builds)."""
    check = getattr(sys, "_is_gil_enabled", None)
    return bool(check()) if check is not None else True


def describe() -> dict[str, Any]:
    """Python, platform, CPUs, GIL and library versions."""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "gil_enabled": gil_enabled(),
        # A free-threaded build can still run with the GIL switched back on (PYTHON_GIL=1).
        "free_threaded_build": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        "libraries": library_versions(),
    }
