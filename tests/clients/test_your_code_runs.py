"""Your code as a row, run for real: commands and functions in a worker, every bad input as
one failed line, compare with the server's journal, the examples, and a sweep that reaches
the user's code. Tiny runs (a few zips, millisecond delays)."""

from __future__ import annotations

import re
import shutil
import subprocess
import textwrap
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from clients.console import show_compare
from clients.harness import worker
from clients.harness.compare import compare
from clients.harness.sweep import sweep
from clients.records import ClientSettings, RunResult, RunState
from clients.scenario import Scenario, load, parse
from clients.zipsets import MEMPY_2015
from tests.helpers import ROOT, LiveServer, configure, jobs_in

ZIPS = list(MEMPY_2015[:6])
SEED = 5
EXPECTED = jobs_in(ZIPS, SEED)

pytestmark = pytest.mark.slow

FETCH = """
import sys, requests

def total(zips, url, timeout=10.0):
    return sum(int(requests.get(f"{url}/api/jobs", params={"LocationId": z},
                                timeout=timeout).json()["TotalJobs"]) for z in zips)

async def total_async(zips, url):
    return total(zips, url)

def boom(zips, url):
    raise KeyError("no such zip")

def words(zips, url):
    return "1651"

if __name__ == "__main__":
    print("fetching", file=sys.stderr)
    print(f"jobs available: {total(sys.stdin.read().split(), sys.argv[1])}")
"""


def run_in_worker(settings: ClientSettings, url: str) -> RunResult:
    """One run of `settings` in this process, as a worker runs it."""
    return worker.execute({"settings": settings.to_dict(), "zips": ZIPS, "url": url})


@pytest.fixture
def code(tmp_path: Path) -> Path:
    """A folder with a user's module (`fetch.py`) in it."""
    (tmp_path / "fetch.py").write_text(FETCH)
    return tmp_path


# --- in a worker: the figures, and every bad input as one line ------------------------------


def test_a_command_is_measured_from_outside(live_server: LiveServer, code: Path) -> None:
    configure(live_server, seed=SEED)
    settings = ClientSettings(kind="command", command=("{python}", "fetch.py", "{url}"),
                              path=str(code))  # fmt: skip
    result = run_in_worker(settings, live_server.url)
    assert (result.state, result.total) == (RunState.OK, EXPECTED)
    tree = result.usage.tree_rss
    assert result.usage.cpu > 0 and tree is not None and tree > 1_000_000  # a whole Python
    assert 0 <= result.usage.mem < tree  # growth, from its smallest
    assert result.usage.peak_processes >= 1 and result.usage.time > 0
    assert result.origin is not None and result.attempts == ()  # they come from the journal


@pytest.mark.parametrize(
    ("function", "loop", "seen_loop"),
    [
        pytest.param("fetch:total", None, "none", id="plain"),
        pytest.param("fetch:total_async", None, "asyncio", id="async"),
        pytest.param("fetch:total_async", "uvloop", "uvloop", id="uvloop"),
    ],
)
def test_a_function_is_called_under_the_meter(
    live_server: LiveServer, code: Path, function: str, loop: str | None, seen_loop: str
) -> None:
    configure(live_server, seed=SEED)
    settings = ClientSettings(kind="python", function=function, path=str(code), loop=loop)
    result = run_in_worker(settings, live_server.url)
    assert (result.state, result.total) == (RunState.OK, EXPECTED), result.reason
    assert result.environment["loop"] == seen_loop
    assert result.usage.time > 0


