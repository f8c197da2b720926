"""The scenarios that ship with the tool, found by path or by bare name from any directory.

They sit beside the `clients` package: the repository's `scenarios/` in a checkout, and
`asynchronicity/scenarios/` in an installed wheel.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from .errors import ScenarioFileError

SCENARIOS: Final = Path(__file__).resolve().parent.parent / "scenarios"


@dataclass(frozen=True, slots=True)
class Shipped:
    """One shipped scenario: its bare name, its file and its one-line description."""

    name: str
    path: Path
    description: str


def shipped() -> list[Shipped]:
    """Every shipped scenario, by name."""
    found = []
    for path in sorted(SCENARIOS.glob("*.toml")):
        try:
            description = str(tomllib.loads(path.read_text("utf-8-sig")).get("description", ""))
        except (OSError, ValueError):  # a broken file still gets listed, loading it will say why
            description = ""
        found.append(Shipped(path.stem, path, description))
    return found


def find(text: str | Path) -> Path:
    """The scenario file `text` names: a path that exists, else a shipped scenario's name (with
    or without `.toml`, or the shipped `scenarios/NAME.toml` from elsewhere)."""
    path = Path(text)
    if path.exists():
        return path
    # `quick`, `quick.toml` and `scenarios/quick.toml` name the shipped file; `x/quick` does not.
    if path.parent in (Path("."), Path("scenarios")):
        for candidate in (SCENARIOS / path.name, SCENARIOS / f"{path.name}.toml"):
            if candidate.is_file():
                return _shown(candidate)
    names = ", ".join(s.name for s in shipped())
    raise ScenarioFileError(
        str(text), "", f"no such file, nor a shipped scenario of that name; shipped: {names}"
    )


def _shown(path: Path) -> Path:
    """`path` relative to here when it is below here (as typed in a checkout), else absolute."""
    relative = os.path.relpath(path)
    return Path(relative) if not relative.startswith("..") else path
