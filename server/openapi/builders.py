"""Small builders for OpenAPI 3.0 fragments, shared by the document's modules."""

from __future__ import annotations

from typing import Any, Final

Schema = dict[str, Any]

ERROR: Final = {"$ref": "#/components/schemas/Error"}
REASONS: Final = {
    400: "a parameter or the body is malformed; the message names it and its bound",
    401: "Authorization-Key header missing (server started with --require-key)",
    403: "admin routes answer loopback peers only",
    409: "another run holds the server's lease (the message names it), or the lease was lost",
    413: "the body is over the 16 MiB limit shared by scenario files and admin bodies",
    429: "rate limit exceeded; see Retry-After",
    500: "injected fault",
    503: "injected fault, or the capacity queue is full",
}


def ref(name: str) -> Schema:
    """A reference to a schema under `components/schemas`."""
    return {"$ref": f"#/components/schemas/{name}"}


def number(low: float, high: float, **extra: Any) -> Schema:
    """A JSON number within [low, high]."""
    return {"type": "number", "minimum": low, "maximum": high, **extra}


def integer(low: int, high: int, **extra: Any) -> Schema:
    """A JSON integer within [low, high]."""
    return {"type": "integer", "minimum": low, "maximum": high, **extra}


def closed(properties: dict[str, Any], *required: str, **extra: Any) -> Schema:
    """An object with exactly these properties (the server refuses any other key)."""
    schema: Schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    return {**schema, **extra}


def query(name: str, description: str, schema: Schema, **extra: Any) -> Schema:
    """A query parameter (`required`, `allowEmptyValue`, `style`... as keywords)."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        **extra,
    }


def header(name: str, description: str, *, required: bool = False) -> Schema:
    """A string request header."""
    return {
        "name": name,
        "in": "header",
        "required": required,
        "description": description,
        "schema": {"type": "string"},
    }


def json_body(schema: Schema, *, required: bool = True) -> Schema:
    """A JSON request body."""
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def json_response(description: str, schema: Schema) -> Schema:
    """A JSON response."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def errors(*codes: int) -> dict[str, Any]:
    """The JSON error responses for these status codes."""
    return {str(code): json_response(REASONS[code], ERROR) for code in codes}
