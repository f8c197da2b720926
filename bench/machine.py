"""Where the benchmarks ran: CPU model, cores, Python, library versions, limits, date."""

from __future__ import annotations

import datetime as dt
import os
import platform
import resource
import shutil
from pathlib import Path
from typing import Any, Final

from bench.figures import cpuinfo_model
from clients.environment import library_versions

LIBRARIES: Final = ("aiohttp", "uvloop", "requests", "httpx", "rich", "faker", "multidict", "yarl")
TOOLS: Final = ("wrk", "hey")


def read(path: str) -> str:
    """A small system file's text, or '' when it cannot be read."""
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def describe() -> dict[str, Any]:
    """Everything a reader needs to compare these figures with another machine's."""
    return {
        "cpu_model": cpuinfo_model(read("/proc/cpuinfo")),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "libraries": library_versions(LIBRARIES),
        "tools": {tool: shutil.which(tool) for tool in TOOLS},
        "open_files_limit": resource.getrlimit(resource.RLIMIT_NOFILE)[1],
        "somaxconn": read("/proc/sys/net/core/somaxconn").strip() or None,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def headline(machine: dict[str, Any]) -> str:
    """One line: CPU, cores, Python and the main libraries."""
    libraries = ", ".join(f"{k} {v}" for k, v in sorted(machine["libraries"].items()))
    return (
        f"{machine['cpu_model']} · {machine['cores']} cores · Python {machine['python']} · "
        f"{libraries} · {machine['date']}"
    )
