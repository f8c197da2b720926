"""What the clients' tests build by hand, in one place: `document` wraps any runs in a minimal
valid result; `compare_doc` and `sweep_doc` are three clients with attempts and trains, and a
sweep around them; `ten_zips`, `hand_run` and `outcome_of` a compare's scenario file and
outcome; `make_run` and `summary_of` runs and rows of three zips; `swept` and `code_sweep`
scenarios that sweep; `grid_doc` a grid sweep with a [tune]. Every figure is chosen, so tests
can say what must show."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from clients import scenario as scenarios
from clients.harness.compare import Outcome
from clients.records import Attempt, ClientSettings, RunResult, Samples, Track, Usage, parse_state
from clients.results.document import SCHEMA, VERSIONS, summaries_of
from clients.results.points import Point
from clients.results.summary import Summary, as_dict, speedups, summarize
from clients.scenario import load
from clients.sweeps import Combination
from clients.tuning import answers, parse_tune
from clients.zipsets import MEMPY_2015
from server.api.data import job_count
from tests.helpers import FIXED_10MS, jobs_in, state_of, write_scenario

ENVIRONMENT = {"python": "3.11.7", "implementation": "CPython", "platform": "Linux-test",
               "cpus": 2, "gil_enabled": True, "libraries": {"aiohttp": "3.9.0"}}  # fmt: skip
ZIPS = ("79936", "90011", "00926", "10001", "60629", "77084")
DELAY = 0.2  # every request's intended delay, seconds
LOOK = 0.01  # the sampler's interval here


def document(
    runs: Sequence[RunResult],
    *,
    name: str = "test",
    expected: int | None = None,
    makespans: Mapping[str, float] | None = None,
    environment: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A minimal valid result around `runs` (not a real compare: no server, no preview)."""
    zips = sorted({a.zip for run in runs for a in run.attempts})
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "version": VERSIONS[-1],
        "kind": "compare",
        "created": "1970-01-01T00:00:00+00:00",
        "scenario": {"path": f"{name}.toml", "name": name, "description": "", "seed": 0,
                     "speed": 1.0, "repeat": 1,
                     "workload": {"source": "list", "api": "jobs", "per_page": None, "zips": zips},
                     "document": {}},
        "environment": dict(environment or {}),
        "server": {"url": "", "embedded": True},
        "interrupted": False,
        "expected_total": expected,
        "preview": {"makespans": dict(makespans or {})},
        "summaries": [],
        "runs": [run.to_dict() for run in runs],
    }  # fmt: skip
    summaries = summaries_of(doc)
    ups = speedups(summaries)
    doc["summaries"] = [as_dict(s, ups.get(s.client)) for s in summaries]
    return doc


def samples(tracks: list[Track], end: float) -> Samples:
    """Looks every LOOK seconds from 0 to `end`."""
    times = tuple(round(i * LOOK, 4) for i in range(round(end / LOOK) + 1))
    return Samples(LOOK, times, tuple(tracks), sampler_cpu=0.004, threads=len(tracks))


def busy(count: int, share: float, first: int = 0) -> Track:
    """A thread on a CPU for `share` of each of `count` intervals."""
    return Track("MainThread", "thread", first, tuple([round(share * LOOK * 1e6)] * count))


def blocking() -> RunResult:
    """One lane, one request after another, an almost empty train."""
    attempts = tuple(
        Attempt(z, 0, i * DELAY, (i + 1) * DELAY, 200, 40, 1, None, 0, DELAY, 0.0, 0.001)
        for i, z in enumerate(ZIPS)
    )
    wall = len(ZIPS) * DELAY
    usage = Usage(mem=0, utime=0.05, stime=0.01, time=wall, peak_threads=1, vmem=0)
    train = samples([busy(round(wall / LOOK), 0.05)], wall)
    return RunResult("blocking", ClientSettings("blocking"), 6, usage, attempts, samples=train)


