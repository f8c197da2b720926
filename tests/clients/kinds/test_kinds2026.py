"""2026's client libraries as kinds (niquests, pyreqwest, httpx2): the talk's sum through each
where it is installed, and a skip with the reason (never a failure) where it is not."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from clients.errors import ClientUnavailable
from clients.kinds import KINDS, loader
from clients.kinds._optional import need
from clients.progress import Progress
from clients.protocol import total_jobs
from clients.records import ClientSettings
from clients.zipsets import MEMPY_2015
from tests.clients.kinds.test_clients import check_shape
from tests.helpers import configure, jobs_in

ZIPS = list(MEMPY_2015[:12])
NEW = ("niquests", "pyreqwest", "httpx2")


def installed(kind: str) -> bool:
    """Whether the kind's library can be imported here."""
    return importlib.util.find_spec(kind) is not None


@pytest.mark.parametrize("kind", [pytest.param(k, id=k) for k in NEW])
@pytest.mark.parametrize("concurrency", [pytest.param(0, id="unlimited"),
                                         pytest.param(3, id="three")])  # fmt: skip
def test_each_sums_the_zips_or_is_skipped_with_the_reason(
    live_server: Any, kind: str, concurrency: int
) -> None:
    configure(live_server, latency=0.002)
    settings = ClientSettings(kind=kind, concurrency=concurrency, cpu=0.001)
    run = loader.load(kind)
    if not installed(kind):
        with pytest.raises(ClientUnavailable, match=f"{kind} not installed"):
            run(ZIPS, live_server.url, settings, Progress())
        return
    progress = Progress()
    attempts = run(ZIPS, live_server.url, settings, progress)
    assert total_jobs(attempts) == jobs_in(ZIPS)
    check_shape(attempts, ZIPS, retries=0)
    assert progress.done == len(ZIPS)
    assert progress.loop_lag is not None  # an event loop's client: its lag is sampled
    assert all(a.intended is not None for a in attempts)  # Server-Timing was read


@pytest.mark.parametrize("kind", [pytest.param(k, id=k) for k in NEW])
def test_failures_are_error_kinds_not_crashes(live_server: Any, kind: str) -> None:
    if not installed(kind):
        pytest.skip(f"{kind} is not installed")
    configure(live_server, faults={"error_503": 1.0})
    settings = ClientSettings(kind=kind, retries=1, backoff=0.0)
    attempts = loader.load(kind)(ZIPS[:3], live_server.url, settings, Progress())
    assert total_jobs(attempts) == 0
    assert {(a.status, a.error) for a in attempts} == {(503, "http_503")}
    assert len(attempts) == 6


def test_they_are_event_loop_kinds_with_their_library_recorded() -> None:
    for kind in NEW:
        assert KINDS[kind].loop == "asyncio" and KINDS[kind].libraries == (kind,)
        assert KINDS[kind].offload


def test_a_missing_library_says_how_to_install_it() -> None:
    with pytest.raises(ClientUnavailable) as caught:
        need("no_such_library_2026")
    assert str(caught.value) == (
        "no_such_library_2026 not installed (pip install 'asynchronicity[kinds2026]', or pip "
        "install no_such_library_2026)"
    )
