"""The pytest plugin, as a user meets it: a separate pytest run (pytester) over a test file
that uses the `usajobs` fixtures and marker — one that passes, one whose check fails with
the server's own account of what happened — plus the README's copy-paste example."""

from __future__ import annotations

import re
import textwrap
from typing import Any

import pytest
from aiohttp import web

from clients.harness import lease
from clients.harness.server_control import ServerControl
from clients.pytest_plugin import Usajobs, UsajobsServer
from tests.clients.test_your_code_runs import readme_block
from tests.helpers import LiveServer

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.slow

HELPERS = """
import pytest
import requests


def total(zips, url):
    session = requests.Session()
    answers = [session.get(f"{url}/api/jobs", params={"LocationId": z}, timeout=10) for z in zips]
    return sum(int(answer.json()["TotalJobs"]) for answer in answers)


def ask(url, zip_code="90011"):
    return requests.get(f"{url}/api/jobs", params={"LocationId": zip_code}, timeout=10)
"""

PASSING = (
    HELPERS
    + """

def test_sums_every_zip(usajobs):
    zips = usajobs.zips[:5]
    assert total(zips, usajobs.url) == usajobs.expected_total(zips)
    usajobs.assert_requested(zips[0], times=1)
    usajobs.assert_all_requested(zips)
    usajobs.assert_max_in_flight(1)
    assert usajobs.max_in_flight() == 1
    assert [entry["zip"] for entry in usajobs.journal()] == list(zips)
    assert usajobs.stats()["requests"] == 5
    lease = requests.get(f"{usajobs.url}/__admin/lease", timeout=10)
    assert lease.status_code == 404 or lease.json()["held"]  # held for the session, if offered


@pytest.mark.usajobs(server={"faults": {"error_503": 1.0}}, seed=7)
def test_the_marker_sets_the_scenario(usajobs):
    assert ask(usajobs.url).status_code == 503
    assert [entry["status"] for entry in usajobs.requests_for("90011")] == [503]
    assert usajobs.seed == 7


def test_each_test_starts_clean(usajobs):
    assert usajobs.journal() == []
    assert ask(usajobs.url).status_code == 200  # the marker's faults did not leak


@pytest.mark.usajobs(scenario="tiny.toml")
def test_a_scenario_file(usajobs):
    assert usajobs.zips == ("90011", "08701") and usajobs.seed == 11
    assert total(usajobs.zips, usajobs.url) == usajobs.expected_total()


def test_apply_in_the_test(usajobs):
    usajobs.apply({"latency": {"model": "fixed", "value": 0.05}}, seed=3)
    assert ask(usajobs.url).status_code == 200
    (entry,) = usajobs.journal()
    assert entry["intended"] == pytest.approx(0.05)


def test_the_default_scenario_holds_each_request_a_little(usajobs):
    assert ask(usajobs.url).status_code == 200
    (entry,) = usajobs.journal()
    assert entry["intended"] == pytest.approx(0.02)


@pytest.mark.usajobs(scenario="flaky")
def test_a_shipped_scenario_by_name(usajobs):
    assert usajobs.scenario.name == "flaky.toml" and len(usajobs.zips) == 100
    usajobs.assert_total(usajobs.expected_total(usajobs.zips[:3]), usajobs.zips[:3])
"""
)

TINY = """
seed = 11
[workload]
zips = ["90011", "08701"]
[server]
latency = { model = "fixed", value = 0.001 }
[clients.asyncio]
"""

BAD_MARKERS = """
import pytest


@pytest.mark.usajobs(scenario="missing.toml")
def test_missing(usajobs):
    pass


@pytest.mark.usajobs(server={"latency": {"model": "warp"}})
def test_refused(usajobs):
    pass


@pytest.mark.usajobs(sead=7)
def test_typo(usajobs):
    pass
"""