def threaded() -> RunResult:
    """A thread per zip: six short, almost empty trains beside the main thread's."""
    attempts = tuple(
        Attempt(z, 0, 0.01 * i, 0.01 * i + DELAY, 200, 40, 1, None, i, DELAY, 0.0, 0.002)
        for i, z in enumerate(ZIPS)
    )
    wall = 0.3
    tracks = [busy(round(wall / LOOK), 0.02)]
    tracks += [Track(f"Thread-{i + 1} (work)", "thread", i, (300,) * 20) for i in range(6)]
    usage = Usage(mem=0, utime=0.04, stime=0.02, time=wall, peak_threads=7, vmem=96 << 20)
    return RunResult("threaded", ClientSettings("threaded"), 6, usage, attempts,
                     samples=samples(tracks, wall))  # fmt: skip


def asyncio_run() -> RunResult:
    """Every zip at once on one thread with full cars; one zip fails once and is retried."""
    attempts = [
        Attempt(z, 0, 0.0, DELAY, 200, 40, 1, None, i, DELAY, 0.0, 0.001)
        for i, z in enumerate(ZIPS[1:], start=1)
    ]
    attempts.append(Attempt(ZIPS[0], 0, 0.0, 0.05, 503, 0, None, "http_503", 0, 0.0, 0.0, 0.0))
    attempts.append(Attempt(ZIPS[0], 1, 0.1, 0.1 + DELAY, 200, 40, 1, None, 0, DELAY, 0.0, 0.0))
    wall = 0.3
    settings = ClientSettings("asyncio", retries=1)
    usage = Usage(mem=2 << 20, utime=0.02, stime=0.005, time=wall, peak_threads=1, vmem=0)
    return RunResult("asyncio", settings, 6, usage, tuple(attempts),
                     samples=samples([busy(round(wall / LOOK), 0.9)], wall))  # fmt: skip


def compare_doc(name: str = "reported", runs: list[RunResult] | None = None) -> dict[str, Any]:
    """A compare result of blocking, threaded and asyncio, with a preview and verdicts."""
    chosen = runs if runs is not None else [blocking(), threaded(), asyncio_run()]
    doc = document(chosen, name=name, expected=6, environment=ENVIRONMENT,
                              makespans={"1": 1.2, "0": DELAY})  # fmt: skip
    doc["preview"]["zips"] = [{"zip": z, "delay": DELAY, "fault": None, "wait": DELAY}
                              for z in ZIPS]  # fmt: skip
    doc["preview"]["latency"] = {"sum": DELAY * len(ZIPS), "max": DELAY, "p50": DELAY}
    doc["verdicts"] = [
        {"text": "asyncio at least 3× faster than blocking", "passed": True, "detail": "4.0×"},
        {"text": "asyncio p99 ≤ 100 ms", "passed": False, "detail": "measured 200 ms"},
    ]
    return doc


def sweep_doc(
    setting: str = "concurrency", values: tuple[float, ...] = (1.0, 10.0, 0.0)
) -> dict[str, Any]:
    """A sweep over `setting` whose every value holds the same three clients."""
    variants = [{"value": v, "result": compare_doc(f"swept-{v:g}")} for v in values]
    points = [
        {"client": c, "value": v, "wall": w, "throughput": 6 / w, "p99": DELAY, "correct": True,
         "note": ""}
        for v in values
        for c, w in (("blocking", 1.2), ("threaded", 0.3 + v / 100), ("asyncio", 0.25))
    ]  # fmt: skip
    return {
        "schema": SCHEMA, "version": 1, "kind": "sweep",
        "created": "1970-01-01T00:00:00+00:00", "scenario": {"path": "s.toml", "name": "swept"},
        "environment": ENVIRONMENT, "interrupted": False,
        "sweep": {"setting": setting, "values": list(values)},
        "points": points, "variants": variants,
    }  # fmt: skip


# --- a compare of ten of the talk's zips at seed 3, for the harness's and the console's tests --

TEN = MEMPY_2015[:10]
TEN_SEED = 3
TEN_TOTAL = jobs_in(TEN, TEN_SEED)


