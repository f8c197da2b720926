"""Query parsing for the API routes: case-insensitive names, bounded integers, clear errors."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from ..config.documents import shown
from ..errors import BadParameter

ZIP_PATTERN: Final = re.compile(r"[0-9]{5}")  # ASCII digits only: `\d` admits "９００１１"
INTEGER: Final = re.compile(r"[+-]?[0-9]+")  # stricter than int(), which takes "1_0" and "２"
NUMBER: Final = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")  # not "nan", "1_0"
MAX_PAGE: Final = 10_000
MAX_LOCATION: Final = 200
# Each API's page size: its default and its maximum, the one place the server states them.
DEFAULT_PER_PAGE: Final = {"jobs": 25, "search": 250}
MOST_PER_PAGE: Final = {"jobs": 250, "search": 500}
CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # C0, DEL and C1: never part of a place name
# The same rules as JSON Schema patterns for /openapi.json: text with no control character,
# and a place name (that, and not only spaces).
TEXT_PATTERN: Final = "^[^\\x00-\\x1f\\x7f-\\x9f]*$"
PLACE_PATTERN: Final = (
    "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\x00-\\x20\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$"
)


@dataclass(frozen=True, slots=True)
class PageQuery:
    """One page of one zip's jobs, as either API asked for it."""

    zip_code: str
    per_page: int
    page: int


def fold_names(query: Mapping[str, str]) -> dict[str, str]:
    """Query parameters keyed by lower-cased name (the real API ignored case); first wins."""
    folded: dict[str, str] = {}
    for name, value in query.items():
        folded.setdefault(name.lower(), value)
    return folded


def parse_zip(query: Mapping[str, str], name: str) -> str:
    """The 5-digit zip in parameter `name` (looked up case-insensitively)."""
    value = query.get(name.lower())
    if value is None:
        raise BadParameter(name, "is required (a 5-digit zip code, e.g. 90011)")
    value = value.strip(" ")  # spaces only: the document declares exactly this leniency
    if not ZIP_PATTERN.fullmatch(value):
        raise BadParameter(name, f"must be a 5-digit zip code, got {shown(value)}")
    return value


def parse_int(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """The integer in parameter `name`, `default` when absent, within [low, high]."""
    raw = query.get(name.lower())
    text = "" if raw is None else raw.strip(" ")  # spaces only, as the document declares
    if not text:
        return default
    if not INTEGER.fullmatch(text):
        raise BadParameter(name, f"must be an integer, got {shown(raw)}")
    digits = text.lstrip("+-").lstrip("0")
    if len(digits) > 12 or not low <= int(text) <= high:  # long: out of range anyway
        raise BadParameter(name, f"must be between {low} and {high}, got {shown(text, 20)}")
    return int(text)


def parse_jobs_query(query: Mapping[str, str]) -> PageQuery:
    """`/api/jobs?LocationId=ZIP&NumberOfJobs=N&Page=P` (2015 API; N 0..250, default 25)."""
    folded = fold_names(query)
    return PageQuery(
        zip_code=parse_zip(folded, "LocationId"),
        per_page=parse_int(
            folded, "NumberOfJobs", DEFAULT_PER_PAGE["jobs"], 0, MOST_PER_PAGE["jobs"]
        ),
        page=parse_int(folded, "Page", 1, 1, MAX_PAGE),
    )


def parse_location(query: Mapping[str, str], name: str) -> str:
    """A Search API location: a 5-digit zip, or any place name a real client sends
    ("Washington, DC"), so a library written for the real API works unchanged."""
    raw = query.get(name.lower(), "")
    value = raw.strip(" ")  # only spaces: anything else is either refused or part of the name
    if not value:
        raise BadParameter(name, "is required (a zip code such as 90011, or a place name)")
    if len(raw) > MAX_LOCATION or CONTROL.search(raw):
        raise BadParameter(name, f"must be a zip code or a place name of at most {MAX_LOCATION} "
                           "printable characters (no control characters)")  # fmt: skip
    return value


def parse_search_query(query: Mapping[str, str]) -> PageQuery:
    """`/api/search?LocationName=ZIP&ResultsPerPage=N&Page=P` (N 0..500, default 250)."""
    folded = fold_names(query)
    return PageQuery(
        zip_code=parse_location(folded, "LocationName"),
        per_page=parse_int(
            folded, "ResultsPerPage", DEFAULT_PER_PAGE["search"], 0, MOST_PER_PAGE["search"]
        ),
        page=parse_int(folded, "Page", 1, 1, MAX_PAGE),
    )


def route_zip(path: str, query: Mapping[str, str]) -> str | None:
    """The zip an API request is for, or None when it names none (used for keyed draws)."""
    folded = fold_names(query)
    name = "locationname" if path.lower().startswith("/api/search") else "locationid"
    value = folded.get(name, "").strip(" ")
    return value if ZIP_PATTERN.fullmatch(value) else None