FAILING = (
    HELPERS
    + """

@pytest.mark.usajobs(server={"faults": {"error_503": 0.5}}, seed=7)
def test_asks_once(usajobs):
    for _ in range(3):
        ask(usajobs.url)
    usajobs.assert_requested("90011", times=1)
"""
)


CONCURRENT = (
    HELPERS
    + """
from concurrent.futures import ThreadPoolExecutor


def eight_threads(url, zips):
    with ThreadPoolExecutor(8) as pool:
        return sum(int(a.json()["TotalJobs"]) for a in pool.map(lambda z: ask(url, z), zips))


def test_eight_threads_are_more_than_four(usajobs):
    eight_threads(usajobs.url, usajobs.zips[:32])
    usajobs.assert_max_in_flight(4)


@pytest.mark.usajobs(server={"latency": {"model": "fixed", "value": 0}})
def test_at_zero_delay_the_check_cannot_tell(usajobs):
    for zip_code in usajobs.zips[:8]:
        ask(usajobs.url, zip_code)
    usajobs.assert_max_in_flight(4)


@pytest.mark.usajobs(server={"faults": {"error_503": 0.3}}, seed=7)
def test_a_short_total_names_its_zips(usajobs):
    zips = usajobs.zips[:10]
    got = sum(int(a.json()["TotalJobs"]) for a in map(lambda z: ask(usajobs.url, z), zips)
              if a.status_code == 200)
    usajobs.assert_total(got, zips)
"""
)


@pytest.fixture(autouse=True)
def quiet_ini(pytester: pytest.Pytester) -> None:
    """An ini for the inner runs, so pytest-asyncio (installed here) does not warn in them."""
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")


def test_a_users_suite(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", tiny=TINY)
    example = textwrap.dedent(readme_block("Use the fake server in your tests", "python"))
    pytester.makepyfile(test_mine=PASSING, test_markers=BAD_MARKERS, test_readme=example)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-rA")
    result.assert_outcomes(passed=9, errors=3)  # seven here, two in the README's example
    result.stdout.fnmatch_lines(["usajobs: fake server seed 0 (started on first use)"])
    result.stdout.fnmatch_lines_random([
        "PASSED test_readme.py::test_sums_the_talks_zips",
        "PASSED test_readme.py::test_retries_every_503",
        "*usajobs marker: scenario 'missing.toml' not found (looked in *; shipped: *flaky*",
        "*usajobs: the server refused the scenario: server.latency.model: must be one of *",
        "*usajobs marker: takes scenario=, server=, seed=, speed= only, not sead",
    ])  # fmt: skip


def test_a_failed_check_says_what_the_server_saw(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_mine=FAILING)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--usajobs-seed", "3")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "usajobs: fake server seed 3 (started on first use)",
        "*usajobs: zip 90011 was asked for 3 times, want 1 (seed 7)",
        "*the server saw 3 requests:",
        "*  90011 attempt 0 (first try), *: * port *",
        "*  90011 attempt 1 (retry 1), *",
        "*  90011 attempt 2 (retry 2), *",
        "*replay: @pytest.mark.usajobs(server={'faults': {'error_503': 0.5}}, seed=7)",
    ])  # fmt: skip
    # The failure section only: the short summary repeats it whole when the terminal is wide.
    section = result.stdout.str().split("short test summary info")[0]
    statuses = re.findall(r"90011 attempt \d \([a-z0-9 ]+\), [0-9.–]+ s: (\w+)", section)
    assert len(statuses) == 3 and "503" in statuses  # the draws of seed 7 for this zip
    assert "Traceback" not in result.stdout.str()