@pytest.mark.parametrize(
    ("kind", "code_of", "reason"),
    [
        pytest.param("command", ("no-such-program-here",), "command not found: "
                     "no-such-program-here", id="command-not-found"),
        pytest.param("command", ("./fetch.py",), "not executable: ./fetch.py", id="not-executable"),
        pytest.param("command", ("sh", "-c", "echo one >&2; echo 'bad zip' >&2; exit 3"),
                     "exited with code 3: bad zip", id="exits-non-zero"),
        pytest.param("command", ("sh", "-c", "kill -TERM $$"), "killed by SIGTERM", id="killed"),
        pytest.param("command", ("sh", "-c", "echo done"),
                     "printed no total: its last line is 'done'", id="no-number"),
        pytest.param("python", "nowhere.mod:total", "cannot import nowhere.mod for "
                     "nowhere.mod:total: ModuleNotFoundError: No module named 'nowhere'",
                     id="import-fails"),
        pytest.param("python", "broken:total", "cannot import broken for broken:total: "
                     "ModuleNotFoundError: No module named 'requestz' (at broken.py:2)",
                     id="its-import-fails"),
        pytest.param("python", "fetch:missing", "cannot import fetch:missing: fetch has no "
                     "missing", id="no-such-function"),
        pytest.param("python", "fetch:boom", "fetch:boom raised KeyError: 'no such zip' "
                     "(at fetch.py:", id="raises"),
        pytest.param("python", "fetch:words", "fetch:words returned '1651', not an integer",
                     id="not-an-integer"),
        pytest.param("python", "fetch:total", 'fetch:total is a plain function: loop = '
                     '"uvloop" needs an async def', id="uvloop-for-a-plain-function"),
    ],
)  # fmt: skip
def test_bad_code_is_one_failed_line(
    live_server: LiveServer, code: Path, kind: str, code_of: Any, reason: str
) -> None:
    configure(live_server, seed=SEED)
    if kind == "command":
        settings = ClientSettings(kind="command", command=tuple(code_of), path=str(code))
    else:
        loop = "uvloop" if "uvloop" in reason else None
        settings = ClientSettings(kind="python", function=code_of, path=str(code), loop=loop)
    (code / "broken.py").write_text('"""Imports a module that is not there."""\nimport requestz\n')
    result = run_in_worker(settings, live_server.url)
    assert result.state is RunState.FAILED
    assert reason in result.reason
    assert "\n" not in result.reason and "Traceback" not in result.reason
    assert "__init__.py" not in result.reason  # never importlib's own line


# --- compare: the journal's requests, the table, the other rows ---------------------------


def scenario_of(text: str, folder: Path, name: str = "mine") -> Scenario:
    """A scenario read from `text` as if it were the file `folder/name.toml`."""
    path = folder / f"{name}.toml"
    path.write_text(text)
    return parse(tomllib.loads(text), str(path))


MIXED = f"""
name = "mine"
seed = {SEED}
[workload]
zips = {ZIPS!r}
[server]
latency = {{ model = "fixed", value = 0.01 }}
[clients.asyncio]
[clients.script]
kind = "command"
command = ["{{python}}", "fetch.py", "{{url}}"]
[clients.broken]
kind = "command"
command = ["sh", "-c", "echo 'no such host' >&2; exit 1"]
[clients.function]
kind = "python"
function = "fetch:total"
"""


def test_compare_puts_your_code_in_the_table(live_server: LiveServer, code: Path) -> None:
    outcome = compare(scenario_of(MIXED, code), live_server.url, code / "results")
    runs = {run.client: run for run in outcome.runs}
    assert runs["broken"].state is RunState.FAILED
    assert runs["broken"].reason == "exited with code 1: no such host"
    for name in ("asyncio", "script", "function"):  # the other rows still ran
        run = runs[name]
        assert (run.state, run.total) == (RunState.OK, EXPECTED), run.reason
        assert sorted(a.zip for a in run.attempts) == sorted(ZIPS)
        bad = [a for a in run.attempts if not (a.ok and 0 <= a.start < a.end <= run.usage.time)]
        assert bad == [], (name, run.usage.time)
        assert all(a.intended == pytest.approx(0.01) for a in run.attempts)
    summaries = {s.client: s for s in outcome.summaries()}
    assert summaries["script"].startup is not None and summaries["script"].startup > 0
    assert summaries["script"].p50 >= 0.01 and summaries["script"].efficiency is not None
    console = Console(record=True, width=220)
    assert show_compare(outcome, console) == 1  # the broken row fails the compare
    text = console.export_text()
    assert "failed: exited with code 1: no such host" in text
    assert "from outside · start-up" in text and "in a worker · start-up" in text
    assert "script: measured from outside" in text


