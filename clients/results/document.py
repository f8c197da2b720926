"""The result document, in one place: its schema, how a compare or a sweep becomes one, and
how a saved one is read back, checked, and turned into runs and summaries again.

Documented in docs/result-schema.md. Everything but `load_result` and `load_any` is pure: it
takes or returns the document as a dict.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from .. import environment, files
from ..errors import ClientsError, FileTooLarge
from ..records import RunResult
from ..validate import too_deep
from .diagnoses import diagnose
from .summary import Summary, as_dict, speedups, summarize
from .verdicts import Verdict

SCHEMA: Final = "asynchronicity.result"
SCHEMA_VERSION: Final = 1  # the version this module writes
VERSIONS: Final = (1,)  # the versions this module reads
REQUIRED: Final = ("scenario", "runs")
MAX_DEPTH: Final = 64  # a sweep's scenario document (itself at most 32 deep) sits 5 levels in


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def compare_document(
    scenario: Mapping[str, Any],
    runs: Sequence[RunResult],
    preview: Mapping[str, Any],
    server: Mapping[str, Any],
    interrupted: bool,
    verdicts: Sequence[Verdict],
    stopped: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A compare's saved result: scenario (`Scenario.to_dict`), environment, preview, every run
    with every attempt, and the verdicts of the scenario's expectations; `stopped` says why and
    where a compare stopped early (`{"lost": why, "during": "blocking 1/1, 37/100 zips"}`)."""
    expected = expected_total(preview)
    summaries = summaries_from(runs, expected, preview)
    ups = speedups(summaries)
    return {
        "schema": SCHEMA,
        "version": SCHEMA_VERSION,
        "kind": "compare",
        "created": _now(),
        "scenario": dict(scenario),
        "environment": environment.describe(),
        "server": dict(server),
        "interrupted": interrupted,
        **({} if not stopped else dict(stopped)),
        "expected_total": expected,
        "preview": dict(preview),
        "summaries": [as_dict(s, ups.get(s.client)) for s in summaries],
        "verdicts": [v.to_dict() for v in verdicts],
        "notes": [note.to_dict() for note in diagnose(summaries, runs)],
        "runs": [run.to_dict() for run in runs],
    }


def sweep_document(
    scenario: Mapping[str, Any],
    sweep: Mapping[str, Any],
    points: Sequence[Mapping[str, Any]],
    variants: Sequence[Mapping[str, Any]],
    interrupted: bool,
    tune: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A sweep's saved result: its scenario's path and name, its setting and values
    (`Sweep.to_dict`), the points, each combination's value, settings and compare document
    (`{"value", "combination", "result"}`), and `[tune]`'s answers when it has one."""
    return {
        "schema": SCHEMA,
        "version": SCHEMA_VERSION,
        "kind": "sweep",
        "created": _now(),
        "scenario": {"path": scenario["path"], "name": scenario["name"]},
        "environment": environment.describe(),
        "interrupted": interrupted,
        "sweep": dict(sweep),
        "points": [dict(p) for p in points],
        "variants": [dict(v) for v in variants],
        **({} if tune is None else {"tune": dict(tune)}),
    }


def expected_total(found: Mapping[str, Any]) -> int | None:
    """The total every client should sum, as a preview or a saved result states it (None when
    the preview could not say)."""
    value = found.get("expected_total")
    return int(value) if value is not None else None


def makespans(preview: Mapping[str, Any]) -> dict[str, float]:
    """The preview's ideal makespans, keyed by concurrency as a string ("0", "1", "20")."""
    return {str(k): float(v) for k, v in (preview.get("makespans") or {}).items()}


def summaries_from(
    runs: Sequence[RunResult], expected: int | None, preview: Mapping[str, Any]
) -> list[Summary]:
    """One summary per client, in the order they first ran."""
    ideal = makespans(preview)
    grouped: dict[str, list[RunResult]] = {}
    for run in runs:
        grouped.setdefault(run.client, []).append(run)
    phases = [p for p in preview.get("phases") or () if isinstance(p, Mapping)]
    return [summarize(group, expected, ideal, phases) for group in grouped.values()]


def load_result(path: str | Path) -> dict[str, Any]:
    """Read and check a saved result; raise a one-line `ClientsError` naming the file."""
    name = str(path)
    try:
        text = files.read_text(path, limit=files.MAX_RESULT_BYTES)
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


def load_any(path: str | Path) -> dict[str, Any]:
    """A saved compare or sweep result, checked; a one-line `ClientsError` naming the file."""
    name = str(path)
    try:
        doc = json.loads(files.read_text(path, limit=files.MAX_RESULT_BYTES))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, FileTooLarge):
        return load_result(path)  # says what is wrong, in its words
    if not isinstance(doc, dict) or doc.get("kind") != "sweep":
        return load_result(path)
    if doc.get("schema") != SCHEMA or doc.get("version") not in VERSIONS:
        return load_result(path)
    variants = doc.get("variants")
    if not isinstance(variants, list):
        raise ClientsError(f"{name}: variants: must be a list")
    for index, variant in enumerate(variants):
        if not isinstance(variant, dict) or "result" not in variant or "value" not in variant:
            raise ClientsError(f"{name}: variants[{index}]: want value and result")
        check_document(variant["result"], f"{name}: variants[{index}].result")
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


def summaries_of(doc: Mapping[str, Any]) -> list[Summary]:
    """One `Summary` per client, recomputed from the runs as compare computed them."""
    return summaries_from(runs_of(doc), expected_total(doc), doc.get("preview") or {})


def title_of(doc: Mapping[str, Any]) -> str:
    """The table's title: `name: description`, marked when the run was interrupted or lost
    its server (its lease)."""
    scenario = doc.get("scenario") or {}
    name = str(scenario.get("name", "?"))
    title = f"{name}: {scenario['description']}" if scenario.get("description") else name
    if doc.get("lost"):
        return title + " (lost: partial results)"
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
        "expected": expected_total(doc),
        "environment": doc.get("environment") or {},
        "loops": {
            run.get("client"): (run.get("environment") or {}).get("loop")
            for run in doc.get("runs") or []
            if isinstance(run, Mapping)
        },
    }
