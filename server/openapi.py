"""The OpenAPI 3 document for every route the server answers."""

from __future__ import annotations

from typing import Any

from .journal import openapi_paths as journal_paths

_ERROR = {"$ref": "#/components/schemas/Error"}


def _query(
    name: str, description: str, schema: dict[str, Any], required: bool = False
) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    }


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    reasons = {
        400: "a parameter is missing or malformed; the message names it",
        401: "Authorization-Key header missing (server started with --require-key)",
        403: "admin routes answer loopback peers only",
        404: "no such route",
        405: "method not allowed",
        409: "another run holds the server's lease (the message names it), or the lease was lost",
        429: "rate limit exceeded; see Retry-After",
        500: "injected fault",
        503: "injected fault, or the capacity queue is full",
    }
    return {str(code): _json(reasons[code], _ERROR) for code in codes}


ZIP = {"type": "string", "pattern": "^[0-9]{5}$", "example": "90011"}
TIMING = {
    "Server-Timing": {
        "description": "intended delay, queue wait and overshoot, in milliseconds",
        "schema": {"type": "string"},
    }
}


def _api_paths() -> dict[str, Any]:
    jobs = {
        "get": {
            "summary": "The 2015 API: job count and one page of jobs for a zip",
            "description": "Query names match case-insensitively, as the real API did.",
            "parameters": [
                _query("LocationId", "5-digit zip code", ZIP, required=True),
                _query(
                    "NumberOfJobs",
                    "jobs per page (0 for the count alone)",
                    {"type": "integer", "minimum": 0, "maximum": 250, "default": 25},
                ),
                _query("Page", "1-based page", {"type": "integer", "minimum": 1, "default": 1}),
            ],
            "responses": {
                "200": {
                    **_json("count and jobs", {"$ref": "#/components/schemas/LegacyJobs"}),
                    "headers": TIMING,
                },
                **_errors(400, 429, 500, 503),
            },
        }
    }
    search = {
        "get": {
            "summary": "Today's Search API envelope for a zip",
            "parameters": [
                _query(
                    "LocationName",
                    "a zip code, or any place name (counts are hashed from it)",
                    {"type": "string", "maxLength": 200, "example": "90011"},
                    required=True,
                ),
                _query(
                    "ResultsPerPage",
                    "items per page",
                    {"type": "integer", "minimum": 0, "maximum": 500, "default": 250},
                ),
                _query("Page", "1-based page", {"type": "integer", "minimum": 1, "default": 1}),
                {
                    "name": "Authorization-Key",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string"},
                    "description": "required with --require-key",
                },
            ],
            "responses": {
                "200": {
                    **_json("search results", {"$ref": "#/components/schemas/SearchEnvelope"}),
                    "headers": TIMING,
                },
                **_errors(400, 401, 429, 500, 503),
            },
        }
    }
    return {"/api/jobs": jobs, "/api/search": search, "/api/Search": search}


def _admin_paths() -> dict[str, Any]:
    any_object = {"type": "object"}
    preview_params = [
        _query(
            "zips",
            "comma-separated zips, or a named set such as mempy-2015",
            {"type": "string"},
            required=True,
        ),
        _query(
            "concurrency",
            "comma-separated client concurrencies (0 = unlimited)",
            {"type": "string", "default": "0"},
        ),
        _query("timeout", "client timeout in seconds", {"type": "number"}),
        _query("route", "jobs or search", {"type": "string", "enum": ["jobs", "search"]}),
        _query("per_page", "page size the client asks for", {"type": "integer"}),
    ]
    lease_header = {
        "name": "X-Lease",
        "in": "header",
        "required": False,
        "description": "the lease token; required while a run holds the lease",
        "schema": {"type": "string"},
    }
    return {
        "/__admin/lease": _lease_path(lease_header),
        "/__admin/scenario": {
            "get": {
                "summary": "The active configuration",
                "responses": {
                    "200": _json("seed, speed and server section", any_object),
                    **_errors(403),
                },
            },
            "put": {
                "summary": "Replace the active configuration",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": any_object}},
                },
                "responses": {
                    "200": _json("the new configuration", any_object),
                    **_errors(400, 403),
                },
            },
        },
        "/__admin/warm": {
            "post": {
                "summary": "Render a workload's pages ahead of a run",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": any_object}},
                },
                "responses": {"200": _json("warmed", any_object), **_errors(400, 403)},
            }
        },
        "/__admin/reset": {
            "post": {
                "summary": "Clear stats, journal and attempt counters",
                "requestBody": {
                    "required": False,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "additionalProperties": False,
                                "properties": {
                                    "tag": {"type": "string", "minLength": 1, "maxLength": 200}
                                },
                            }
                        }
                    },
                },
                "responses": {"200": _json("done", any_object), **_errors(400, 403)},
            }
        },
        "/__admin/stats": {
            "get": {
                "summary": "Counts, gauges, timing percentiles, server CPU",
                "responses": {"200": _json("stats", any_object), **_errors(403)},
            }
        },
        "/__admin/preview": {
            "get": {
                "summary": "What the active scenario will do to a workload",
                "parameters": preview_params,
                "responses": {"200": _json("preview", any_object), **_errors(400, 403)},
            },
            "post": {
                "summary": "The same, with a JSON body of the same names (zips as a list)",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": any_object}},
                },
                "responses": {"200": _json("preview", any_object), **_errors(400, 403)},
            },
        },
    }


