"""The one way the clients read a file a person hands them (a scenario, a saved result):
bounded in bytes by the server's rule for a scenario or an admin body, so `/dev/zero`, a
pipe that never ends or a huge file is one line, not a MemoryError.

Imports nothing of the package but `errors`: the scenario, the results and the CLI use it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from .errors import FileTooLarge

# The server's MAX_DOCUMENT_BYTES (server/config/documents.py), which the clients never import:
# whatever the clients read, the server would take as a body too.
MAX_FILE_BYTES: Final = 16 * 1024 * 1024
# A saved result is the clients' own output, never a body for the server, and holds every
# attempt: thundering-herd's four clients over 10,000 zips write 19 MB. Its own bound, so the
# tool reads back what it wrote, and /dev/zero is still one line.
MAX_RESULT_BYTES: Final = 128 * 1024 * 1024


def limit_message(size: int | None, limit: int = MAX_FILE_BYTES, what: str = "a file") -> str:
    """`20000000 bytes is over the 16 MiB (16777216 bytes) limit for a file`; without the size
    for a device or a pipe, which says none until it is read."""
    got = f"{size} bytes is " if size is not None else ""
    return f"{got}over the {limit // 2**20} MiB ({limit} bytes) limit for {what}"


def read_bytes(path: str | Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes, at most `limit` of them (read no further than one past it).

    Raises FileTooLarge (naming the file) beyond it; OSError as the OS says.
    """
    with open(path, "rb") as file:
        stat = os.fstat(file.fileno())
        if stat.st_size > limit:  # a regular file says its size: not a byte is read
            raise FileTooLarge(f"{path}: {limit_message(stat.st_size, limit)}")
        raw = file.read(limit + 1)  # a device or a pipe says 0: read one byte past the limit
    if len(raw) > limit:
        raise FileTooLarge(f"{path}: {limit_message(None, limit)}")
    return raw


def read_text(path: str | Path, encoding: str = "utf-8", limit: int = MAX_FILE_BYTES) -> str:
    """`read_bytes`, decoded (UnicodeDecodeError as the codec says)."""
    return read_bytes(path, limit).decode(encoding)
