"""The OpenAPI paths and schemas of the admin routes: scenario, reset, stats, preview, warm
and the lease. Every bound is the one `server.admin.workload`, `server.admin.lease` and
`server.config.parser` enforce, read from their constants."""

from __future__ import annotations

from typing import Any

from ..admin.journal import MAX_TAG
from ..admin.lease import HEADER, MAX_HOLDER_KEYS, MAX_HOLDER_TEXT, MAX_TTL, MIN_TTL
from ..admin.workload import MAX_CONCURRENCIES, MAX_CONCURRENCY, MAX_PER_PAGE, MAX_TIMEOUT, MAX_ZIPS
from ..api.params import TEXT_PATTERN
from ..api.zipsets import ZIP_SETS
from .builders import (
    Schema,
    closed,
    errors,
    header,
    integer,
    json_body,
    json_response,
    number,
    query,
    ref,
)
from .scenario import scenario_example, scenario_schemas

ANY_OBJECT = {"type": "object"}
ZIP_LIST = {"type": "array", "items": ref("Zip"), "minItems": 1, "maxItems": MAX_ZIPS}
SET_NAME = {"type": "string", "enum": list(ZIP_SETS)}
LEASE_HEADER = header(HEADER, "the lease token; needed while a run holds the lease")


def _changes(summary: str, body: Schema | None, *codes: int) -> Schema:
    """An operation that changes the server: refused with 409 while another run holds it."""
    operation: Schema = {
        "summary": summary,
        "parameters": [LEASE_HEADER],
        "responses": {
            "200": json_response("done", ANY_OBJECT),
            "409": json_response("another run holds the lease", ref("LeaseConflict")),
            **errors(*codes, 403),
        },
    }
    if body is not None:
        operation["requestBody"] = json_body(body)
    return operation


def _preview_query() -> list[Schema]:
    def listed(items: Schema, most: int) -> Schema:
        return {"type": "array", "items": items, "maxItems": most}

    return [
        query(
            "zips",
            "comma-separated 5-digit zips, or the name of a set",
            {"anyOf": [SET_NAME, ZIP_LIST]},
            required=True,
            style="form",
            explode=False,
        ),
        query(
            "concurrency",
            "comma-separated client concurrencies (0 = unlimited); empty: 0",
            listed(integer(0, MAX_CONCURRENCY), MAX_CONCURRENCIES),
            style="form",
            explode=False,
        ),
        query(
            "timeout",
            "client timeout in seconds (0 or empty: none)",
            number(0, MAX_TIMEOUT),
            allowEmptyValue=True,
        ),
        query("route", "jobs or search", {"type": "string", "enum": ["jobs", "search"]}),
        query(
            "per_page",
            "page size the client asks for (empty: the route's default)",
            integer(0, MAX_PER_PAGE),
            allowEmptyValue=True,
        ),
    ]


def _workload_body() -> Schema:
    nullable_int = {**integer(0, MAX_PER_PAGE), "type": ["integer", "null"]}
    one_concurrency = integer(0, MAX_CONCURRENCY)
    return closed(
        {
            "zips": {
                "anyOf": [
                    SET_NAME,
                    ref("Zip"),
                    ZIP_LIST,
                    {"type": "array", "items": SET_NAME, "minItems": 1, "maxItems": 1},
                ]
            },
            "concurrency": {
                "anyOf": [
                    {"type": "null"},
                    one_concurrency,
                    {"type": "array", "items": one_concurrency, "maxItems": MAX_CONCURRENCIES},
                ]
            },
            "timeout": {**number(0, MAX_TIMEOUT), "type": ["number", "null"]},
            "route": {"type": "string", "enum": ["jobs", "search"]},
            "per_page": nullable_int,
        },
        "zips",
    )


def _reset() -> Schema:
    """`POST /__admin/reset`, with its optional `{"tag": ...}` naming the next run."""
    tag = {"type": "string", "minLength": 1, "maxLength": MAX_TAG, "pattern": TEXT_PATTERN}
    body: Schema = {"type": "object", "additionalProperties": False, "properties": {"tag": tag}}
    operation = _changes("Clear stats, journal, attempt counters, token buckets", None, 400)
    operation["requestBody"] = json_body(body, required=False)
    return operation


