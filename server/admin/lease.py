"""The lease over HTTP: `GET, POST, PUT, DELETE /__admin/lease`, what they accept, and the
409 every change that lacks the holder's token gets while a run holds the server.

The bookkeeping itself — who holds it, until when — is `server.models.lease`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final

from aiohttp import web

from ..api.responses import json_error
from ..config.documents import as_integer, check_keys, shown
from ..errors import BadParameter
from ..models.lease import Lease, LeaseConflict
from ..shared.protocol import LeaseBook
from .plumbing import bounded, read_json

DEFAULT_TTL: Final = 15.0
MIN_TTL: Final = 1.0
MAX_TTL: Final = 3600.0
MAX_HOLDER_KEYS: Final = 16
MAX_HOLDER_TEXT: Final = 200
BLANK: Final = " \t\n\r\x0b\x0c"  # what a blank scenario name is made of (ASCII, as declared)
HEADER: Final = "X-Lease"
LEASES: Final = web.AppKey("leases", LeaseBook)


async def lease_refusal(request: web.Request) -> web.Response | None:
    """409 naming the holder when a run holds the lease and this request lacks its token."""
    try:
        await request.app[LEASES].check(_token(request))
    except LeaseConflict as conflict:
        return _conflict(conflict)
    return None


def _token(request: web.Request) -> str | None:
    return request.headers.get(HEADER) or None  # an empty header is no header


def _required_token(request: web.Request) -> str:
    token = request.headers.get(HEADER)
    if token is None:
        raise BadParameter(HEADER, "header is required: the token POST /__admin/lease gave")
    return token


def _conflict(conflict: LeaseConflict) -> web.Response:
    return json_error(409, str(conflict), **conflict.body())


def _granted(leases: LeaseBook, lease: Lease) -> web.Response:
    return web.json_response({"token": lease.token, **lease.public(leases.now())})


async def _lease_body(request: web.Request) -> Mapping[str, Any]:
    """The optional JSON object of a lease call (no body is `{}`)."""
    body = await read_json(request, empty={})
    if not isinstance(body, Mapping):
        raise BadParameter("body", "must be a JSON object")
    return body


@bounded
async def take_lease(request: web.Request) -> web.StreamResponse:
    """`POST /__admin/lease`: hold the server for one run; 409 while another run holds it."""
    body = await _lease_body(request)
    check_keys(body, ("holder", "ttl"), BadParameter)
    holder = parse_holder(body.get("holder"))
    ttl = parse_ttl(body.get("ttl"))
    leases = request.app[LEASES]
    try:
        lease = await leases.acquire(holder, ttl or DEFAULT_TTL, token=_token(request))
    except LeaseConflict as conflict:
        return _conflict(conflict)
    return _granted(leases, lease)


@bounded
async def renew_lease(request: web.Request) -> web.StreamResponse:
    """`PUT /__admin/lease` with `X-Lease`: push the expiry on; 409 if the lease was lost."""
    body = await _lease_body(request)
    check_keys(body, ("ttl",), BadParameter)
    ttl = parse_ttl(body.get("ttl"))
    leases = request.app[LEASES]
    try:
        lease = await leases.renew(_required_token(request), ttl)
    except LeaseConflict as conflict:
        return _conflict(conflict)
    return _granted(leases, lease)


async def release_lease(request: web.Request) -> web.Response:
    """`DELETE /__admin/lease` with `X-Lease`: free the server; 409 if the lease was lost."""
    leases = request.app[LEASES]
    try:
        lease = await leases.release(_required_token(request))
    except LeaseConflict as conflict:
        return _conflict(conflict)
    return web.json_response({"released": True, "holder": dict(lease.holder)})


async def show_lease(request: web.Request) -> web.Response:
    """`GET /__admin/lease`: whether a run holds the server, who, since when, for how long."""
    leases = request.app[LEASES]
    lease = await leases.current()
    if lease is None:
        return web.json_response({"held": False, "holder": None, "since": None, "expires_in": None})
    return web.json_response({"held": True, **lease.public(leases.now())})


def parse_holder(value: Any) -> dict[str, Any]:
    """A holder description: `scenario` (text) and `pid` (integer), and a few small extras."""
    if not isinstance(value, Mapping):
        raise BadParameter("holder", 'must be an object such as {"scenario": ..., "pid": ...}')
    if len(value) > MAX_HOLDER_KEYS:
        raise BadParameter("holder", f"at most {MAX_HOLDER_KEYS} keys, got {len(value)}")
    for required in ("scenario", "pid"):
        if required not in value:
            raise BadParameter(f"holder.{required}", "is required")
    scenario, pid = value["scenario"], as_integer(value["pid"])
    if not isinstance(scenario, str) or not scenario.strip(BLANK):
        raise BadParameter("holder.scenario", f"must be a non-blank string, got {shown(scenario)}")
    if pid is None or not 0 <= pid < 2**31:
        raise BadParameter(
            "holder.pid", f"must be an integer 0 to {2**31 - 1}, got {shown(value['pid'])}"
        )
    for key, item in value.items():
        _check_extra(key, item)
    return {**value, "pid": pid}


def _check_extra(key: str, item: Any) -> None:
    name = f"holder.{key}"
    if isinstance(item, str):
        if len(item) > MAX_HOLDER_TEXT:
            raise BadParameter(name, f"must be at most {MAX_HOLDER_TEXT} characters")
    elif isinstance(item, float):
        if not math.isfinite(item):  # Python's JSON reads NaN and Infinity; JSON has neither
            raise BadParameter(name, f"must be a finite number, got {item!r}")
    elif not isinstance(item, int):  # bool is an int
        raise BadParameter(name, f"must be a string, a number or true/false, got {shown(item)}")


def parse_ttl(value: Any) -> float | None:
    """A lease's time to live in seconds, MIN_TTL to MAX_TTL; None when absent."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadParameter("ttl", f"must be a number of seconds, got {shown(value)}")
    if not MIN_TTL <= value <= MAX_TTL:  # NaN fails both comparisons
        raise BadParameter("ttl", f"must be {MIN_TTL:g} to {MAX_TTL:g} seconds, got {shown(value)}")
    return float(value)
