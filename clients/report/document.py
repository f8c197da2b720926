"""The result document, in one place: its schema, how a compare or a sweep becomes one, and
how a saved one is read back, checked, and turned into runs and summaries again.

Documented in docs/result-schema.md. Everything but `load_result` is pure: it takes or
returns the document as a dict, so tests can build one in memory with `document`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from .. import environment
from ..errors import ClientsError
from ..expectations import check
from ..records import RunResult
from ..validate import too_deep
from .summary import Summary, as_dict, speedups, summarize

if TYPE_CHECKING:
    from ..scenario import Scenario

SCHEMA: Final = "asynchronicity.result"
SCHEMA_VERSION: Final = 1  # the version this module writes
VERSIONS: Final = (1,)  # the versions this module reads
REQUIRED: Final = ("scenario", "runs")
MAX_DEPTH: Final = 64  # a sweep's scenario document (itself at most 32 deep) sits 5 levels in


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def compare_document(
    scenario: Scenario,
    runs: Sequence[RunResult],
    preview: Mapping[str, Any],
    server: Mapping[str, Any],
    interrupted: bool,
) -> dict[str, Any]:
    """A compare's saved result: scenario, environment, preview, every run with every attempt."""
    expected = preview.get("expected_total")
    expected = int(expected) if expected is not None else None
    summaries = summaries_from(runs, expected, preview)
    ups = speedups(summaries)
    return {
        "schema": SCHEMA,
        "version": SCHEMA_VERSION,
        "kind": "compare",
        "created": _now(),
        "scenario": {
            "path": scenario.path,
            "name": scenario.name,
            "description": scenario.description,
            "seed": scenario.seed,
            "speed": scenario.speed,
            "repeat": scenario.repeat,
            "workload": {
                "source": scenario.workload.source,
                "api": scenario.workload.api,
                "per_page": scenario.workload.per_page,
                "zips": list(scenario.workload.zips),
            },
            "document": _jsonable(scenario.raw),
        },
        "environment": environment.describe(),
        "server": dict(server),
        "interrupted": interrupted,
        "expected_total": expected,
        "preview": dict(preview),
        "summaries": [as_dict(s, ups.get(s.client)) for s in summaries],
        "verdicts": [
            {"text": v.text, "passed": v.passed, "detail": v.detail}
            for v in check(scenario.expect, summaries, ups)
        ],
        "runs": [run.to_dict() for run in runs],
    }


def sweep_document(
    scenario: Scenario,
    points: Sequence[Mapping[str, Any]],
    variants: Sequence[tuple[float, dict[str, Any]]],
    interrupted: bool,
) -> dict[str, Any]:
    """A sweep's saved result: its setting, the points, and each value's compare document."""
    assert scenario.sweep is not None
    return {
        "schema": SCHEMA,
        "version": SCHEMA_VERSION,
        "kind": "sweep",
        "created": _now(),
        "scenario": {"path": scenario.path, "name": scenario.name},
        "environment": environment.describe(),
        "interrupted": interrupted,
        "sweep": {"setting": scenario.sweep.setting, "values": list(scenario.sweep.values)},
        "points": [dict(p) for p in points],
        "variants": [{"value": value, "result": result} for value, result in variants],
    }


def summaries_from(
    runs: Sequence[RunResult], expected: int | None, preview: Mapping[str, Any]
) -> list[Summary]:
    """One summary per client, in the order they first ran."""
    makespans = {str(k): float(v) for k, v in (preview.get("makespans") or {}).items()}
    grouped: dict[str, list[RunResult]] = {}
    for run in runs:
        grouped.setdefault(run.client, []).append(run)
    return [summarize(group, expected, makespans) for group in grouped.values()]


