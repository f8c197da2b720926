"""The server a run talks to, held for it: the one named, the default one if it answers, or
one of our own — under the run's lease, for compare, sweep and the pytest plugin alike."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ..errors import ServerUnavailable
from . import lease
from .embedded import EmbeddedServer
from .server_control import ServerControl

DEFAULT_URL = "http://127.0.0.1:8080"  # where `make serve` listens


def _nothing(*args: object) -> None:
    """What nobody is told."""


@contextmanager
def server_for(
    url: str | None, *, try_default: bool = True, option: str = "--url"
) -> Iterator[tuple[ServerControl, bool]]:
    """A server to talk to, and whether this process started it: the one at `url` (`option`
    names where it came from when it does not answer), else the default one if it answers
    (`try_default`), else our own."""
    if url is not None:
        control = ServerControl(url)
        problem = control.not_ours()
        if problem is not None:  # nothing there is changed: no lease, no scenario
            control.close()
            raise ServerUnavailable(f"{option} {url}: {problem}")
        try:
            yield control, False
        finally:
            control.close()
        return
    if try_default:
        control = ServerControl(DEFAULT_URL)
        if control.healthy(timeout=0.5):
            try:
                yield control, False
            finally:
                control.close()
            return
        control.close()
    embedded = EmbeddedServer()
    control = ServerControl(embedded.url)
    try:
        yield control, True
    finally:
        control.close()
        embedded.stop()


@contextmanager
def held_server(
    url: str | None,
    name: str,
    *,
    wait: bool = True,
    on_wait: Callable[[str, lease.Holder], None] = _nothing,
    on_chosen: Callable[[str, bool], None] = _nothing,
    ttl: float = lease.TTL,
    try_default: bool = True,
    option: str = "--url",
) -> Iterator[tuple[ServerControl, bool]]:
    """`server_for(url)`, held under the lease of the run called `name` (see `harness.lease`:
    waiting while another run holds it, or with `wait=False` a `ServerHeld` error), then told
    to `on_chosen` (its URL, and whether this process started it)."""
    with (
        server_for(url, try_default=try_default, option=option) as (control, embedded),
        lease.held(control, lease.holder(name), wait=wait, on_wait=on_wait, ttl=ttl),
    ):
        on_chosen(control.url, embedded)
        yield control, embedded
