"""Scenario files: read with `tomllib`, validated in one place before anything runs.

The `[server]` table is the server's business: it is passed through as data and validated
by the server itself when compare applies it (`PUT /__admin/scenario`).
"""

from __future__ import annotations

import json
import re
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

from . import files, zipsets
from .arrivals import ARRIVALS, DURATION, MAX_REQUESTS, RATE
from .cpuwork import CPU_KINDS
from .errors import FileTooLarge, ScenarioFileError
from .expectations import Expectation, parse_expectations
from .kinds import KINDS, Code
from .kinds.command import PLACEHOLDERS, sample_values, template_problem
from .policy import JITTERS
from .records import ClientSettings
from .sweeps import SPEED, SWEEP_SETTINGS, Sweep, check_takers, parse_sweep
from .tuning import Tune, parse_tune
from .validate import MAX_DEPTH, Checker, guess, too_deep
from .zipsets import MAX_ZIPS

TOP_KEYS: Final = (
    "name", "description", "seed", "speed", "repeat", "workload", "server", "clients", "sweep",
    "tune", "expect",
)  # fmt: skip
WORKLOAD_KEYS: Final = (
    "zips", "count", "api", "per_page", "cpu", "cpu_kind", "rate", "duration", "arrivals",
)  # fmt: skip
CPU: Final = (0.0, 60.0)  # seconds of CPU per answer a workload may ask for
CLIENT_KEYS: Final = (
    "kind", "concurrency", "timeout", "retries", "backoff", "backoff_max", "jitter",
    "retry_budget", "hedge", "time_limit", "shared_session", "python", "node", "command",
    "function", "path", "loop", "offload", "processes",
)  # fmt: skip
OFFLOADS: Final = ("none", "thread", "process")  # where an event loop's CPU work runs
PROCESSES: Final = (1, 64)  # `processes = N`: loops, one per process
POLICY_KEYS: Final = ("jitter", "retry_budget", "hedge")  # what kinds without policies refuse
BUDGET_KEYS: Final = ("ratio", "min_per_s")
TIME_LIMIT: Final = (1.0, 86_400.0)  # a run's own bound, scenario seconds
MAX_NAME: Final = 100  # characters of a scenario's or a client's name (files, tags)
CODE_KEYS: Final = (*(key for code in Code for key in code.keys), "path")  # the user's code
FUNCTION: Final = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")
LOOPS: Final = ("asyncio", "uvloop")
APIS: Final = ("jobs", "search")


@dataclass(frozen=True, slots=True)
class Workload:
    """Which zips, asked how."""

    zips: tuple[str, ...]
    source: str  # "mempy-2015", "list" or "count=N": how the zips were chosen
    api: str = "jobs"
    per_page: int | None = None
    cpu: float = 0.0  # seconds of CPU each client does after each answer (`clients.cpuwork`)
    cpu_kind: str = "python"
    rate: float | None = None  # open loop: requests a second, for `duration` seconds
    duration: float | None = None
    arrivals: str = "constant"

    @property
    def open_loop(self) -> bool:
        """Whether requests are due at set times (`rate` and `duration` given)."""
        return self.rate is not None