def load_result(path: str | Path) -> dict[str, Any]:
    """Read and check a saved result; raise a one-line `ClientsError` naming the file."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ClientsError(f"{name}: no such file") from None
    except OSError as error:
        raise ClientsError(f"{name}: cannot read: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ClientsError(f"{name}: not a result file (not UTF-8 text)") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as error:
        raise ClientsError(f"{name}: not valid JSON: {error.msg} (line {error.lineno})") from None
    except RecursionError:  # json reads nested objects and arrays by recursion
        raise ClientsError(f"{name}: not a result file: nested more than {MAX_DEPTH} levels "
                           "deep") from None  # fmt: skip
    return check_document(doc, name)


def check_document(doc: Any, name: str = "<result>") -> dict[str, Any]:
    """`doc` itself when it is a compare result this module reads, else a `ClientsError`."""
    if not isinstance(doc, dict):
        raise ClientsError(f"{name}: not a result file (a JSON {type(doc).__name__})")
    deep = too_deep(doc, MAX_DEPTH)
    if deep is not None:
        raise ClientsError(f"{name}: not a result file: {deep}: nested more than {MAX_DEPTH} "
                           "levels deep")  # fmt: skip
    if doc.get("schema") != SCHEMA:
        raise ClientsError(f"{name}: not a result file: schema is {doc.get('schema')!r}, "
                           f"want {SCHEMA!r}")  # fmt: skip
    version = doc.get("version")
    if isinstance(version, bool) or version not in VERSIONS:
        known = ", ".join(str(v) for v in VERSIONS)
        raise ClientsError(f"{name}: result version {version!r} is not supported (known: {known})")
    kind = doc.get("kind", "compare")
    if kind != "compare":
        raise ClientsError(f"{name}: a {kind} result, not a compare result (a sweep keeps one "
                           "per value under variants[i].result)")  # fmt: skip
    for key in REQUIRED:
        if key not in doc:
            raise ClientsError(f"{name}: missing key {key!r}")
    if not isinstance(doc["runs"], list):
        raise ClientsError(f"{name}: runs: must be a list")
    _runs(doc, name)
    return doc


def _runs(doc: Mapping[str, Any], name: str) -> list[RunResult]:
    runs = []
    for index, raw in enumerate(doc["runs"]):
        try:
            runs.append(RunResult.from_dict(raw))
        except KeyError as error:
            raise ClientsError(f"{name}: runs[{index}]: missing key {error}") from None
        except (TypeError, ValueError, AttributeError) as error:
            raise ClientsError(f"{name}: runs[{index}]: malformed run: {error}") from None
    return runs


def runs_of(doc: Mapping[str, Any]) -> list[RunResult]:
    """Every run in the result, in the order they ran."""
    return _runs(doc, "<result>")


def grouped_runs(doc: Mapping[str, Any]) -> dict[str, list[RunResult]]:
    """The runs by client name, clients in the order they first ran."""
    grouped: dict[str, list[RunResult]] = {}
    for run in runs_of(doc):
        grouped.setdefault(run.client, []).append(run)
    return grouped


def expected_of(doc: Mapping[str, Any]) -> int | None:
    """The total every client should have summed (None when the preview failed)."""
    value = doc.get("expected_total")
    return int(value) if value is not None else None


def makespans_of(doc: Mapping[str, Any]) -> dict[str, float]:
    """The preview's ideal makespans, keyed by concurrency as a string ("0", "1", "20")."""
    preview = doc.get("preview") or {}
    return {str(k): float(v) for k, v in (preview.get("makespans") or {}).items()}


def summaries_of(doc: Mapping[str, Any]) -> list[Summary]:
    """One `Summary` per client, recomputed from the runs as compare computed them."""
    return summaries_from(runs_of(doc), expected_of(doc), doc.get("preview") or {})


def title_of(doc: Mapping[str, Any]) -> str:
    """The table's title: `name: description`, marked when the run was interrupted."""
    scenario = doc.get("scenario") or {}
    name = str(scenario.get("name", "?"))
    title = f"{name}: {scenario['description']}" if scenario.get("description") else name
    return title + (" (interrupted: partial results)" if doc.get("interrupted") else "")


def context_of(doc: Mapping[str, Any]) -> dict[str, Any]:
    """What `report.caption_text` wants, taken from the saved result."""
    scenario = doc.get("scenario") or {}
    workload = scenario.get("workload") or {}
    return {
        "scenario": scenario.get("name", "?"),
        "seed": scenario.get("seed", "?"),
        "speed": float(scenario.get("speed", 1.0)),
        "requests": len(workload.get("zips") or ()),
        "api": workload.get("api", "jobs"),
        "expected": expected_of(doc),
        "environment": doc.get("environment") or {},
        "loops": {
            run.get("client"): (run.get("environment") or {}).get("loop")
            for run in doc.get("runs") or []
            if isinstance(run, Mapping)
        },
    }


def document(
    runs: Sequence[RunResult],
    *,
    name: str = "test",
    expected: int | None = None,
    makespans: Mapping[str, float] | None = None,
    environment: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A minimal valid result around `runs` (for tests and tools, not a real compare)."""
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