def test_a_timeout_sweep_reaches_commands_and_functions(
    live_server: LiveServer, code: Path
) -> None:
    (code / "seen.py").write_text(textwrap.dedent(f"""
        def total(zips, url, timeout):
            with open({str(code / "seen.txt")!r}, "a") as seen:
                seen.write(f"function {{timeout:g}}\\n")
            return 0
    """))  # fmt: skip
    text = f"""
seed = {SEED}
[workload]
zips = ["90011"]
[clients.command]
command = ["sh", "-c", "echo command {{timeout}} >> seen.txt; echo 0"]
[clients.function]
kind = "python"
function = "seen:total"
[sweep]
setting = "timeout"
values = [0.5, 2]
"""
    swept = sweep(scenario_of(text, code), live_server.url, code / "results")
    assert [point.as_dict() for point, _ in swept.outcomes] == [{"timeout": 0.5}, {"timeout": 2.0}]
    seen = (code / "seen.txt").read_text().split("\n")
    assert sorted(filter(None, seen)) == [
        "command 0.5", "command 2.0", "function 0.5", "function 2",
    ]  # fmt: skip


# --- the examples ---------------------------------------------------------------------------


def example_clients() -> list[Any]:
    """Each client of scenarios/your-code.toml but asyncio, skipped when its tool is missing."""
    document = tomllib.loads((ROOT / "scenarios" / "your-code.toml").read_text())
    found = []
    for name in document["clients"]:
        if name == "asyncio":
            continue
        tool = document["clients"][name].get("command", ["python"])[0]
        missing = None if tool.startswith("{") or shutil.which(tool) else f"{tool} not installed"
        if name == "curl-parallel" and not missing and not _curl_has_parallel():
            missing = "curl is older than 7.66 (no --parallel)"
        marks = [pytest.mark.skip(reason=missing)] if missing else []
        found.append(pytest.param(name, id=name, marks=marks))
    return found


def _curl_has_parallel() -> bool:
    help_text = subprocess.run(["curl", "--help", "all"], capture_output=True, text=True).stdout
    return "--parallel" in help_text


@pytest.mark.parametrize("name", example_clients())
def test_every_example_races_the_asyncio_client(
    live_server: LiveServer, name: str, tmp_path: Path
) -> None:
    path = ROOT / "scenarios" / "your-code.toml"
    document = tomllib.loads(path.read_text())
    document["workload"] = {"zips": ZIPS}
    document["seed"] = SEED
    document["server"] = {"latency": {"model": "fixed", "value": 0.005}}
    document["clients"] = {k: v for k, v in document["clients"].items() if k in ("asyncio", name)}
    loaded = parse(document, str(path))
    outcome = compare(loaded, live_server.url, tmp_path)
    assert [run.client for run in outcome.runs] == ["asyncio", name]
    assert_every_run_counted(outcome.runs)


def assert_every_run_counted(runs: Sequence[RunResult]) -> None:
    """Each run summed the expected total and the journal gave one request per zip."""
    for run in runs:
        assert (run.state, run.total) == (RunState.OK, EXPECTED), (run.client, run.reason)
        assert sorted(a.zip for a in run.attempts) == sorted(ZIPS), run.client


def readme_block(heading: str, language: str) -> str:
    """The first `language` code block under the README's `heading`."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    match = re.search(rf"```{language}\n(.*?)```", section, re.DOTALL)
    assert match, f"README: no {language} block under {heading!r}"
    return match.group(1)


def test_the_readme_example_runs(live_server: LiveServer, tmp_path: Path) -> None:
    (tmp_path / "fetch.py").write_text(readme_block("Measure your own code", "python"))
    path = tmp_path / "mine.toml"
    path.write_text(readme_block("Measure your own code", "toml"))
    outcome = compare(load(path), live_server.url, tmp_path / "results")
    assert [run.client for run in outcome.runs] == ["asyncio", "fetch-py"]
    for run in outcome.runs:
        assert (run.state, run.total) == (RunState.OK, 1651), run.reason  # the talk's total
        assert len(run.attempts) == 100
    assert outcome.exit_code() == 0
