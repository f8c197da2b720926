"""The server's log lines: one line per refused request, never a parser traceback.

aiohttp logs every request its HTTP parser refuses (a 10 KB path, 200 headers,
`Content-Length: -1`) with `logger.exception`, a full traceback on stderr: any peer could fill
the log. A filter on aiohttp's server logger rewrites those records as one line each; a
traceback from anything else (a real bug) is kept whole. A bad method on a connection's first
request (`FOO`, a lowercase `get`, a TLS hello sent to this plain-HTTP port) aiohttp logs at
debug level only, so nothing showed: the logger lets debug records through to the filter,
which gives those the same one line at warning level and drops every other debug record.
"""

from __future__ import annotations

import logging
import sys
from typing import Final, TextIO

from aiohttp.http_exceptions import HttpProcessingError

SERVER_LOGGER: Final = "aiohttp.server"
MAX_DETAIL: Final = 200  # characters of the parser's reason kept: it may quote the request


class OneLineRefusals(logging.Filter):
    """Turn a parser refusal's traceback into `refused a malformed request from PEER: ...`."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place if it is a refusal; keep every record."""
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            peer = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
            detail = " ".join(str(error.message).split())  # one line, whatever the peer sent
            if len(detail) > MAX_DETAIL:
                detail = f"{detail[:MAX_DETAIL]}…"
            record.msg = "refused a malformed request from %s: %s %s"
            record.args = (peer, error.code, detail)
            record.exc_info = None
            record.exc_text = None
            if record.levelno < logging.WARNING:  # aiohttp's debug line for a bad method
                record.levelno, record.levelname = logging.WARNING, "WARNING"
            return True
        return record.levelno > logging.DEBUG


def one_line_refusals() -> logging.Logger:
    """aiohttp's server logger with the one-line filter (once), letting through to it the
    refusals aiohttp logs at debug level."""
    logger = logging.getLogger(SERVER_LOGGER)
    if not any(isinstance(f, OneLineRefusals) for f in logger.filters):
        logger.addFilter(OneLineRefusals())
    logger.setLevel(logging.DEBUG)
    return logger


def install(stream: TextIO | None = None) -> None:
    """Give aiohttp's server logger the one-line filter and a plain stderr handler (once)."""
    logger = one_line_refusals()
    if not logger.handlers:
        handler = logging.StreamHandler(stream or sys.stderr)
        handler.setFormatter(logging.Formatter("server: %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False  # the root logger's handlers would print it a second time
