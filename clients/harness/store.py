"""Saving a result as it grows: the whole document again after every finished run.

Each save writes a temporary file beside the result and renames it over the result, so the
file on disk is always a whole document: the previous one or the new one, never half of
either. A disk that fills up or turns read-only mid-run costs the saves, not the run: the
failure is kept as one line for the caller to show, and the next save tries again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any

SLUG_BYTES = 160  # of a result's file name, before its time stamp and suffix


def result_path(directory: Path, name: str, suffix: str = ".json") -> Path:
    """A new file under `directory` named `<name>-<UTC time><suffix>`."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    slug = re.sub(r"[^\w.-]+", "-", name).strip("-") or "scenario"
    slug = slug.encode()[:SLUG_BYTES].decode(errors="ignore")  # a file name is 255 bytes at most
    path = directory / f"{slug}-{stamp}{suffix}"
    counter = 1
    while path.exists():
        counter += 1
        path = directory / f"{slug}-{stamp}-{counter}{suffix}"
    return path


def temporary_path(path: Path) -> Path:
    """Where `write_atomic` writes before renaming: beside `path`, hidden, this process's own."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` whole (write a temporary file, then rename it over `path`)."""
    temporary = temporary_path(path)
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):  # nothing to clean, or no way to: the error says why
            temporary.unlink()
        raise


class Store:
    """One result file under `directory`, named after the scenario when first saved."""

    def __init__(self, directory: Path, name: str) -> None:
        self.directory = directory
        self.name = name
        self.path: Path | None = None  # chosen at the first save
        self.saved: Path | None = None  # set once a save succeeded
        self.problem: str | None = None  # why the latest save failed; None once one succeeds

    def save(self, document: dict[str, Any]) -> bool:
        """Write `document` over the previous save; False (and `problem` says why) if it failed."""
        try:
            if self.path is None:
                self.path = result_path(self.directory, self.name)
            write_atomic(self.path, json.dumps(document, indent=1) + "\n")
        except OSError as error:
            where = self.path or self.directory
            self.problem = f"{where}: could not save the result: {error.strerror or error}"
            return False
        self.saved, self.problem = self.path, None
        return True
