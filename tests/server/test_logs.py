"""The server's log: one line per request aiohttp's parser refuses, never a traceback."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterator

import pytest
from aiohttp.test_utils import TestClient

from server import logs


@pytest.fixture
def server_log() -> Iterator[io.StringIO]:
    """aiohttp's server logger with the one-line filter, written to a string (then undone)."""
    logger = logging.getLogger(logs.SERVER_LOGGER)
    before = (list(logger.filters), logger.level)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    assert logs.one_line_refusals() is logger
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.filters[:] = before[0]
        logger.setLevel(before[1])


MALFORMED = [
    pytest.param(b"GET /" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", id="10kb-path"),
    pytest.param(
        b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(200)) + b"\r\n",
        id="200-headers",
    ),
    pytest.param(
        b"POST /__admin/reset HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        id="negative-length",
    ),
    pytest.param(b"FOO / HTTP/1.1\r\nHost: x\r\n\r\n", id="method-FOO"),
    pytest.param(b"get /health HTTP/1.1\r\nHost: x\r\n\r\n", id="lowercase-get"),
    pytest.param(  # the start of a TLS 1.2 ClientHello: https:// sent to this http:// port
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(32)), id="tls-hello"
    ),
]


@pytest.mark.parametrize("raw", MALFORMED)
async def test_a_malformed_request_is_one_log_line(
    client: TestClient, server_log: io.StringIO, raw: bytes
) -> None:
    assert client.server.port is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", client.server.port)
    writer.write(raw)
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    await writer.wait_closed()
    assert status_line.startswith(b"HTTP/1.") and b" 400 " in status_line
    text = server_log.getvalue()
    assert "Traceback" not in text
    lines = text.splitlines()
    assert len(lines) == 1, text
    assert lines[0].startswith("refused a malformed request from 127.0.0.1: 400 ")
    assert len(lines[0]) < 300


def test_install_is_idempotent() -> None:
    logger = logging.getLogger(logs.SERVER_LOGGER)
    before = (list(logger.filters), list(logger.handlers), logger.propagate, logger.level)
    try:
        logs.install(io.StringIO())
        logs.install(io.StringIO())
        assert sum(isinstance(f, logs.OneLineRefusals) for f in logger.filters) == 1
        assert len(logger.handlers) == max(1, len(before[1]))
    finally:
        logger.filters[:], logger.handlers[:], logger.propagate = before[:3]
        logger.setLevel(before[3])


def test_other_debug_records_stay_out(
    server_log: io.StringIO,
) -> None:
    logger = logging.getLogger(logs.SERVER_LOGGER)
    logger.debug("Ignored premature client disconnection")  # aiohttp's, in debug mode only
    assert server_log.getvalue() == ""