def ten_zips(
    folder: Path, clients: str, *, server: str = FIXED_10MS, repeat: int = 1, name: str = "tiny"
) -> Path:
    """A scenario file of the ten zips at seed 3 (10 ms each unless `server` says otherwise)."""
    return write_scenario(folder, clients, name=name, zips=TEN, server=server,
                          description="ten zips", seed=TEN_SEED, repeat=repeat)  # fmt: skip


def hand_run(
    kind: str, wall: float, total: int = TEN_TOTAL, skipped: str | None = None
) -> RunResult:
    """A run of the ten zips, each answered in 20 ms (none when `skipped` says why)."""
    attempts = tuple(
        Attempt(z, 0, 0.0, 0.02, status=200, jobs=job_count(TEN_SEED, z), intended=0.01, queue=0.0)
        for z in TEN
    )
    state, reason = parse_state(skipped)
    return RunResult(
        client=kind,
        settings=ClientSettings(kind=kind),
        total=total,
        usage=Usage(mem=0, utime=0.01, stime=0.0, time=wall),
        attempts=attempts if skipped is None else (),
        state=state,
        reason=reason,
    )


def outcome_of(folder: Path, *runs: RunResult, **kw: Any) -> Outcome:
    """A blocking-and-asyncio compare of the ten zips holding `runs`, with its preview."""
    scenario = load(ten_zips(folder, "[clients.blocking]\n[clients.asyncio]\n"))
    preview = {"expected_total": TEN_TOTAL, "makespans": {"1": 0.1, "0": 0.01}}
    return Outcome(scenario, preview=preview, runs=list(runs), **kw)


# --- runs and summaries of three zips, for the summary's and the table's tests --------------


def ok(zip_code: str, start: float = 0.0, end: float = 0.1, number: int = 0, **kw: Any) -> Attempt:
    """An attempt that got a count (1 job unless `jobs` says otherwise)."""
    return Attempt(zip_code, number, start, end, status=200, jobs=kw.pop("jobs", 1), **kw)


def make_run(
    client: str = "blocking",
    *,
    kind: str | None = None,
    wall: float = 1.0,
    total: int = 3,
    attempts: Sequence[Attempt] = (),
    utime: float = 0.2,
    stime: float = 0.1,
    mem: int = 1024,
    peak_threads: int = 1,
    concurrency: int = 0,
    server_cpu: float | None = None,
    skipped: str | None = None,
) -> RunResult:
    """One run of `client` (its kind unless `kind` says), three zips answered unless `attempts`
    says otherwise."""
    settings = ClientSettings(
        kind=kind or client, label="" if kind in (None, client) else client,
        concurrency=concurrency,
    )  # fmt: skip
    return RunResult(
        client=settings.name,
        settings=settings,
        total=total,
        usage=Usage(mem=mem, utime=utime, stime=stime, time=wall, peak_threads=peak_threads),
        attempts=tuple(attempts) or (ok("a"), ok("b"), ok("c")),
        server_cpu=server_cpu,
        **state_of(skipped),
    )


def summary_of(client: str, kind: str, wall: float, *, correct: bool = True, **kw: Any) -> Summary:
    """The summary of one run of three zips, summed right unless `correct` is False."""
    run = make_run(client, kind=kind, wall=wall, total=3 if correct else 2, **kw)
    return summarize([run], 3, {})


# --- sweeps ------------------------------------------------------------------------------------

SWEPT_BASE = """
name = "swept"
seed = 4
speed = 2.0
[workload]
zips = ["90011", "08701", "00926", "79936"]
[server]
latency = {{ model = "fixed", value = 0.01 }}
[clients.blocking]
[clients.asyncio]
concurrency = 3
{sweep}
"""


def swept(tmp_path: Path, sweep: str) -> scenarios.Scenario:
    """The base scenario with a [sweep] table, written and loaded."""
    path = tmp_path / "swept.toml"
    path.write_text(SWEPT_BASE.format(sweep=sweep))
    return scenarios.load(path)


CODE_SWEEP = """
[workload]
zips = ["90011"]
[clients.blocking]
[clients.asyncio]
[clients.browser]
[clients.mine]
kind = "command"
command = ["true"]
[sweep]
setting = "{setting}"
values = {values}
"""


