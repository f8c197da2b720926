"""The workload a preview or a warm-up is asked about: parsed and bounded in one place.

The same names arrive as a GET query (`zips=90011,60629&concurrency=1,0`) or a POST JSON body
(`{"zips": [...], "concurrency": [...]}`); both come here. Every bound is in its message.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from .config import ROUTES
from .documents import check_keys
from .errors import BadParameter
from .params import INTEGER, NUMBER, ZIP_PATTERN
from .zipsets import ZIP_SETS

KEYS: Final = ("zips", "concurrency", "timeout", "route", "per_page")
MAX_ZIPS: Final = 100_000  # every 5-digit zip there is, about
MAX_CONCURRENCIES: Final = 100  # distinct client concurrencies in one preview
MAX_CONCURRENCY: Final = 10_000_000
MAX_TIMEOUT: Final = 3600.0
PER_PAGE: Final = {"jobs": (25, 250), "search": (250, 500)}  # the API's default and maximum


@dataclass(frozen=True, slots=True)
class Workload:
    """Which zips, on which route, at which page size, for which concurrencies and timeout."""

    zips: tuple[str, ...]
    route: str = "jobs"
    per_page: int = 25
    concurrency: tuple[int, ...] = (0,)
    timeout: float | None = None


def from_query(query: Mapping[str, str]) -> Workload:
    """A workload from `/__admin/preview`'s query string (lists are comma-separated)."""
    listed = ("zips", "concurrency")
    return parse_workload({k: v.split(",") if k in listed else v for k, v in query.items()})


def parse_workload(params: Any) -> Workload:
    """Validate a workload; raise BadParameter naming the parameter and its bound."""
    if not isinstance(params, Mapping):
        raise BadParameter("body", "must be a JSON object")
    check_keys(params, KEYS, BadParameter)
    route = params.get("route", "jobs")
    if route not in ROUTES:
        raise BadParameter("route", f"must be one of {', '.join(ROUTES)}, got {route!r}")
    default, most = PER_PAGE[route]
    per_page = params.get("per_page")
    return Workload(
        zips=_zips(params.get("zips")),
        route=route,
        per_page=default if per_page is None else _int(per_page, "per_page", most),
        concurrency=_concurrency(params.get("concurrency")),
        timeout=_timeout(params.get("timeout")),
    )


def _zips(value: Any) -> tuple[str, ...]:
    zips = value or []
    if isinstance(zips, str):
        zips = [zips]  # one zip, or a set name
    if not isinstance(zips, list):
        raise BadParameter("zips", f"must be a list of zips or a set name, got {zips!r}")
    if len(zips) == 1 and isinstance(zips[0], str) and zips[0] in ZIP_SETS:
        return tuple(ZIP_SETS[zips[0]])
    if not 1 <= len(zips) <= MAX_ZIPS:
        raise BadParameter(
            "zips",
            f"give 1 to {MAX_ZIPS} zips, or a set ({', '.join(ZIP_SETS)}); got {len(zips)} zips",
        )
    for zip_code in zips:
        if not isinstance(zip_code, str) or not ZIP_PATTERN.fullmatch(zip_code):
            raise BadParameter("zips", f"{_shown(zip_code)} is not a 5-digit zip code")
    return tuple(zips)


def _concurrency(value: Any) -> tuple[int, ...]:
    if value is None or value == []:
        return (0,)
    values = value if isinstance(value, list) else [value]  # one concurrency: a list of one
    if len(values) > MAX_CONCURRENCIES:
        raise BadParameter(
            "concurrency", f"give at most {MAX_CONCURRENCIES} values, got {len(values)}"
        )
    return tuple(_int(item, "concurrency", MAX_CONCURRENCY) for item in values)


def _int(value: Any, name: str, most: int) -> int:
    if isinstance(value, str) and INTEGER.fullmatch(value.strip()):
        value = int(value) if len(value.strip()) <= 20 else most + 1  # long: out of range
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadParameter(name, f"must be an integer, got {_shown(value)}")
    number = value
    if not 0 <= number <= most:
        raise BadParameter(name, f"must be between 0 and {most}, got {_shown(number)}")
    return number


def _timeout(value: Any) -> float | None:
    if isinstance(value, bool):
        raise BadParameter("timeout", f"must be a number of seconds, got {value!r}")
    if value in (None, "", 0, "0"):
        return None  # no timeout
    if isinstance(value, str) and NUMBER.fullmatch(value.strip()):
        value = float(value)
    if not isinstance(value, int | float):
        raise BadParameter("timeout", f"must be a number of seconds, got {_shown(value)}")
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        number = math.inf
    if not 0 < number <= MAX_TIMEOUT:  # NaN fails both comparisons
        raise BadParameter(
            "timeout", f"must be > 0 and <= {MAX_TIMEOUT:g} seconds, got {_shown(value)}"
        )
    return number


def _shown(value: Any) -> str:
    """A value as a message quotes it: repr, cut short so a huge input stays one short line."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:40]}…"
