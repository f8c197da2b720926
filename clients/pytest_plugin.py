"""The fake usajobs API in your own pytest suite (installed as a `pytest11` plugin).

    def test_my_client_sums_every_zip(usajobs):
        assert my_total(usajobs.zips, usajobs.url) == usajobs.expected_total()
        usajobs.assert_requested("90011", times=1)

    @pytest.mark.usajobs(server={"faults": {"error_503": 0.2}}, seed=7)
    def test_my_client_retries(usajobs): ...

`usajobs_server` (session) is the real server on a free loopback port, started on first use
(or `--usajobs-url URL`: one already running); `usajobs` (per test) applies the test's marker
(or the defaults), resets the server and hands back a `Usajobs`. A failed check says what the
server saw and the seed that replays it; the default seed is in pytest's header. A server
section without a latency gets a small real one (`checks.DEFAULT_DELAY`, 20 ms): at zero
delay no concurrency check can fail, and `assert_max_in_flight` says so rather than pass.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

import pytest

from . import scenario as scenarios
from . import shipped, zipsets
from .errors import ClientsError, NotOffered, ScenarioRejected, ServerHeld, ServerUnavailable
from .harness import checks
from .harness import journal as journals
from .harness.server_control import ServerControl
from .harness.servers import held_server
from .results.document import expected_total

MARKER: Final = "usajobs"
LEASE_TTL: Final = 60.0  # seconds a lease outlives its holder's last renewal
DEFAULT_LATENCY: Final = {"model": "fixed", "value": checks.DEFAULT_DELAY}


def pytest_addoption(parser: pytest.Parser) -> None:
    """`--usajobs-url` and `--usajobs-seed`."""
    group = parser.getgroup("usajobs", "the fake usajobs API (asynchronicity)")
    group.addoption("--usajobs-url", default=None,
                    help="use the fake server running here instead of starting one")  # fmt: skip
    group.addoption("--usajobs-seed", type=int, default=0,
                    help="the seed of every test without its own (default 0)")  # fmt: skip


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker (the suite may run with --strict-markers)."""
    config.addinivalue_line(
        "markers",
        "usajobs(scenario=None, server=None, seed=None, speed=None): the fake usajobs server's "
        "scenario for this test (a scenario file, or a server section and a seed)",
    )


def pytest_report_header(config: pytest.Config) -> str:
    """The seed, so that any failure can be replayed exactly."""
    where = config.getoption("usajobs_url") or "started on first use"
    return f"usajobs: fake server seed {config.getoption('usajobs_seed')} ({where})"


def failure(message: str) -> BaseException:
    """A test failure that shows `message` alone: no traceback, no chained exception."""
    return pytest.fail.Exception(f"usajobs: {message}", pytrace=False)


@contextmanager
def said_in_one_line() -> Iterator[None]:
    """The server's failures in a test (it went away, the session's lease was lost, it refused
    a request) as one `usajobs:` line."""
    try:
        yield
    except ServerUnavailable as error:
        raise failure(str(error)) from None


class UsajobsServer:
    """The session's server: where it is, how to drive it, the default seed."""

    def __init__(self, control: ServerControl, seed: int) -> None:
        self.control = control
        self.url = control.url
        self.seed = seed


@pytest.fixture(scope="session")
def usajobs_server(pytestconfig: pytest.Config) -> Iterator[UsajobsServer]:
    """The fake usajobs API for the whole session: started on a free loopback port (or the
    one `--usajobs-url` names), its lease held while the session runs."""
    url = pytestconfig.getoption("usajobs_url")
    name = f"pytest {pytestconfig.rootpath.name}"
    try:  # a server another run holds is a failure now, not a wait of unknown length
        with held_server(url, name, wait=False, ttl=LEASE_TTL, try_default=False,
                         option="--usajobs-url") as (control, _):  # fmt: skip
            yield UsajobsServer(control, pytestconfig.getoption("usajobs_seed"))
    except ServerHeld as error:
        raise failure(f"{error} (without --usajobs-url a server of its own is started)") from None
    except ServerUnavailable as error:
        raise failure(str(error)) from None


