"""The OpenAPI 3.1 document for every route the server answers, exact enough that a fuzzer
(schemathesis, every check, positive and negative) finds the server and the document agree.

The API's bounds come from `server.api.params`; the admin routes' from `admin`.
"""

from __future__ import annotations

from typing import Any, Final

from .. import NAME
from ..api.params import DEFAULT_PER_PAGE, MAX_LOCATION, MAX_PAGE, MOST_PER_PAGE, PLACE_PATTERN
from .admin import admin_paths, admin_schemas
from .builders import errors, header, integer, json_response, query, ref
from .journal import journal_paths

TIMING = {
    "Server-Timing": {
        "description": "intended delay, queue wait and overshoot, in milliseconds",
        "schema": {"type": "string"},
    }
}
# The API reads its integers leniently, as text: spaces around, a `+`, leading zeros, `-0`;
# only spaces (or nothing) means the default. These say exactly which digits are in range.
IN_RANGE: Final = {
    (0, MOST_PER_PAGE["jobs"]): "250|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9]",
    (0, MOST_PER_PAGE["search"]): "500|[1-4][0-9]{2}|[1-9]?[0-9]",
    (1, MAX_PAGE): "10000|[1-9][0-9]{0,3}",
}
LENIENT_ZIP: Final = {"type": "string", "pattern": "^ *[0-9]{5} *$", "example": "90011"}


def lenient_integer(low: int, high: int, default: int) -> dict[str, Any]:
    """An optional integer query parameter as the server reads it: a JSON-style integer, or
    text with spaces around, a `+`, leading zeros (`-0` too, where 0 is allowed); blank
    means `default`."""
    number = f"\\+?0*({IN_RANGE[low, high]})" + ("|-0+" if low == 0 else "")
    text = {"type": "string", "pattern": f"^ *({number})? *$"}
    return {"anyOf": [integer(low, high), text], "default": default}


def _api_paths() -> dict[str, Any]:
    page = query(
        "Page",
        "1-based page (empty: 1)",
        lenient_integer(1, MAX_PAGE, 1),
        allowEmptyValue=True,
    )
    jobs = {
        "get": {
            "summary": "The 2015 API: job count and one page of jobs for a zip",
            "description": "Query names match case-insensitively, as the real API did.",
            "parameters": [
                query("LocationId", "5-digit zip code", LENIENT_ZIP, required=True),
                query(
                    "NumberOfJobs",
                    f"jobs per page, 0 for the count alone (empty: {DEFAULT_PER_PAGE['jobs']})",
                    lenient_integer(0, MOST_PER_PAGE["jobs"], DEFAULT_PER_PAGE["jobs"]),
                    allowEmptyValue=True,
                ),
                page,
            ],
            "responses": {
                "200": {
                    **json_response("count and jobs", ref("LegacyJobs")),
                    "headers": TIMING,
                },
                **errors(400, 429, 500, 503),
            },
        }
    }
    search = {
        "get": {
            "summary": "Today's Search API envelope for a zip",
            "parameters": [
                query(
                    "LocationName",
                    "a zip code, or any place name (counts are hashed from it)",
                    {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": MAX_LOCATION,
                        "pattern": PLACE_PATTERN,  # at most MAX_LOCATION characters
                        "example": "90011",
                    },
                    required=True,
                ),
                query(
                    "ResultsPerPage",
                    f"items per page (empty: {DEFAULT_PER_PAGE['search']})",
                    lenient_integer(0, MOST_PER_PAGE["search"], DEFAULT_PER_PAGE["search"]),
                    allowEmptyValue=True,
                ),
                page,
                header("Authorization-Key", "required with --require-key"),
            ],
            "responses": {
                "200": {
                    **json_response("search results", ref("SearchEnvelope")),
                    "headers": TIMING,
                },
                **errors(400, 401, 429, 500, 503),
            },
        }
    }
    return {"/api/jobs": jobs, "/api/search": search, "/api/Search": search}


def _other_paths() -> dict[str, Any]:
    def text(media: str, description: str) -> dict[str, Any]:
        return {"description": description, "content": {media: {"schema": {"type": "string"}}}}

    health = {
        "type": "object",
        "required": ["status", "name", "version", "seed"],
        "properties": {
            "status": {"const": "ok"},
            "name": {"const": NAME},
            "version": {"type": "string"},
            "seed": {"type": "integer"},
        },
    }
    return {
        "/demo": {
            "get": {
                "summary": "The talk's async.html: the fan-out, run by a browser",
                "responses": {"200": text("text/html", "an HTML page")},
            }
        },
        "/health": {
            "get": {"summary": "Liveness", "responses": {"200": json_response("ok", health)}}
        },
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "responses": {"200": json_response("OpenAPI 3.1", {"type": "object"})},
            }
        },
        "/metrics": {
            "get": {
                "summary": "Stats in Prometheus text format",
                "responses": {"200": text("text/plain", "Prometheus text format")},
            }
        },
    }


def openapi_document(version: str) -> dict[str, Any]:
    """The whole document."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "asynchronicity fake usajobs API", "version": version},
        "paths": {**_api_paths(), **_other_paths(), **admin_paths(), **journal_paths()},
        "components": {"schemas": {**_schemas(), **admin_schemas()}},
    }


def _schemas() -> dict[str, Any]:
    string = {"type": "string"}
    legacy_fields = [
        "DocumentID", "JobTitle", "OrganizationName", "AgencySubElement", "SalaryMin",
        "SalaryMax", "SalaryBasis", "StartDate", "EndDate", "WhoMayApplyText", "PayPlan",
        "Series", "Grade", "WorkSchedule", "WorkType", "Locations", "AnnouncementNumber",
        "JobSummary", "ApplyOnlineURL",
    ]  # fmt: skip
    return {
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
