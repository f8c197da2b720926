"""Saved results: read a compare's JSON back, check it, and rebuild runs and summaries.

A result file is what `compare` writes (`compare.to_document`, documented in
docs/result-schema.md). Everything after `load_result` is pure: it takes the document
as a dict, so tests can build one in memory with `document`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any, Final

from clients.errors import ClientsError
from clients.records import Attempt, RunResult, Usage
from clients.summary import Summary, as_dict, speedups, summarize

SCHEMA: Final = "asynchronicity.result"
VERSIONS: Final = (1,)  # the versions this module reads
REQUIRED: Final = ("scenario", "runs")


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
    return check_document(doc, name)


def check_document(doc: Any, name: str = "<result>") -> dict[str, Any]:
    """`doc` itself when it is a compare result this module reads, else a `ClientsError`."""
    if not isinstance(doc, dict):
        raise ClientsError(f"{name}: not a result file (a JSON {type(doc).__name__})")
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


def _known(cls: type[Any], raw: Mapping[str, Any]) -> dict[str, Any]:
    """`raw` without the keys `cls` does not know: additive schema changes keep version 1."""
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in raw.items() if k in names}


def _run(raw: Mapping[str, Any]) -> RunResult:
    """A run from its saved form, ignoring keys added after this reader was written."""
    tidy = dict(raw)
    tidy["usage"] = _known(Usage, raw["usage"])
    tidy["attempts"] = [_known(Attempt, a) for a in raw["attempts"]]
    return RunResult.from_dict(tidy)


def _runs(doc: Mapping[str, Any], name: str) -> list[RunResult]:
    runs = []
    for index, raw in enumerate(doc["runs"]):
        try:
            runs.append(_run(raw))
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
    expected, makespans = expected_of(doc), makespans_of(doc)
    return [summarize(runs, expected, makespans) for runs in grouped_runs(doc).values()]


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
