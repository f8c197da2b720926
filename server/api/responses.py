"""JSON error bodies: every error names what was wrong, never a traceback."""

from __future__ import annotations

from http import HTTPStatus

from aiohttp import web


def json_error(status: int, message: str, **extra: object) -> web.Response:
    """A JSON error response: `{"error": reason, "status": code, "message": ..., **extra}`."""
    body: dict[str, object] = {"error": HTTPStatus(status).phrase, "status": status}
    body["message"] = message
    body.update(extra)
    return web.json_response(body, status=status)