@dataclass(frozen=True, slots=True)
class Scenario:
    """One whole experiment."""

    path: str
    name: str
    description: str
    seed: int
    speed: float
    repeat: int
    workload: Workload
    server: Mapping[str, Any]
    clients: tuple[ClientSettings, ...]
    raw: Mapping[str, Any] = field(default_factory=dict)
    sweep: Sweep | None = None
    expect: tuple[Expectation, ...] = ()
    tune: Tune | None = None  # what "best" means for a sweep's combinations

    def server_document(self) -> dict[str, Any]:
        """What compare sends to `PUT /__admin/scenario`."""
        return server_document(self.seed, self.speed, self.server)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, as a result saves it: what was asked for, and the document as read."""
        workload = self.workload
        return {
            "path": self.path, "name": self.name, "description": self.description,
            "seed": self.seed, "speed": self.speed, "repeat": self.repeat,
            "workload": {"source": workload.source, "api": workload.api,
                         "per_page": workload.per_page, "cpu": workload.cpu,
                         "cpu_kind": workload.cpu_kind, "zips": list(workload.zips),
                         "rate": workload.rate, "duration": workload.duration,
                         "arrivals": workload.arrivals},
            "document": json.loads(json.dumps(self.raw, default=str)),  # TOML dates as text
        }  # fmt: skip


def server_document(seed: int, speed: float, server: Mapping[str, Any]) -> dict[str, Any]:
    """What `PUT /__admin/scenario` takes: a seed, a speed and a server section (the pytest
    plugin's marker gives these three alone)."""
    return {"seed": seed, "speed": speed, "server": dict(server)}


def load(path: str | Path) -> Scenario:
    """Read and validate a scenario file; raise `ScenarioFileError` naming file and key."""
    name = str(path)
    try:
        document = tomllib.loads(files.read_text(path, encoding="utf-8-sig"))  # a BOM is fine
    except FileTooLarge as error:
        raise ScenarioFileError(name, "", str(error).removeprefix(f"{name}: ")) from None
    except FileNotFoundError:
        raise ScenarioFileError(name, "", "no such file") from None
    except OSError as error:
        raise ScenarioFileError(name, "", f"cannot read: {error.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ScenarioFileError(name, "", f"not valid TOML: {error}") from None
    except RecursionError:  # tomllib reads nested tables and arrays by recursion
        raise ScenarioFileError(name, "", f"nested more than {MAX_DEPTH} levels deep") from None
    deep = too_deep(document)
    if deep is not None:
        raise ScenarioFileError(name, deep, f"nested more than {MAX_DEPTH} levels deep")
    return parse(document, name)


def parse(document: Mapping[str, Any], path: str = "<scenario>") -> Scenario:
    """Validate a scenario document already read from TOML."""
    check = Checker(path)
    check.keys(document, "", TOP_KEYS)
    seed = check.integer(document.get("seed", 0), "seed", -(2**63), 2**63 - 1)
    speed = check.number(document.get("speed", 1.0), "speed", *SPEED)
    workload = _workload(check, document.get("workload", {}), seed)
    clients_table = check.table(document.get("clients", {}), "clients")
    if not clients_table:
        raise check.fail("clients", f"name at least one client; kinds: {', '.join(KINDS)}")
    base = Path(path).resolve().parent if Path(path).is_file() else Path.cwd()
    clients = tuple(
        _client(check, label, raw, workload, speed, base, seed)
        for label, raw in clients_table.items()
    )
    sweep = parse_sweep(check, document["sweep"], speed) if "sweep" in document else None
    if sweep is not None:
        check_takers(check, sweep, clients)
    names = [c.name for c in clients]
    if "tune" in document and sweep is None:
        raise check.fail("tune", "needs a [sweep]: it picks the best of the sweep's combinations")
    server = check.table(document.get("server", {}), "server")
    try:  # it travels to the server as JSON: no dates, nan or inf
        json.dumps(server, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise check.fail("server", f"holds a value JSON cannot carry ({error})") from None
    _phases_within(check, server, workload)
    _swept_phases(check, server, sweep)
    return Scenario(
        path=path,
        name=_name(check, document["name"], "name")
        if "name" in document
        else Path(path).stem[:MAX_NAME],
        description=check.string(document.get("description", ""), "description"),
        seed=seed,
        speed=speed,
        repeat=check.integer(document.get("repeat", 1), "repeat", 1, 100),
        workload=workload,
        server=server,
        clients=clients,
        raw=document,
        sweep=sweep,
        expect=_expect(document.get("expect", []), clients, path, _phase_names(server)),
        tune=None if "tune" not in document else parse_tune(document["tune"], names, path),
    )


def _workload(check: Checker, value: Any, seed: int) -> Workload:
    table = check.table(value, "workload")
    check.keys(table, "workload", WORKLOAD_KEYS)
    cpu = check.number(table.get("cpu", 0.0), "workload.cpu", *CPU)
    cpu_kind = _choice(check, table.get("cpu_kind", "python"), "workload.cpu_kind", CPU_KINDS)
    return replace(_zips(check, table, seed), cpu=cpu, cpu_kind=cpu_kind)


def _zips(check: Checker, table: Mapping[str, Any], seed: int) -> Workload:
    """Which zips, asked through which API."""
    if "zips" in table and "count" in table:
        raise check.fail("workload.count", "give either workload.zips or workload.count, not both")
    api = table.get("api", "jobs")
    if api not in APIS:
        raise check.fail("workload.api", f"must be one of {', '.join(APIS)}, got {api!r}")
    per_page = None
    if "per_page" in table:
        per_page = check.integer(
            table["per_page"], "workload.per_page", 0, 250 if api == "jobs" else 500
        )
    timed = _open_loop(check, table)
    if "count" in table:
        count = check.integer(table["count"], "workload.count", 1, MAX_ZIPS)
        return Workload(zipsets.generated(count, seed), f"count={count}", api, per_page, **timed)
    zips = table.get("zips", "mempy-2015")
    if isinstance(zips, str):
        if zips not in zipsets.NAMED:
            raise check.fail(
                "workload.zips", f"unknown zip set {zips!r}; sets: {', '.join(zipsets.NAMED)}"
            )
        return Workload(zipsets.NAMED[zips], zips, api, per_page, **timed)
    if not isinstance(zips, list) or not zips or len(zips) > MAX_ZIPS:
        raise check.fail("workload.zips", f"must be a set name or a list of 1 to {MAX_ZIPS} zips")
    for item in zips:
        if not isinstance(item, str) or not re.fullmatch(r"[0-9]{5}", item):
            raise check.fail("workload.zips", f"{item!r} is not a 5-digit zip string")
    seen: set[str] = set()
    for item in zips:
        if item in seen:  # a zip counts once in the talk's sum: ask for it once
            raise check.fail("workload.zips", f"{item!r} is listed twice")
        seen.add(item)
    return Workload(tuple(zips), "list", api, per_page, **timed)


def _open_loop(check: Checker, table: Mapping[str, Any]) -> dict[str, Any]:
    """`rate`, `duration` and `arrivals`: requests due at set times (all or none of the first
    two), within what one run may send."""
    if "rate" not in table and "duration" not in table:
        if "arrivals" in table:
            raise check.fail("workload.arrivals", "needs workload.rate and workload.duration")
        return {}
    for key in ("rate", "duration"):
        if key not in table:
            other = "duration" if key == "rate" else "rate"
            raise check.fail(f"workload.{key}", f"is required with workload.{other}: requests "
                             "a second, for how many seconds")  # fmt: skip
    rate = check.number(table["rate"], "workload.rate", *RATE)
    duration = check.number(table["duration"], "workload.duration", *DURATION)
    if rate * duration > MAX_REQUESTS:
        asked = f"{rate:g}/s for {duration:g} s is {rate * duration:,.0f} requests"
        raise check.fail("workload.rate", f"{asked}; at most {MAX_REQUESTS:,} a run")
    arrivals = _choice(check, table.get("arrivals", "constant"), "workload.arrivals", ARRIVALS)
    return {"rate": rate, "duration": duration, "arrivals": arrivals}


def _swept_phases(check: Checker, server: Mapping[str, Any], sweep: Sweep | None) -> None:
    """A sweep of the last phase's settings (`dip_workers`, `dip_for`) needs a phase."""
    swept = [
        n for n in (sweep.settings if sweep else ()) if SWEEP_SETTINGS[n].key[:1] == ("phases",)
    ]
    phases = server.get("phases")
    if swept and not (isinstance(phases, list) and phases and isinstance(phases[-1], Mapping)):
        raise check.fail("sweep", f"{swept[0]} varies the last [[server.phases]], and the "
                         "server section has none")  # fmt: skip


def _phases_within(check: Checker, server: Mapping[str, Any], workload: Workload) -> None:
    """With open-loop arrivals, every server phase must start and end within the run."""
    phases = server.get("phases")
    if workload.duration is None or not isinstance(phases, list):
        return
    for index, phase in enumerate(phases):
        if not isinstance(phase, Mapping):
            continue  # the server names what is wrong with it
        at, length = phase.get("at"), phase.get("for")
        if not (isinstance(at, int | float) and isinstance(length, int | float)):
            continue
        if at + length > workload.duration:
            run = f"workload.duration = {workload.duration:g} s"
            raise check.fail(f"server.phases[{index}]", f"ends at {at + length:g} s, after "
                             f"the run ({run})")  # fmt: skip


def _client(
    check: Checker,
    label: str,
    value: Any,
    workload: Workload,
    speed: float,
    base: Path,
    seed: int,
) -> ClientSettings:
    where = f"clients.{label}"
    if label == "*" or not label.strip():
        raise check.fail(where, "a client needs a name; '*' means every client in [[expect]]")
    label = _name(check, label, where if len(label) <= MAX_NAME else "clients")
    table = check.table(value, where)
    check.keys(table, where, CLIENT_KEYS)
    kind = table.get("kind", label)
    if not isinstance(kind, str) or kind not in KINDS:
        key = f"{where}.kind" if "kind" in table else where
        raise check.fail(key, f"unknown client kind {kind!r}; kinds: {', '.join(KINDS)}")
    python = table.get("python")
    described = KINDS[kind]
    refused = ([] if described.retries else ["retries"]) + (
        [] if described.takes_limit or described.sequential else ["concurrency"]
    )
    for key in refused:  # the browser's page asks once per zip, all at once, as async.html did
        if table.get(key, 0):
            raise check.fail(f"{where}.{key}", f"the {kind} client takes no retries or "
                             "concurrency limit (its page is the talk's async.html)")  # fmt: skip
    if workload.open_loop and not described.open_loop:
        timed = ", ".join(name for name, each in KINDS.items() if each.open_loop)
        raise check.fail(where, f"the {kind} client runs the batch only, not workload.rate "
                         f"(open loop is for {timed})")  # fmt: skip
    if workload.cpu and not described.cpu:
        raise check.fail(where, f"the {kind} client cannot do [workload] cpu after each answer "
                         "(its page is the server's); leave it out of this scenario")  # fmt: skip
    if workload.open_loop and table.get("processes", 1) != 1:  # one plan, one loop's clock
        raise check.fail(f"{where}.processes", "an open-loop run (workload.rate) runs in one "
                         "process: its due times are one schedule")  # fmt: skip
    for key, takes in (("offload", described.offload), ("processes", described.multiloop)):
        if key in table and not takes:
            owners = [k.name for k in KINDS.values() if (k.offload if key == "offload"
                                                         else k.multiloop)]  # fmt: skip
            raise check.fail(f"{where}.{key}", f"only the {', '.join(owners)} clients take "
                             f"{key} (kind = {kind!r} does not)")  # fmt: skip
    for key in POLICY_KEYS if not described.policies else ():
        if key in table:
            raise check.fail(f"{where}.{key}", f"the {kind} client takes no {key}: jitter, "
                             "retry_budget and hedge are for the clients whose retries go "
                             "through clients/policy.py")  # fmt: skip
    settings = ClientSettings(
        kind=kind,
        label=label if label != kind else "",
        concurrency=int(_swept(check, table, where, "concurrency", 0)),
        timeout=_swept(check, table, where, "timeout", 30.0),
        retries=int(_swept(check, table, where, "retries", 0)),
        backoff=_swept(check, table, where, "backoff", 0.1),
        backoff_max=_swept(check, table, where, "backoff_max", 5.0),
        jitter=_choice(check, table.get("jitter", "none"), f"{where}.jitter", JITTERS),
        hedge=_swept(check, table, where, "hedge", 0.0),
        **_budget(check, table, where),
        time_limit=None
        if "time_limit" not in table
        else check.number(table["time_limit"], f"{where}.time_limit", *TIME_LIMIT),
        seed=seed,
        shared_session=check.boolean(table.get("shared_session", False), f"{where}.shared_session"),
        api=workload.api,
        per_page=workload.per_page,
        cpu=workload.cpu,
        cpu_kind=workload.cpu_kind,
        offload=_choice(check, table.get("offload", "none"), f"{where}.offload", OFFLOADS),
        processes=check.integer(table.get("processes", 1), f"{where}.processes", *PROCESSES),
        speed=speed,
        rate=workload.rate,
        duration=workload.duration,
        arrivals=workload.arrivals,
        python=None if python is None else check.string(python, f"{where}.python"),
        node=None if "node" not in table else check.string(table["node"], f"{where}.node"),
        **_code(check, where, kind, table, base),
    )
    _check_template(check, where, settings, workload)
    return settings


def _check_template(
    check: Checker, where: str, settings: ClientSettings, workload: Workload
) -> None:
    """A command's argv filled in as it will be, before anything runs (`{timeout:d}` of a
    float, `{count:>200000000}`): one line naming the client and the key."""
    if settings.command is None:
        return
    problem = template_problem(settings.command, sample_values(settings, workload.zips))
    if problem is not None:
        raise check.fail(f"{where}.command", problem)


def _name(check: Checker, value: Any, key: str) -> str:
    """A scenario's or a client's name: it names the result's file and the run's tag, so at
    most MAX_NAME printable characters."""
    text = check.string(value, key)
    if len(text) > MAX_NAME or not text.isprintable():
        shown = text if len(text) <= 40 else text[:39] + "…"
        raise check.fail(key, f"must be at most {MAX_NAME} printable characters (it names the "
                         f"result's file), got {len(text)}: {shown!r}")  # fmt: skip
    return text


def _choice(check: Checker, value: Any, key: str, choices: tuple[str, ...]) -> str:
    """`value` if it is one of `choices`."""
    if not isinstance(value, str) or value not in choices:
        raise check.fail(key, f"must be one of {', '.join(choices)}, got {value!r}"
                         f"{guess(value, choices) if isinstance(value, str) else ''}")  # fmt: skip
    return value


def _budget(check: Checker, table: Mapping[str, Any], where: str) -> dict[str, Any]:
    """`retry_budget = { ratio = 0.1, min_per_s = 10 }`: a share of requests plus a floor."""
    if "retry_budget" not in table:
        return {}
    key = f"{where}.retry_budget"
    budget = check.table(table["retry_budget"], key)
    check.keys(budget, key, BUDGET_KEYS)
    ratio = check.required(budget, key, "ratio", "the share of requests that may be retried")
    found = {"ratio": ratio, "min_per_s": budget.get("min_per_s", 10.0)}
    return {
        f"budget_{name}": _swept(check, found, key, name, 0.0, setting_name=f"budget_{name}")
        for name in BUDGET_KEYS
    }


def _swept(
    check: Checker,
    table: Mapping[str, Any],
    where: str,
    name: str,
    default: float,
    *,
    setting_name: str = "",
) -> float:
    """A client setting a sweep may vary, within the range the sweep table gives it."""
    setting = SWEEP_SETTINGS[setting_name or name]
    key, value = f"{where}.{name}", table.get(name, default)
    if setting.whole:
        return check.integer(value, key, int(setting.low), int(setting.high))
    return check.number(value, key, setting.low, setting.high, inclusive=not setting.above_low)


def _code(
    check: Checker, where: str, kind: str, table: Mapping[str, Any], base: Path
) -> dict[str, Any]:
    """The command or function a `command` or `python` client runs, and where its code lives."""
    code = KINDS[kind].code
    own = code.keys
    allowed = (*own, "path") if own else ()
    for key in CODE_KEYS:
        if key in table and key not in allowed:
            owner = " or ".join(k.name for k in KINDS.values() if k.code.keys
                                and key in (*k.code.keys, "path"))  # fmt: skip
            raise check.fail(f"{where}.{key}", f"only a {owner} client takes {key} "
                             f"(kind = {kind!r} does not)")  # fmt: skip
    if not own:
        return {}
    folder = base
    if "path" in table:
        folder = (base / check.string(table["path"], f"{where}.path")).resolve()
        if not folder.is_dir():
            raise check.fail(f"{where}.path", f"no such folder: {folder}")
    if code is Code.COMMAND:
        return {"command": _command(check, where, table), "path": str(folder)}
    function = check.string(
        check.required(table, where, "function", 'name it as "package.module:callable"'),
        f"{where}.function",
    )
    if not FUNCTION.fullmatch(function):
        raise check.fail(f"{where}.function", f'must be "module:callable", got {function!r}')
    loop = table.get("loop")
    if loop is not None and loop not in LOOPS:
        raise check.fail(f"{where}.loop", f"must be one of {', '.join(LOOPS)}, got {loop!r}")
    return {"function": function, "path": str(folder), "loop": loop}


def _command(check: Checker, where: str, table: Mapping[str, Any]) -> tuple[str, ...]:
    """The argv, its placeholders checked (a typo is caught here, not after a run)."""
    key = f"{where}.command"
    argv = check.required(table, where, "command", 'e.g. ["node", "fetch.mjs", "{url}"]')
    if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
        raise check.fail(key, f"must be a non-empty list of strings, got {argv!r}")
    if not argv[0].strip():
        raise check.fail(key, "the program's name is empty")
    for arg in argv:
        try:
            names = [name for _, name, _, _ in string.Formatter().parse(arg) if name is not None]
        except ValueError as error:
            raise check.fail(key, f"{arg!r}: {error} (write {{{{ and }}}} for braces)") from None
        for name in names:
            if name not in PLACEHOLDERS:
                raise check.fail(key, f"unknown placeholder {{{name}}}{guess(name, PLACEHOLDERS)}; "
                                 f"placeholders: {', '.join(PLACEHOLDERS)}")  # fmt: skip
    return tuple(argv)


def _expect(
    raw: Any, clients: tuple[ClientSettings, ...], path: str, phases: list[str]
) -> tuple[Expectation, ...]:
    if not isinstance(raw, list):
        raise ScenarioFileError(path, "expect", "must be a list of [[expect]] tables")
    return parse_expectations(raw, [c.name for c in clients], path, phases=phases)


def _phase_names(server: Mapping[str, Any]) -> list[str]:
    """The server phases' names as the server gives them (`phase N` when unnamed)."""
    phases = server.get("phases")
    if not isinstance(phases, list):
        return []
    return [str(p.get("name", f"phase {i + 1}")) if isinstance(p, Mapping) else ""
            for i, p in enumerate(phases)]  # fmt: skip
