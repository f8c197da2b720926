"""Scenario files: every shipped one loads; every broken one fails with one exact line."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from clients.errors import ClientsError, ScenarioFileError
from clients.kinds import KINDS, in_flight
from clients.scenario import CLIENT_KEYS, TOP_KEYS, WORKLOAD_KEYS, load, parse
from clients.zipsets import MEMPY_2015
from server.config.parser import parse_config
from tests.helpers import ROOT

SHIPPED = sorted((ROOT / "scenarios").glob("*.toml"))

# The lists the messages spell out (clients and their keys grow; the wording must not change).
TOP = ", ".join(TOP_KEYS)
CLIENT = ", ".join(CLIENT_KEYS)
WORKLOAD = ", ".join(WORKLOAD_KEYS)
KIND_LIST = ", ".join(KINDS)
ONE_CLIENT = "\n[clients.asyncio]\n"


# --- the shipped scenarios ----------------------------------------------------------------


def test_message_lists() -> None:
    assert TOP.startswith("name, description, seed, speed, repeat, workload, server, clients")
    assert CLIENT.startswith(
        "kind, concurrency, timeout, retries, backoff, backoff_max, jitter, retry_budget, hedge"
    )
    assert WORKLOAD == "zips, count, api, per_page, cpu, cpu_kind, rate, duration, arrivals"
    assert KIND_LIST.startswith("blocking, threaded, asyncio, uvloop")


def test_there_are_shipped_scenarios() -> None:
    assert len(SHIPPED) >= 5
    assert "quick" in {path.stem for path in SHIPPED}


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem) for p in SHIPPED])
def test_shipped_scenario_loads(path: Path) -> None:
    scenario = load(path)
    assert scenario.path == str(path)
    assert scenario.name
    assert scenario.clients
    for settings in scenario.clients:
        assert settings.kind in KINDS
        assert settings.api == scenario.workload.api
        assert settings.speed == scenario.speed
    names = [settings.name for settings in scenario.clients]
    assert len(set(names)) == len(names)  # one row per client
    zips = scenario.workload.zips
    assert zips and all(re.fullmatch(r"[0-9]{5}", z) for z in zips)
    assert len(set(zips)) == len(zips)
    assert 1 <= scenario.repeat <= 100


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem) for p in SHIPPED])
def test_shipped_scenario_server_section_is_valid(path: Path) -> None:
    scenario = load(path)
    config = parse_config(scenario.server_document())  # what compare sends to the server
    assert config.seed == scenario.seed
    assert config.speed == scenario.speed


def test_defaults(tmp_path: Path) -> None:
    path = tmp_path / "minimal.toml"
    path.write_text("[clients.blocking]\n[clients.pool]\nkind = 'threaded'\nconcurrency = 4\n")
    scenario = load(path)
    assert (scenario.name, scenario.seed, scenario.speed, scenario.repeat) == (
        "minimal",
        0,
        1.0,
        1,
    )
    assert scenario.workload.zips == MEMPY_2015
    assert scenario.workload.source == "mempy-2015"
    assert scenario.workload.api == "jobs"
    blocking, pool = scenario.clients
    assert (blocking.kind, blocking.name, in_flight(blocking)) == (
        "blocking",
        "blocking",
        1,
    )
    assert (pool.kind, pool.name, pool.concurrency) == ("threaded", "pool", 4)
    assert scenario.server == {}


def test_count_workload_is_seeded(tmp_path: Path) -> None:
    path = tmp_path / "count.toml"
    path.write_text("seed = 5\n[workload]\ncount = 25\napi = 'search'\nper_page = 0" + ONE_CLIENT)
    first, second = load(path), load(path)
    assert first.workload.zips == second.workload.zips
    assert len(set(first.workload.zips)) == 25
    assert first.workload.source == "count=25"
    assert first.clients[0].api == "search"
    assert first.clients[0].per_page == 0


# --- broken files: one exact line each ----------------------------------------------------

BAD = [
    pytest.param(
        'nmae = "x"' + ONE_CLIENT,
        "nmae",
        f"unknown key (did you mean 'name'?); valid keys: {TOP}",
        id="top-level-typo",
    ),
    pytest.param(
        "xyzzy = 1" + ONE_CLIENT,
        "xyzzy",
        f"unknown key; valid keys: {TOP}",
        id="top-level-unknown-no-hint",
    ),
    pytest.param(
        "[clients.asyncio]\nconcurency = 5\n",
        "clients.asyncio.concurency",
        f"unknown key (did you mean 'concurrency'?); valid keys: {CLIENT}",
        id="client-key-typo",
    ),
    pytest.param(
        "[workload]\nzip = 'mempy-2015'" + ONE_CLIENT,
        "workload.zip",
        f"unknown key (did you mean 'zips'?); valid keys: {WORKLOAD}",
        id="workload-key-typo",
    ),
    pytest.param(
        "[clients.asyncio]\ntimeout = 'fast'\n",
        "clients.asyncio.timeout",
        "must be a number, got 'fast'",
        id="wrong-type-number",
    ),
    pytest.param(
        "seed = 'abc'" + ONE_CLIENT,
        "seed",
        "must be an integer, got 'abc'",
        id="wrong-type-integer",
    ),
    pytest.param(
        "name = 5" + ONE_CLIENT,
        "name",
        "must be a string, got 5",
        id="wrong-type-string",
    ),
    pytest.param(
        "[clients.blocking]\nshared_session = 'yes'\n",
        "clients.blocking.shared_session",
        "must be true or false, got 'yes'",
        id="wrong-type-boolean",
    ),
    pytest.param(
        "workload = 5" + ONE_CLIENT,
        "workload",
        "must be a table, got int",
        id="wrong-type-table",
    ),
    pytest.param(
        "[clients]\nasyncio = 5\n",
        "clients.asyncio",
        "must be a table, got int",
        id="client-not-a-table",
    ),
    pytest.param(
        "server = 'fast'" + ONE_CLIENT,
        "server",
        "must be a table, got str",
        id="server-not-a-table",
    ),
    pytest.param(
        "repeat = 0" + ONE_CLIENT,
        "repeat",
        "must be between 1 and 100, got 0",
        id="repeat-too-small",
    ),
    pytest.param(
        "repeat = 101" + ONE_CLIENT,
        "repeat",
        "must be between 1 and 100, got 101",
        id="repeat-too-big",
    ),
    pytest.param(
        "speed = 0" + ONE_CLIENT,
        "speed",
        "must be >= 0.001 and <= 1000, got 0",
        id="speed-zero",
    ),
    pytest.param(
        "speed = nan" + ONE_CLIENT,
        "speed",
        "must be >= 0.001 and <= 1000, got nan",
        id="speed-nan",
    ),
    pytest.param(
        "[clients.blocking]\ntimeout = 0\n",
        "clients.blocking.timeout",
        "must be > 0 and <= 3600, got 0",
        id="timeout-zero",
    ),
    pytest.param(
        "[clients.blocking]\nretries = 10001\n",
        "clients.blocking.retries",
        "must be between 0 and 10000, got 10001",
        id="retries-too-many",
    ),
    pytest.param(
        "[clients.asyncio]\nconcurrency = -1\n",
        "clients.asyncio.concurrency",
        "must be between 0 and 100000, got -1",
        id="concurrency-negative",
    ),
    pytest.param(
        "[clients.blocking]\nbackoff = -1\n",
        "clients.blocking.backoff",
        "must be >= 0 and <= 600, got -1",
        id="backoff-negative",
    ),
    pytest.param(
        "[workload]\nper_page = 251" + ONE_CLIENT,
        "workload.per_page",
        "must be between 0 and 250, got 251",
        id="per-page-jobs-limit",
    ),
    pytest.param(
        "[workload]\ncount = 0" + ONE_CLIENT,
        "workload.count",
        "must be between 1 and 99450, got 0",
        id="count-zero",
    ),
    pytest.param(
        "[workload]\napi = 'xml'" + ONE_CLIENT,
        "workload.api",
        "must be one of jobs, search, got 'xml'",
        id="unknown-api",
    ),
    pytest.param(
        "[clients.fast]\nkind = 'gevent'\n",
        "clients.fast.kind",
        f"unknown client kind 'gevent'; kinds: {KIND_LIST}",
        id="unknown-kind",
    ),
    pytest.param(
        "[clients.gevent]\n",
        "clients.gevent",
        f"unknown client kind 'gevent'; kinds: {KIND_LIST}",
        id="unknown-kind-from-label",
    ),
    pytest.param(
        "[workload]\nzips = 'mempy-2016'" + ONE_CLIENT,
        "workload.zips",
        "unknown zip set 'mempy-2016'; sets: mempy-2015",
        id="unknown-zip-set",
    ),
    pytest.param(
        "[workload]\nzips = 'mempy-2015'\ncount = 10" + ONE_CLIENT,
        "workload.count",
        "give either workload.zips or workload.count, not both",
        id="zips-and-count",
    ),
    pytest.param(
        "[workload]\nzips = ['79936', '1234']" + ONE_CLIENT,
        "workload.zips",
        "'1234' is not a 5-digit zip string",
        id="bad-zip-in-list",
    ),
    pytest.param(
        "[workload]\nzips = ['79936', 90011]" + ONE_CLIENT,
        "workload.zips",
        "90011 is not a 5-digit zip string",
        id="number-zip-in-list",
    ),
    pytest.param(
        "[workload]\nzips = []" + ONE_CLIENT,
        "workload.zips",
        "must be a set name or a list of 1 to 99450 zips",
        id="empty-zip-list",
    ),
    pytest.param(
        "[clients]\n",
        "clients",
        f"name at least one client; kinds: {KIND_LIST}",
        id="empty-clients-table",
    ),
    pytest.param(
        "name = 'no clients'\n",
        "clients",
        f"name at least one client; kinds: {KIND_LIST}",
        id="no-clients-at-all",
    ),
    pytest.param(
        "[clients.asyncio]\ntimeout = true\n",
        "clients.asyncio.timeout",
        "must be a number, got True",
        id="bool-for-number",
    ),
    pytest.param(
        "[clients.asyncio]\nconcurrency = true\n",
        "clients.asyncio.concurrency",
        "must be an integer, got True",
        id="bool-for-integer",
    ),
    pytest.param(
        "repeat = false" + ONE_CLIENT,
        "repeat",
        "must be an integer, got False",
        id="bool-for-repeat",
    ),
    pytest.param(
        "[clients.asyncio]\nretries = 1.5\n",
        "clients.asyncio.retries",
        "must be an integer, got 1.5",
        id="float-for-integer",
    ),
    pytest.param(
        "[clients.asyncio]\njitter = 'fulll'\n",
        "clients.asyncio.jitter",
        "must be one of none, full, equal, decorrelated, got 'fulll' (did you mean 'full'?)",
        id="jitter-typo",
    ),
    pytest.param(
        "[clients.asyncio]\nretry_budget = 0.1\n",
        "clients.asyncio.retry_budget",
        "must be a table, got float",
        id="budget-not-a-table",
    ),
    pytest.param(
        "[clients.asyncio]\nretry_budget = { min_per_s = 10 }\n",
        "clients.asyncio.retry_budget.ratio",
        "is required: the share of requests that may be retried",
        id="budget-without-ratio",
    ),
    pytest.param(
        "[clients.asyncio]\nretry_budget = { ratio = 0.1, per_s = 10 }\n",
        "clients.asyncio.retry_budget.per_s",
        "unknown key (did you mean 'min_per_s'?); valid keys: ratio, min_per_s",
        id="budget-unknown-key",
    ),
    pytest.param(
        "[clients.asyncio]\nretry_budget = { ratio = -0.1 }\n",
        "clients.asyncio.retry_budget.ratio",
        "must be >= 0 and <= 10, got -0.1",
        id="budget-negative-ratio",
    ),
    pytest.param(
        "[clients.asyncio]\nhedge = -1\n",
        "clients.asyncio.hedge",
        "must be >= 0 and <= 3600, got -1",
        id="hedge-negative",
    ),
    pytest.param(
        "[clients.asyncio]\ntime_limit = 0\n",
        "clients.asyncio.time_limit",
        "must be >= 1 and <= 86400, got 0",
        id="time-limit-zero",
    ),
    pytest.param(
        "[clients.javascript]\nhedge = 0.5\n",
        "clients.javascript.hedge",
        "the javascript client takes no hedge: jitter, retry_budget and hedge are for the "
        "clients whose retries go through clients/policy.py",
        id="node-takes-no-hedge",
    ),
]


def test_the_retry_policies_are_read_into_the_settings(tmp_path: Path) -> None:
    path = tmp_path / "tuned.toml"
    path.write_text("seed = 9\n[clients.asyncio]\njitter = 'decorrelated'\nhedge = 0.25\n"
                    "retry_budget = { ratio = 0.2 }\ntime_limit = 30\nretries = 1000\n",
                    encoding="utf-8")  # fmt: skip
    (settings,) = load(path).clients
    assert (settings.jitter, settings.hedge, settings.time_limit, settings.retries) == (
        "decorrelated", 0.25, 30.0, 1000,
    )  # fmt: skip
    assert (settings.budget_ratio, settings.budget_min_per_s, settings.seed) == (0.2, 10.0, 9)


@pytest.mark.parametrize(("text", "key", "message"), BAD)
def test_bad_scenario(tmp_path: Path, text: str, key: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioFileError) as caught:
        load(path)
    error = caught.value
    assert str(error) == f"{path}: {key}: {message}"
    assert "\n" not in str(error)
    assert (error.path, error.key) == (str(path), key)
    assert isinstance(error, ClientsError)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(
            b"name = \n", "not valid TOML: Invalid value (at line 1, column 8)", id="toml"
        ),
        pytest.param(b"[clients\n", "not valid TOML: ", id="unclosed-table"),
        pytest.param(b"name = '\xff'\n", "not valid TOML: ", id="not-utf8"),
    ],
)
def test_invalid_toml(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "broken.toml"
    path.write_bytes(content)
    with pytest.raises(ScenarioFileError) as caught:
        load(path)
    assert str(caught.value).startswith(f"{path}: {message}")
    assert "\n" not in str(caught.value)
    assert caught.value.key == ""


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ScenarioFileError) as caught:
        load(path)
    assert str(caught.value) == f"{path}: no such file"


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioFileError) as caught:
        load(tmp_path)
    assert str(caught.value) == f"{tmp_path}: cannot read: Is a directory"


def test_parse_names_the_default_source() -> None:
    with pytest.raises(ScenarioFileError) as caught:
        parse({"clients": {}})
    assert str(caught.value).startswith("<scenario>: clients: ")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        pytest.param("[clients.fast]\nkind = ['asyncio']\n", "clients.fast.kind", id="kind-list"),
        pytest.param("[clients.fast]\nkind = { a = 1 }\n", "clients.fast.kind", id="kind-table"),
        pytest.param(
            "[sweep]\nsetting = ['zips']\nvalues = [1]" + ONE_CLIENT,
            "sweep.setting",
            id="sweep-setting-list",
        ),
    ],
)
def test_unhashable_name_is_a_scenario_error(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioFileError) as caught:
        load(path)
    assert caught.value.key == key


def test_duplicate_zips_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "dup.toml"
    path.write_text("[workload]\nzips = ['79936', '90011', '79936']" + ONE_CLIENT)
    with pytest.raises(ScenarioFileError) as caught:
        load(path)
    assert caught.value.key == "workload.zips"
    assert "79936" in str(caught.value)


# --- the command line ---------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "[clients.asyncio]\nconcurency = 5\n",
            "clients.asyncio.concurency: unknown key (did you mean 'concurrency'?)",
            id="typo",
        ),
        pytest.param("[workload]\nzips = 'x'\n[clients", "not valid TOML: ", id="invalid-toml"),
        pytest.param(None, "no such file", id="missing"),
    ],
)
def test_cli_compare_bad_scenario_is_one_line(
    tmp_path: Path, text: str | None, expected: str
) -> None:
    path = tmp_path / "BAD.toml"
    if text is not None:
        path.write_text(text)
    completed = subprocess.run(
        [sys.executable, "-m", "clients", "compare", str(path), "--results", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    lines = completed.stderr.splitlines()
    assert len(lines) == 1, completed.stderr
    assert lines[0].startswith(f"error: {path}: {expected}")
    assert completed.stdout == ""
    assert list(tmp_path.iterdir()) == ([path] if text is not None else [])


# --- names that make files, command templates filled in before anything runs -------------------

SH = '[clients.sh]\nkind = "command"\ncommand = ["echo", "ARG"]\n'
NAMES_AND_TEMPLATES = [
    pytest.param(f'name = "{"x" * 300}"' + ONE_CLIENT, "name",
                 "must be at most 100 printable characters (it names the result's file), got "
                 f"300: '{'x' * 39}…'", id="name-too-long"),
    pytest.param('name = "two\\nlines"' + ONE_CLIENT, "name",
                 "must be at most 100 printable characters (it names the result's file), got "
                 "9: 'two\\nlines'", id="name-with-a-newline"),
    pytest.param(f'[clients.{"c" * 101}]\nkind = "blocking"\n', "clients",
                 "must be at most 100 printable characters (it names the result's file), got "
                 f"101: '{'c' * 39}…'", id="client-name-too-long"),
    pytest.param(SH.replace("ARG", "{timeout:d}"), "clients.sh.command",
                 "'{timeout:d}': Unknown format code 'd' for object of type 'float'",
                 id="a-spec-that-does-not-fit-its-value"),
    pytest.param(SH.replace("ARG", "{count:>200000000}"), "clients.sh.command",
                 "'{count:>200000000}': {count:>200000000} asks for more than 1000 characters",
                 id="a-width-of-millions"),
    pytest.param(SH.replace("ARG", "{count:.{timeout}}"), "clients.sh.command",
                 "'{count:.{timeout}}': {count} has a placeholder inside its format spec",
                 id="a-placeholder-in-a-spec"),
    pytest.param(SH.replace("ARG", "{budget_ratio:.2f}"), "clients.sh.command",
                 "'{budget_ratio:.2f}': Unknown format code 'f' for object of type 'str'",
                 id="a-spec-for-a-setting-that-is-not-set"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "key", "message"), NAMES_AND_TEMPLATES)
def test_names_and_templates_are_checked_before_anything_runs(
    tmp_path: Path, text: str, key: str, message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioFileError) as caught:
        load(path)
    assert str(caught.value) == f"{path}: {key}: {message}"


@pytest.mark.parametrize(
    "argument",
    [
        pytest.param("{count:>5}", id="a-width"),
        pytest.param("{timeout:.3f}", id="a-precision"),
        pytest.param("{url!r}", id="a-conversion"),
        pytest.param("{{literal}}", id="braces"),
    ],
)
def test_a_template_that_fits_its_values_loads(tmp_path: Path, argument: str) -> None:
    path = tmp_path / "ok.toml"
    path.write_text(SH.replace("ARG", argument), encoding="utf-8")
    (settings,) = load(path).clients
    assert settings.command == ("echo", argument)


def test_a_long_file_name_is_cut_to_a_name(tmp_path: Path) -> None:
    path = tmp_path / f"{'n' * 150}.toml"
    path.write_text(ONE_CLIENT, encoding="utf-8")
    assert load(path).name == "n" * 100