def _lease_path(header: dict[str, Any]) -> dict[str, Any]:
    lease = {"$ref": "#/components/schemas/Lease"}
    conflict = _json(
        "another run holds the lease; the message names it",
        {"$ref": "#/components/schemas/LeaseConflict"},
    )
    ttl = {
        "type": "number",
        "minimum": 1,
        "maximum": 3600,
        "default": 15,
        "description": "seconds the lease lives unless renewed",
    }
    return {
        "get": {
            "summary": "Whether a run holds the server, who, since when",
            "responses": {
                "200": _json(
                    "the lease, without its token", {"$ref": "#/components/schemas/LeaseState"}
                ),
                **_errors(403),
            },
        },
        "post": {
            "summary": "Take the exclusive lease before resetting or reconfiguring the server",
            "parameters": [header],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["holder"],
                            "properties": {
                                "holder": {"$ref": "#/components/schemas/Holder"},
                                "ttl": ttl,
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": _json("granted: keep the token", lease),
                "409": conflict,
                **_errors(400, 403),
            },
        },
        "put": {
            "summary": "Renew the lease (X-Lease required)",
            "parameters": [{**header, "required": True}],
            "requestBody": {
                "required": False,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {"ttl": ttl},
                        }
                    }
                },
            },
            "responses": {"200": _json("renewed", lease), "409": conflict, **_errors(400, 403)},
        },
        "delete": {
            "summary": "Release the lease (X-Lease required)",
            "parameters": [{**header, "required": True}],
            "responses": {
                "200": _json("released", {"type": "object"}),
                "409": conflict,
                **_errors(403),
            },
        },
    }


def openapi_document(version: str) -> dict[str, Any]:
    """The whole document."""
    text = {
        "description": "Prometheus text format",
        "content": {"text/plain": {"schema": {"type": "string"}}},
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "asynchronicity fake usajobs API", "version": version},
        "paths": {
            **_api_paths(),
            "/demo": {
                "get": {
                    "summary": "The talk's async.html: the fan-out, run by a browser",
                    "responses": {
                        "200": {
                            "description": "an HTML page",
                            "content": {"text/html": {"schema": {"type": "string"}}},
                        }
                    },
                }
            },
            "/health": {
                "get": {
                    "summary": "Liveness",
                    "responses": {"200": _json("ok", {"type": "object"})},
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": {"200": _json("OpenAPI 3", {"type": "object"})},
                }
            },
            "/metrics": {
                "get": {"summary": "Stats in Prometheus text format", "responses": {"200": text}}
            },
            **_admin_paths(),
            **journal_paths(),
        },
        "components": {"schemas": _schemas()},
    }


def _schemas() -> dict[str, Any]:
    string = {"type": "string"}
    legacy_fields = [
        "DocumentID", "JobTitle", "OrganizationName", "AgencySubElement", "SalaryMin",
        "SalaryMax", "SalaryBasis", "StartDate", "EndDate", "WhoMayApplyText", "PayPlan",
        "Series", "Grade", "WorkSchedule", "WorkType", "Locations", "AnnouncementNumber",
        "JobSummary", "ApplyOnlineURL",
    ]  # fmt: skip
    holder = {
        "type": "object",
        "required": ["scenario", "pid"],
        "maxProperties": 16,
        "properties": {
            "scenario": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"},
            "pid": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
        },
        "additionalProperties": {
            "nullable": True,
            "oneOf": [
                {"type": "string", "maxLength": 200},
                {"type": "number"},
                {"type": "boolean"},
            ],
        },
    }
    lease_fields = {
        "holder": {"$ref": "#/components/schemas/Holder"},
        "since": {"type": "number", "description": "unix seconds"},
        "expires_in": {"type": "number", "description": "seconds"},
        "ttl": {"type": "number"},
    }
    return {
        "Holder": holder,
        "Lease": {
            "type": "object",
            "required": ["token", "holder", "since", "expires_in"],
            "properties": {"token": string, **lease_fields},
        },
        "LeaseState": {
            "type": "object",
            "required": ["held", "holder", "since", "expires_in"],
            "properties": {
                "held": {"type": "boolean"},
                **{k: {**v, "nullable": True} for k, v in lease_fields.items()},
            },
        },
        "LeaseConflict": {
            "type": "object",
            "required": ["error", "message", "held", "holder", "since", "expires_in"],
            "properties": {
                "error": string,
                "message": string,
                "status": {"type": "integer"},
                "held": {"type": "boolean"},
                **{k: {**v, "nullable": True} for k, v in lease_fields.items()},
            },
        },
        "Error": {
            "type": "object",
            "required": ["error", "status", "message"],
            "properties": {
                "error": string,
                "status": {"type": "integer"},
                "message": string,
                "parameter": string,
                "key": string,
            },
        },
        "LegacyJobs": {
            "type": "object",
            "required": ["TotalJobs", "JobData"],
            "properties": {
                "TotalJobs": string,
                "Pages": string,
                "JobData": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": legacy_fields,
                        "properties": {name: string for name in legacy_fields},
                    },
                },
            },
        },
        "SearchEnvelope": {
            "type": "object",
            "required": ["LanguageCode", "SearchParameters", "SearchResult"],
            "properties": {
                "LanguageCode": string,
                "SearchParameters": {"type": "object"},
                "SearchResult": {
                    "type": "object",
                    "required": [
                        "SearchResultCount",
                        "SearchResultCountAll",
                        "SearchResultItems",
                        "UserArea",
                    ],
                    "properties": {
                        "SearchResultCount": {"type": "integer"},
                        "SearchResultCountAll": {"type": "integer"},
                        "SearchResultItems": {"type": "array", "items": {"type": "object"}},
                        "UserArea": {
                            "type": "object",
                            "properties": {
                                "NumberOfPages": string,
                                "IsRadialSearch": {"type": "boolean"},
                            },
                        },
                    },
                },
            },
        },
    }