def _lease_path() -> Schema:
    conflict = json_response("another run holds the lease, or it was lost", ref("LeaseConflict"))
    ttl = {**number(MIN_TTL, MAX_TTL), "type": ["number", "null"], "default": 15}
    required_header = {**LEASE_HEADER, "required": True}
    return {
        "get": {
            "summary": "Whether a run holds the server: who, since when, for how long",
            "responses": {"200": json_response("the lease", ref("LeaseState")), **errors(403)},
        },
        "post": {
            "summary": "Take the exclusive lease before resetting or reconfiguring the server",
            "parameters": [LEASE_HEADER],
            "requestBody": json_body(closed({"holder": ref("Holder"), "ttl": ttl}, "holder")),
            "responses": {
                "200": json_response("granted: send the token as X-Lease", ref("Lease")),
                "409": conflict,
                **errors(400, 403, 413),
            },
        },
        "put": {
            "summary": "Renew the lease for its ttl, or the one given",
            "parameters": [required_header],
            "requestBody": json_body(closed({"ttl": ttl}), required=False),
            "responses": {
                "200": json_response("renewed", ref("Lease")),
                "409": conflict,
                **errors(400, 403, 413),
            },
        },
        "delete": {
            "summary": "Release the lease",
            "parameters": [required_header],
            "responses": {
                "200": json_response("released", ANY_OBJECT),
                "409": conflict,
                **errors(400, 403),
            },
        },
    }


def admin_paths() -> dict[str, Any]:
    """Every `/__admin` path."""
    scenario_put = _changes("Replace the active configuration", ref("Scenario"), 400, 413)
    scenario_put["parameters"] = [
        LEASE_HEADER,
        query("dry_run", "any value but 0, false or empty: validate only", {"type": "string"}),
    ]
    scenario_put["requestBody"]["content"]["application/json"]["example"] = scenario_example()
    preview_responses = {"200": json_response("preview", ANY_OBJECT), **errors(400, 403)}
    return {
        "/__admin/scenario": {
            "get": {
                "summary": "The active configuration",
                "responses": {
                    "200": json_response("seed, speed, server", ANY_OBJECT),
                    **errors(403),
                },
            },
            "put": scenario_put,
        },
        "/__admin/reset": {"post": _reset()},
        "/__admin/warm": {
            "post": _changes("Render a workload's pages ahead of a run", _workload_body(), 400, 413)
        },
        "/__admin/stats": {
            "get": {
                "summary": "Counts, gauges, timing percentiles, server CPU",
                "responses": {"200": json_response("stats", ANY_OBJECT), **errors(403)},
            }
        },
        "/__admin/preview": {
            "get": {
                "summary": "What the active scenario will do to a workload",
                "parameters": _preview_query(),
                "responses": preview_responses,
            },
            "post": {
                "summary": "The same, with a JSON body of the same names (lists as arrays)",
                "requestBody": json_body(_workload_body()),
                "responses": {**preview_responses, **errors(413)},
            },
        },
        "/__admin/lease": _lease_path(),
    }


def admin_schemas() -> dict[str, Schema]:
    """The named schemas the admin paths refer to."""
    nullable = {"anyOf": [{"type": "null"}, {"type": "number"}]}
    extra = {
        "anyOf": [{"type": "string", "maxLength": MAX_HOLDER_TEXT}, {"type": ["number", "boolean"]}]
    }
    state = {
        "held": {"type": "boolean"},
        "holder": {"anyOf": [{"type": "null"}, ref("Holder")]},
        "since": nullable,
        "expires_in": nullable,
        "ttl": nullable,
    }
    return {
        **scenario_schemas(),
        "Zip": {"type": "string", "pattern": "^[0-9]{5}$"},
        "Holder": {
            "type": "object",
            "description": "who holds the lease: scenario and pid, and a few small extras",
            "required": ["scenario", "pid"],
            "maxProperties": MAX_HOLDER_KEYS,
            "properties": {
                "scenario": {
                    "type": "string",
                    "maxLength": MAX_HOLDER_TEXT,
                    "pattern": "[^ \\t\\n\\r\\x0b\\x0c]",  # not blank
                },
                "pid": integer(0, 2**31 - 1),
            },
            "additionalProperties": extra,
        },
        "Lease": {
            "type": "object",
            "required": ["token", "holder", "since", "expires_in"],
            "properties": {
                "token": {"type": "string"},
                "holder": ref("Holder"),
                "since": {"type": "number", "description": "unix seconds"},
                "expires_in": {"type": "number", "description": "seconds"},
                "ttl": {"type": "number"},
            },
        },
        "LeaseState": {
            "type": "object",
            "required": ["held", "holder", "since", "expires_in"],
            "properties": state,
        },
        "LeaseConflict": {
            "type": "object",
            "required": ["error", "status", "message", "held", "holder", "since", "expires_in"],
            "properties": {
                "error": {"type": "string"},
                "status": {"type": "integer"},
                "message": {"type": "string"},
                **state,
            },
        },
    }