def code_sweep(setting: str, values: list[float]) -> dict[str, Any]:
    """A scenario document of every kind of client, the user's command among them, sweeping
    `setting` over `values`."""
    return tomllib.loads(CODE_SWEEP.format(setting=setting, values=values))


# --- runs of ten zips and results of them, for the diff's tests ------------------------------


def ten_zip_run(
    client: str,
    wall: float,
    cpu: float = 0.1,
    mem: int = 1024,
    latency: float = 0.1,
    failed: int = 0,
    kind: str = "asyncio",
) -> RunResult:
    """Ten zips answered in `latency` seconds, the last `failed` of them given up on."""
    attempts = tuple(
        Attempt(f"{i:05}", 0, 0.0, latency, status=200, jobs=1, lane=i)
        if i < 10 - failed
        else Attempt(f"{i:05}", 0, 0.0, latency, error="timeout", lane=i)
        for i in range(10)
    )
    usage = Usage(mem=mem, utime=cpu, stime=0.0, time=wall)
    settings = ClientSettings(kind=kind, label="" if client == kind else client)
    return RunResult(client, settings, 10 - failed, usage, attempts)


def result_of(*runs: RunResult) -> dict[str, Any]:
    """A saved result holding `runs`."""
    return document(runs, expected=10)


REPEATS = 4  # runs a side that can tell a change from noise


def repeated(*runs: RunResult) -> dict[str, Any]:
    """A saved result holding each of `runs` `REPEATS` times (enough to tell a change)."""
    return result_of(*(run for run in runs for _ in range(REPEATS)))


# --- a grid sweep with a [tune], for the report's grid charts -----------------------------------

GRID_TIMEOUTS = (0.05, 0.1, 0.5, 5.0)  # across: a span of two decades
GRID_RETRIES = (0, 2, 4)  # down


def grid_doc() -> dict[str, Any]:
    """A sweep over timeout × retries for two clients, every point with its figures (p99 over
    two decades, failed falling with retries), answered by the real [tune] pick."""
    found, variants = [], []
    for index, (timeout, retries) in enumerate((t, r) for t in GRID_TIMEOUTS for r in GRID_RETRIES):
        combination = {"timeout": timeout, "retries": float(retries)}
        label = Combination(tuple(combination.items())).label
        variants.append({"value": float(index), "combination": combination, "label": label,
                         "result": compare_doc(f"grid-{index}")})  # fmt: skip
        for client, slower in (("threaded", 1.3), ("asyncio", 1.0)):
            failed = max(0, 3 - retries - (timeout >= 0.5))
            figures = {"p99": timeout * slower + 0.01 * retries, "failed": float(failed),
                       "wall": 0.4 + timeout * slower, "retried": float(2 * retries),
                       "amplification": 1 + 0.04 * retries * slower}  # fmt: skip
            found.append(Point(client, float(index), figures["wall"], 6 / figures["wall"],
                               figures["p99"], failed == 0, "", combination,
                               dict(figures)))  # fmt: skip
    table = {"require": [{"figure": "failed", "max": 0}], "minimize": "p99",
             "then": "amplification"}  # fmt: skip
    tune = parse_tune(table, ["threaded", "asyncio"], "grid.toml")
    tuned = {**tune.to_dict(), "answers": [a.to_dict() for a in answers(tune, found)]}
    points = [
        {"client": p.client, "value": p.value, "wall": p.wall, "throughput": p.throughput,
         "p99": p.p99, "correct": p.correct, "note": "", "combination": p.combination,
         "figures": p.figures}
        for p in found
    ]  # fmt: skip
    return {
        "schema": SCHEMA, "version": 1, "kind": "sweep",
        "created": "1970-01-01T00:00:00+00:00", "scenario": {"path": "g.toml", "name": "grid"},
        "environment": ENVIRONMENT, "interrupted": False,
        "sweep": {"setting": "timeout × retries", "values": list(GRID_TIMEOUTS),
                  "grid": {"timeout": list(GRID_TIMEOUTS), "retries": list(GRID_RETRIES)}},
        "points": points, "variants": variants, "tune": tuned,
    }  # fmt: skip