class Usajobs:
    """One test's view of the server: its URL, its scenario, what the server saw, and checks
    that say what went wrong in the server's own words."""

    def __init__(self, server: UsajobsServer, tag: str) -> None:
        self._control = server.control
        self._tag = tag[-200:]
        self.url = server.url
        self.seed = server.seed
        self.speed = 1.0
        self.server: dict[str, Any] = {}
        self.scenario: Path | None = None  # the scenario file applied, if one was
        self.zips: tuple[str, ...] = zipsets.MEMPY_2015  # the talk's 100, unless a file says

    def apply(
        self,
        config: Mapping[str, Any] | str | Path,
        *,
        seed: int | None = None,
        speed: float | None = None,
    ) -> None:
        """Make a server section (a dict; without a latency, the plugin's default 20 ms) or
        a scenario file's the server's, then reset."""
        if isinstance(config, Mapping):
            self.server = dict(config)  # as given: the replay line repeats it
            section = {"latency": DEFAULT_LATENCY, **config}
        else:
            try:
                path = shipped.find(config)  # a file, or a shipped scenario's name
                loaded = scenarios.load(path)
            except ClientsError as error:
                raise failure(str(error)) from None
            self.server, self.zips = dict(loaded.server), loaded.workload.zips
            self.seed, self.speed, self.scenario = loaded.seed, loaded.speed, path
            section = self.server
        self.seed = self.seed if seed is None else seed
        self.speed = self.speed if speed is None else speed
        try:
            with said_in_one_line():
                self._control.apply(scenarios.server_document(self.seed, self.speed, section))
        except ScenarioRejected as error:
            raise failure(f"the server refused the scenario: {error}") from None
        self.reset()

    def reset(self) -> None:
        """Forget every request so far (journal, stats, attempt counters)."""
        with said_in_one_line():
            self._control.reset(tag=self._tag)

    def journal(self, **filters: str | int) -> list[dict[str, Any]]:
        """Every request since the reset (filters: zip, route, status), oldest first."""
        try:
            with said_in_one_line():
                return journals.entries(self._control, **filters)[0]
        except NotOffered:
            raise failure("this server keeps no request journal (an older server)") from None

    def stats(self) -> dict[str, Any]:
        """The server's own accounting since the reset."""
        with said_in_one_line():
            return self._control.stats()

    def requests_for(self, zip_code: str) -> list[dict[str, Any]]:
        """The journal's entries for one zip."""
        return self.journal(zip=zip_code)

    def max_in_flight(self) -> int:
        """The most requests the server had in flight at once."""
        return journals.most_in_flight(self.journal())

    def expected_total(self, zips: Sequence[str] | None = None) -> int:
        """What summing the job counts of `zips` (default: `self.zips`) must give."""
        with said_in_one_line():
            preview = self._control.preview(list(zips or self.zips), [0], None, "jobs", None)
        total = expected_total(preview)
        if total is None:  # a server whose preview cannot say: one line, not a TypeError
            raise failure("the server's preview gives no expected_total")
        return total

    def _replay(self) -> str:
        chosen = f"scenario={str(self.scenario)!r}" if self.scenario else f"server={self.server!r}"
        return f"@pytest.mark.usajobs({chosen}, seed={self.seed})"

    def _fail(self, what: str, entries: Sequence[Mapping[str, Any]]) -> None:
        text = journals.failure_text(f"{what} (seed {self.seed})", entries, self._replay())
        pytest.fail(text, pytrace=False)

    def assert_requested(
        self,
        zip_code: str,
        times: int | None = None,
        *,
        at_least: int | None = None,
        at_most: int | None = None,
    ) -> None:
        """The server saw `zip_code` asked for `times` times (or within the bounds given)."""
        seen = self.requests_for(zip_code)
        low = times if times is not None else (at_least if at_least is not None else 1)
        high = times if times is not None else at_most
        if len(seen) < low or (high is not None and len(seen) > high):
            want = f"{low}" if low == high else f"{low} to {high}" if high else f"at least {low}"
            self._fail(f"zip {zip_code} was asked for {len(seen)} times, want {want}", seen)

    def assert_all_requested(self, zips: Sequence[str] | None = None) -> None:
        """Every zip (default: `self.zips`) was asked for at least once."""
        everything = self.journal()
        asked = {entry.get("zip") for entry in everything}
        missing = [z for z in (zips or self.zips) if z not in asked]
        if missing:
            self._fail(f"{len(missing)} zips were never asked for: {', '.join(missing[:10])}"
                       f"{' …' if len(missing) > 10 else ''}", everything)  # fmt: skip

    def assert_max_in_flight(self, at_most: int) -> None:
        """The server never had more than `at_most` requests in flight at once, and could
        have seen more: a check its scenario made impossible to fail fails, saying why."""
        everything = self.journal()
        most = journals.most_in_flight(everything)
        if most > at_most:
            self._fail(f"{most} requests were in flight at once, want at most {at_most}",
                       journals.busiest(everything))  # fmt: skip
        why = checks.unobservable(everything, at_most)
        if why is not None:
            self._fail(f"assert_max_in_flight({at_most}) cannot tell: {why}",
                       checks.api_entries(everything))  # fmt: skip

    def assert_total(self, total: int, zips: Sequence[str] | None = None) -> None:
        """`total` is what summing `zips` (default: `self.zips`) must give; if not, name the
        zips the server never answered whole, with what it did to each."""
        chosen = list(zips or self.zips)
        expected = self.expected_total(chosen)
        if total == expected:
            return
        everything = self.journal()
        shorts = checks.short_zips(everything, chosen)
        worth = {s.zip: self.expected_total([s.zip]) for s in shorts[:10]}
        gap = (
            f"short by {expected - total:,}"
            if total < expected
            else f"over by {total - expected:,}"
        )
        what = f"the total is {total:,}, want {expected:,} ({gap}; seed {self.seed})"
        lines = checks.total_lines(what, shorts, worth, checks.answered_twice(everything, chosen),
                                   journals.describe)  # fmt: skip
        pytest.fail("\n".join([*lines, f"replay: {self._replay()}"]), pytrace=False)


