"""The workload a preview or a warm-up is asked about: parsed and bounded in one place.

The same names arrive as a GET query (`zips=90011,60629&concurrency=1,0`) or a POST JSON body
(`{"zips": [...], "concurrency": [...]}`). The query's text is turned into JSON values first
(strictly: digits are digits), then both are checked by the same code, every bound in its
message. `server.openapi.admin` declares exactly these rules.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from ..api.params import DEFAULT_PER_PAGE, MOST_PER_PAGE, NUMBER, ZIP_PATTERN
from ..api.zipsets import ZIP_SETS
from ..config.documents import as_integer, check_keys, shown
from ..config.settings import ROUTES
from ..errors import BadParameter

KEYS: Final = ("zips", "concurrency", "timeout", "route", "per_page")
MAX_ZIPS: Final = 100_000  # every 5-digit zip there is, about
MAX_CONCURRENCIES: Final = 100  # distinct client concurrencies in one preview
MAX_CONCURRENCY: Final = 10_000_000
MAX_TIMEOUT: Final = 3600.0
MAX_PER_PAGE: Final = max(MOST_PER_PAGE.values())  # the larger of the two APIs' maxima


@dataclass(frozen=True, slots=True)
class Workload:
    """Which zips, on which route, at which page size, for which concurrencies and timeout."""

    zips: tuple[str, ...]
    route: str = "jobs"
    per_page: int = DEFAULT_PER_PAGE["jobs"]
    concurrency: tuple[int, ...] = (0,)
    timeout: float | None = None


def from_query(query: Mapping[str, str]) -> Workload:
    """A workload from `/__admin/preview`'s query string: lists comma-separated, an empty
    value meaning the default (but `zips`, which is required)."""
    params: dict[str, Any] = {}
    for name, text in query.items():
        if name == "zips":
            params[name] = text.split(",") if text else []
        elif name == "concurrency":
            params[name] = [_query_int(item) for item in text.split(",")] if text else None
        elif name == "per_page":
            params[name] = _query_int(text) if text else None
        elif name == "timeout":
            params[name] = _query_number(text) if text else None
        else:
            params[name] = text
    return parse_workload(params)


def parse_workload(params: Any) -> Workload:
    """Validate a workload of JSON values; raise BadParameter naming the parameter and bound."""
    if not isinstance(params, Mapping):
        raise BadParameter("body", "must be a JSON object")
    check_keys(params, KEYS, BadParameter)
    route = params.get("route", "jobs")
    if route not in ROUTES:
        raise BadParameter("route", f"must be one of {', '.join(ROUTES)}, got {shown(route)}")
    per_page = params.get("per_page")
    return Workload(
        zips=_zips(params.get("zips")),
        route=route,
        per_page=DEFAULT_PER_PAGE[route] if per_page is None else _int(per_page, "per_page"),
        concurrency=_concurrency(params.get("concurrency")),
        timeout=_timeout(params.get("timeout")),
    )


def _zips(value: Any) -> tuple[str, ...]:
    if isinstance(value, str) and value:
        value = [value]  # one zip, or a set name
    if not isinstance(value, list) or not value:
        raise BadParameter(
            "zips", f"is required: a list of 1 to {MAX_ZIPS} zips, or a set ({', '.join(ZIP_SETS)})"
        )
    if len(value) == 1 and isinstance(value[0], str) and value[0] in ZIP_SETS:
        return tuple(ZIP_SETS[value[0]])
    if len(value) > MAX_ZIPS:
        raise BadParameter("zips", f"give 1 to {MAX_ZIPS} zips, got {len(value)}")
    for zip_code in value:
        if not isinstance(zip_code, str) or not ZIP_PATTERN.fullmatch(zip_code):
            raise BadParameter("zips", f"{shown(zip_code)} is not a 5-digit zip code")
    return tuple(value)


def _concurrency(value: Any) -> tuple[int, ...]:
    if value is None or value == []:
        return (0,)
    values = value if isinstance(value, list) else [value]  # one concurrency: a list of one
    if len(values) > MAX_CONCURRENCIES:
        raise BadParameter(
            "concurrency", f"give at most {MAX_CONCURRENCIES} values, got {len(values)}"
        )
    return tuple(_int(item, "concurrency") for item in values)


def _int(value: Any, name: str) -> int:
    most = MAX_PER_PAGE if name == "per_page" else MAX_CONCURRENCY
    number = as_integer(value)  # JSON's 5.0 is the integer 5
    if number is None:
        raise BadParameter(name, f"must be an integer, got {shown(value)}")
    if not 0 <= number <= most:
        raise BadParameter(name, f"must be between 0 and {most}, got {shown(number)}")
    return number


def _timeout(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | None):
        raise BadParameter("timeout", f"must be a number of seconds, got {shown(value)}")
    if value is None or value == 0:
        return None  # no timeout
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        number = math.inf
    if not 0 < number <= MAX_TIMEOUT:  # NaN fails both comparisons
        raise BadParameter(
            "timeout", f"must be 0 (none) to {MAX_TIMEOUT:g} seconds, got {shown(value)}"
        )
    return number


def _query_int(text: str) -> Any:
    """Digits become an int (too many digits: out of range anyway); other text stays text."""
    if text.isascii() and text.isdigit():
        return int(text) if len(text) <= 20 else 10**20
    return text


def _query_number(text: str) -> Any:
    return float(text) if NUMBER.fullmatch(text) else text
