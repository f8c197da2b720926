"""`/__admin/journal` in the OpenAPI document: its filters, its entry and its answer."""

from __future__ import annotations

from typing import Any

from ..admin.journal import MAX_TAG, NDJSON
from ..api.params import MAX_LOCATION, PLACE_PATTERN, TEXT_PATTERN
from .builders import query


def journal_paths() -> dict[str, Any]:
    """`/__admin/journal`, with the bounds `server.admin.journal` enforces."""
    text = {"type": "string", "minLength": 1, "maxLength": MAX_TAG, "pattern": TEXT_PATTERN}
    place = {"type": "string", "minLength": 1, "maxLength": MAX_LOCATION, "pattern": PLACE_PATTERN}
    count = {"type": "integer", "minimum": 0, "maximum": 10**12 - 1}
    number, nullable_text = {"type": "number"}, {"type": "string", "nullable": True}
    entry = {
        "type": "object",
        "properties": {
            "seq": {"type": "integer"}, "arrival": number, "start": number, "end": number,
            "route": {"type": "string", "enum": ["jobs", "search"]}, "zip": nullable_text,
            "attempt": {"type": "integer", "nullable": True}, "intended": number,
            "queue_wait": number, "status": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
            "fault": nullable_text, "bytes": {"type": "integer"}, "peer": nullable_text,
            "port": {"type": "integer", "nullable": True}, "client": nullable_text,
            "phase": nullable_text,
        },
    }  # fmt: skip
    document = {
        "type": "object",
        "required": ["entries", "dropped", "size", "budget", "bytes", "now", "next", "tag"],
        "properties": {
            "entries": {"type": "array", "items": entry}, "dropped": {"type": "integer"},
            "size": {"type": "integer"}, "budget": {"type": "integer"},
            "bytes": {"type": "integer"}, "now": number, "next": {"type": "integer"},
            "tag": nullable_text,
        },
    }  # fmt: skip
    error = {"$ref": "#/components/schemas/Error"}
    return {
        "/__admin/journal": {
            "get": {
                "summary": "Every API request since the last reset, oldest first",
                "description": "Times are seconds on the server's monotonic clock since the "
                "reset. `status` is the HTTP status the client got, or `reset` / `gone`; "
                "`fault` the injected fault. NDJSON (one entry a line, the other figures in "
                "X-Journal-* headers) with format=ndjson or Accept: application/x-ndjson.",
                "parameters": [
                    query("zip", "only this zip or place name (as /api/search takes it)", place),
                    query("route", "only this route", {"type": "string",
                                                       "enum": ["jobs", "search"]}),
                    query("status", "only this status code, outcome or fault kind", text),
                    query("since", "only entries with a sequence number above this", count),
                    query("limit", "at most this many entries", count),
                    query("format", "json (default) or ndjson",
                          {"type": "string", "enum": ["json", "ndjson"]}),
                ],
                "responses": {
                    "200": {
                        "description": "the journal",
                        "content": {"application/json": {"schema": document},
                                    NDJSON: {"schema": {"type": "string"}}},
                    },
                    "400": {"description": "a bad filter; the message names it",
                            "content": {"application/json": {"schema": error}}},
                    "403": {"description": "admin routes answer loopback peers only",
                            "content": {"application/json": {"schema": error}}},
                },
            }
        }
    }  # fmt: skip