def test_checks_that_cannot_tell_or_totals_that_are_short_say_why(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_mine=CONCURRENT)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=3)
    text = result.stdout.str()
    assert "Traceback" not in text
    assert re.search(r"usajobs: [5-8] requests were in flight at once, want at most 4", text)
    result.stdout.fnmatch_lines_random([
        "*usajobs: assert_max_in_flight(4) cannot tell: the server held each request 0 µs "
        "(the median intended delay), too short for concurrent requests to overlap*",
        "*replay: @pytest.mark.usajobs(server={'latency': {'model': 'fixed', 'value': 0}}, seed=0)",
        "*usajobs: the total is *, want * (short by *; seed 7)",
        "*zip* never answered whole:",
        "*(worth * jobs): 1 request, none answered whole",
        "*attempt 0 (first try), *: 503 (fault error_503), port *",
    ])  # fmt: skip


def test_a_server_another_run_holds_fails_the_session_in_one_line(
    pytester: pytest.Pytester, live_server: LiveServer
) -> None:
    other = lease.take(live_server.url, {"scenario": "someone else's compare", "pid": 4242})
    assert other is not None
    try:
        pytester.makepyfile(test_user="def test_it(usajobs):\n    assert usajobs.url\n")
        result = pytester.runpytest_inprocess(f"--usajobs-url={live_server.url}")
    finally:
        other.release()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*is held by someone else's compare (pid 4242*not waiting*"])


def foreign_server(health: Any, status: int = 200) -> tuple[web.Application, list[str]]:
    """Another program on a port: its own /health, and a list of every change it was sent."""
    changes: list[str] = []

    async def answer_health(request: web.Request) -> web.Response:
        if isinstance(health, str):
            return web.Response(text=health, status=status, content_type="text/html")
        return web.json_response(health, status=status)

    async def record(request: web.Request) -> web.Response:
        changes.append(f"{request.method} {request.path}")
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get("/health", answer_health)
    app.router.add_route("*", "/{tail:(?!health).*}", record)
    return app, changes


@pytest.mark.parametrize(
    ("health", "said"),
    [
        pytest.param({"status": "ok"}, "another program answers there (/health says no name",
                     id="another-programs-health"),
        pytest.param({"status": "ok", "name": "billing", "version": "2.0"},
                     "another program answers there (/health says name 'billing'",
                     id="another-name"),
        pytest.param({"status": "ok", "name": "asynchronicity", "version": "9.9.9", "seed": 0,
                      "pid": 1}, "the fake server there is version 9.9.9, these clients are ",
                     id="another-version-of-ours"),
        pytest.param("<html>hello</html>", "something else answers there (/health: HTTP 200",
                     id="a-web-page"),
    ],
)  # fmt: skip
def test_a_url_that_is_not_our_server_is_one_line_and_never_changed(
    pytester: pytest.Pytester, health: Any, said: str
) -> None:
    app, changes = foreign_server(health)
    other = LiveServer(app).start()
    try:
        pytester.makepyfile(test_user="def test_it(usajobs):\n    assert usajobs.url\n")
        result = pytester.runpytest_inprocess(f"--usajobs-url={other.url}")
    finally:
        other.stop()
    result.assert_outcomes(errors=1)
    [line] = [x for x in result.stdout.lines if x.startswith("usajobs: --usajobs-url")]
    assert line.startswith(f"usajobs: --usajobs-url {other.url}: {said}")
    assert "Traceback" not in result.stdout.str() and "JSONDecodeError" not in result.stdout.str()
    assert changes == []  # no lease taken, no scenario PUT, no reset


def test_a_lease_lost_during_the_session_fails_a_test_in_one_line() -> None:
    control = ServerControl("http://127.0.0.1:9")  # never asked: the lost lease is said first
    control.lease = "token"
    control.lose_lease("a renewal was refused: held by someone else's compare")
    view = Usajobs(UsajobsServer(control, seed=0), "test_it")
    try:
        with pytest.raises(pytest.fail.Exception) as caught:
            view.reset()
    finally:
        control.close()
    assert str(caught.value) == (
        "usajobs: http://127.0.0.1:9: lost the server's lease: a renewal was refused: held by "
        "someone else's compare; nothing measured from then on is kept"
    )