def _scenario_path(request: pytest.FixtureRequest, name: str) -> Path:
    """A marker's scenario file: as given, beside the test file, under the rootdir, or a
    shipped scenario's name."""
    given = Path(name)
    places = [given] if given.is_absolute() else [
        request.path.parent / given, request.config.rootpath / given, Path.cwd() / given,
    ]  # fmt: skip
    for place in places:
        if place.is_file():
            return place
    try:  # a shipped scenario's name, as the command line takes it: "flaky", "quick.toml"
        return shipped.find(name)
    except ClientsError:
        pass
    folders = ", ".join(dict.fromkeys(str(place.parent) for place in places))
    names = ", ".join(s.name for s in shipped.shipped())
    pytest.fail(f"usajobs marker: scenario {name!r} not found (looked in {folders}; shipped: "
                f"{names})", pytrace=False)  # fmt: skip


@pytest.fixture
def usajobs(request: pytest.FixtureRequest, usajobs_server: UsajobsServer) -> Usajobs:
    """The server, reset for this test and set as its `usajobs` marker says (or the defaults)."""
    handle = Usajobs(usajobs_server, request.node.nodeid)
    marker = request.node.get_closest_marker(MARKER)
    options = dict(marker.kwargs) if marker is not None else {}
    unknown = set(options) - {"scenario", "server", "seed", "speed"}
    if unknown or (marker is not None and marker.args):
        wrong = ", ".join(sorted(unknown)) or "positional arguments"
        pytest.fail(f"usajobs marker: takes scenario=, server=, seed=, speed= only, not {wrong}",
                    pytrace=False)  # fmt: skip
    scenario = options.get("scenario")
    config = _scenario_path(request, scenario) if scenario else options.get("server") or {}
    handle.apply(config, seed=options.get("seed"), speed=options.get("speed"))
    return handle
