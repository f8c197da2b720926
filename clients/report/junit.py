"""A compare's verdicts as JUnit XML, so CI systems (GitLab, Jenkins, GitHub's JUnit actions)
show them as test results.

One `<testsuite>` per compare (a sweep: one per value), named for the scenario, with its
path, seed and speed as properties. In it one case per client (`classname` the suite's,
`name` the client): it passes when the client summed the expected total, has a `failure`
when it summed another, an `error` when its run failed, and is `skipped` when it could not
run here (node or Chromium missing); its `system-out` holds its figures. Then one case per
`[[expect]]`, under `classname` `….expect`, failing with what was measured. Reasons go in
both the `message` attribute and the element's text (GitLab shows the text, Jenkins the
attribute); times are seconds with three decimals, as the Surefire schema wants. Pure: a
result document in, XML text out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final
from xml.etree import ElementTree as ET

from ..records import RunState
from ..results.document import expected_total, summaries_of
from ..results.summary import Summary
from ..results.units import seconds
from ..results.verdicts import Verdict, saved_verdicts
from ..sweeps import variant_name

PREFIX: Final = "asynchronicity"


def _time(value: float) -> str:
    return f"{max(0.0, value):.3f}"


def figures_line(s: Summary) -> str:
    """A client's figures in one line, for its case's `system-out`."""
    return (f"jobs {', '.join(map(str, s.totals)) or '–'}; wall {seconds(s.wall)}; "
            f"p50/p99 {seconds(s.p50)}/{seconds(s.p99)}; cpu {seconds(s.cpu)}; ok/failed/"
            f"retried {s.counts.ok}/{s.counts.failed}/{s.counts.retried}")  # fmt: skip


def _outcome(case: ET.Element, tag: str, kind: str, message: str) -> None:
    element = ET.SubElement(case, tag, message=message, type=kind)
    element.text = message


def client_case(suite: ET.Element, classname: str, s: Summary, expected: int | None) -> str:
    """One client's case; returns what it came to: passed, failure, error or skipped."""
    case = ET.SubElement(suite, "testcase", classname=classname, name=s.client,
                         time=_time(s.wall))  # fmt: skip
    if s.state is RunState.SKIPPED:
        ET.SubElement(case, "skipped", message=s.reason)
        return "skipped"
    if s.state is RunState.FAILED:
        _outcome(case, "error", "RunFailed", s.reason)
        return "error"
    ET.SubElement(case, "system-out").text = figures_line(s)
    if s.judged and not s.correct:
        totals = ", ".join(map(str, sorted(set(s.totals))))
        died = f"; {s.failed_runs} run(s) died" if s.failed_runs else ""
        _outcome(case, "failure", "WrongTotal", f"summed {totals}, want {expected}{died}")
        return "failure"
    return "passed"


def verdict_case(suite: ET.Element, classname: str, verdict: Verdict) -> str:
    """One `[[expect]]` as a case: a failure says what was measured."""
    case = ET.SubElement(suite, "testcase", classname=f"{classname}.expect", name=verdict.text,
                         time="0.000")  # fmt: skip
    if verdict.not_run:
        ET.SubElement(case, "skipped", message=verdict.detail)
        return "skipped"
    if verdict.passed:
        ET.SubElement(case, "system-out").text = verdict.detail
        return "passed"
    _outcome(case, "failure", "Expectation", f"{verdict.text}: {verdict.detail}")
    return "failure"


def suite_of(root: ET.Element, doc: Mapping[str, Any], name: str) -> ET.Element:
    """The testsuite of one compare document, its counts true to its cases."""
    scenario = doc.get("scenario") or {}
    summaries = summaries_of(doc)
    suite = ET.SubElement(root, "testsuite", name=name, timestamp=str(doc.get("created", "")),
                          hostname="localhost")  # fmt: skip
    properties = ET.SubElement(suite, "properties")
    for key in ("path", "seed", "speed"):
        ET.SubElement(properties, "property", name=key, value=str(scenario.get(key, "?")))
    classname = f"{PREFIX}.{scenario.get('name', name)}"
    results = [client_case(suite, classname, s, expected_total(doc)) for s in summaries]
    results += [verdict_case(suite, classname, v) for v in saved_verdicts(doc)]
    suite.set("tests", str(len(results)))
    for key in ("failure", "error", "skipped"):
        suite.set(f"{key}s" if key != "skipped" else key, str(results.count(key)))
    suite.set("time", _time(sum(s.wall * s.runs for s in summaries)))
    return suite


def render_junit(doc: Mapping[str, Any]) -> str:
    """The verdicts of a compare (or of each value of a sweep) as JUnit XML text."""
    scenario = str((doc.get("scenario") or {}).get("name", "?"))
    root = ET.Element("testsuites", name=f"{PREFIX} {doc.get('kind', 'compare')} {scenario}")
    if doc.get("kind") == "sweep":
        setting = str((doc.get("sweep") or {}).get("setting", "value"))
        suites = [
            suite_of(root, v["result"], f"{scenario} {variant_name(setting, v, '=', raw=True)}")
            for v in _variants(doc)
        ]
    else:
        suites = [suite_of(root, doc, scenario)]
    for key in ("tests", "failures", "errors"):
        root.set(key, str(sum(int(s.get(key, "0")) for s in suites)))
    root.set("time", _time(sum(float(s.get("time", "0")) for s in suites)))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _variants(doc: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
    return [v for v in doc.get("variants") or [] if isinstance(v, Mapping) and "result" in v]
