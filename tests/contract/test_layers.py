"""The architecture, as the import graph shows it: layers that only point one way.

Read from the source with `ast` (nothing is imported), so a new module is checked the moment
it exists. Every import is an edge, `if TYPE_CHECKING:` ones and those inside functions too
(only what loading a module runs leaves them out). The rules:

* `server` and `clients` never import each other;
* the kinds import neither the harness nor the report;
* the report (renderers) never imports the harness, and the harness never imports the report;
* the result data (`clients.results`) imports neither the harness nor the report;
* the harness prints nothing (no rich), and compare does not import sweep;
* the cheap paths (loading a scenario, a worker, the CLI before a command) never load rich;
* no import cycles at all, module by module, in clients, server and bench and across them;
* no cycles between the rooms of clients (its folders, and the modules at its top) either;
* a package imports itself relatively (the wheel installs it under another name).
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ROOT


def modules(package: str) -> Iterator[tuple[str, Path]]:
    """(dotted name, path) of every module in `package`."""
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


KNOWN = {name for package in ("clients", "server", "bench") for name, _ in modules(package)}


def imports(name: str, path: Path, *, at_load: bool = False) -> set[str]:
    """What `name` imports (relative imports resolved; stdlib and others too); with `at_load`,
    what loading it runs."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {  # `if TYPE_CHECKING:` imports never run (an edge all the same, not a load)
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
        for inner in ast.walk(node)
    }
    if at_load:  # what loading the module runs: not the imports inside its functions
        typing_only |= {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            for inner in ast.walk(node)
        }
    found: set[str] = set()
    for node in ast.walk(tree):
        if at_load and id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:  # `from . import x`: the module x, where there is one
                module = f"{base}.{alias.name}"
                found.update([module] if module in KNOWN else [base, module])
    return found


GRAPH = {
    name: imports(name, path)
    for package in ("clients", "server", "bench")
    for name, path in modules(package)
}


AT_LOAD = {
    name: imports(name, path, at_load=True)
    for package in ("clients", "server", "bench")
    for name, path in modules(package)
}


def importers(prefix: str, of: str) -> list[str]:
    """Modules under `prefix` that import anything under `of`."""
    return sorted(
        name
        for name, found in GRAPH.items()
        if name.startswith(prefix)
        and any(target == of or target.startswith(of + ".") for target in found)
    )


@pytest.mark.parametrize(
    ("prefix", "forbidden"),
    [
        pytest.param("server", "clients", id="server-never-imports-clients"),
        pytest.param("clients", "server", id="clients-never-import-server"),
        pytest.param("clients.kinds", "clients.harness", id="kinds-below-harness"),
        pytest.param("clients.kinds", "clients.report", id="kinds-below-report"),
        pytest.param("clients.report", "clients.harness", id="report-never-imports-harness"),
        pytest.param("clients.harness", "clients.report", id="harness-never-imports-report"),
        pytest.param("clients.results", "clients.harness", id="results-below-harness"),
        pytest.param("clients.results", "clients.report", id="results-below-report"),
        pytest.param(
            "clients.harness.compare", "clients.harness.sweep", id="sweep-imports-compare"
        ),
        pytest.param("clients.harness", "rich", id="harness-prints-nothing"),
    ],
)
def test_a_layer_does_not_import(prefix: str, forbidden: str) -> None:
    assert importers(prefix, forbidden) == []


def test_the_graph_sees_typing_only_imports() -> None:  # the rules above would miss them else
    assert "clients.harness.journal" in GRAPH["clients.harness.worker"]  # `if TYPE_CHECKING`
    assert "clients.harness.journal" not in AT_LOAD["clients.harness.worker"]


def loads(name: str) -> set[str]:
    """Every project module that loading `name` loads, directly or through others."""
    seen = {name}
    stack = [name]
    while stack:
        for target in AT_LOAD[stack.pop()]:
            parent = target.rpartition(".")[0]  # `from .report import console` names a module
            for module in (target, parent):
                if module in AT_LOAD and module not in seen:
                    seen.add(module)
                    stack.append(module)
    return seen


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("clients.scenario", id="loading-a-scenario"),
        pytest.param("clients.harness.worker", id="a-worker"),
        pytest.param("clients.cli", id="the-cli-before-a-command-runs"),
    ],
)
def test_cheap_paths_never_load_rich(name: str) -> None:
    users = sorted(m for m in loads(name) if any(t.startswith("rich") for t in AT_LOAD[m]))
    assert users == []


def test_the_console_does_load_rich() -> None:  # the check above can see rich when it is there
    assert any(t.startswith("rich") for t in AT_LOAD["clients.console"])


@pytest.mark.parametrize(
    "package",
    [
        pytest.param("clients", id="clients"),
        pytest.param("bench", id="bench"),
        pytest.param("server", id="server"),
        pytest.param("", id="across-packages"),
    ],
)
def test_no_import_cycles(package: str) -> None:
    names = {name for name in GRAPH if name.startswith(package)}
    edges = {name: {t for t in GRAPH[name] if t in names and t != name} for name in names}
    no_cycle(edges)


def room(name: str) -> str:
    """The room of a clients module: its folder (`clients.report`), or itself at the top."""
    return ".".join(name.split(".")[:2])


def test_no_cycles_between_the_rooms_of_clients() -> None:
    edges: dict[str, set[str]] = {}
    for name in (name for name in GRAPH if name.startswith("clients")):
        targets = {room(t) for t in GRAPH[name] if t in GRAPH and t.startswith("clients")}
        edges.setdefault(room(name), set()).update(targets - {room(name)})
    no_cycle(edges)


def test_the_room_check_sees_a_room_cycle() -> None:  # as report ↔ harness was
    cycle = "clients.harness → clients.report → clients.harness"
    with pytest.raises(AssertionError, match=re.escape(cycle)):
        no_cycle({"clients.report": {"clients.harness"}, "clients.harness": {"clients.report"}})


def no_cycle(edges: dict[str, set[str]]) -> None:
    """Fail naming the first cycle of `edges` found, as `a → b → a`."""
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> None:
        if node in done:
            return
        assert node not in visiting, " → ".join([*visiting[visiting.index(node) :], node])
        visiting.append(node)
        for target in sorted(edges.get(node, ())):
            visit(target)
        visiting.pop()
        done.add(node)

    for name in sorted(edges):
        visit(name)


@pytest.mark.parametrize("package", ["clients", "server"])
def test_a_package_imports_itself_relatively(package: str) -> None:
    # The wheel installs it as `asynchronicity.<package>`: `from <package>.x` would break there.
    absolute = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for _, path in modules(package)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
            and node.module.split(".")[0] == package)
        or (isinstance(node, ast.Import) and any(a.name.split(".")[0] == package
                                                 for a in node.names))
    ]  # fmt: skip
    assert absolute == []


# --- the server's rooms (TYPE_CHECKING imports included, as in GRAPH; cycles: above) ----------
#
# Lowest first; a room may import the rooms below it and itself, never one above:
#   server.models, server.errors, server.logs, server (__version__): nothing else of the server
#   server.config      models, errors
#   server.accounting  config, models, errors
#   server.shared      accounting, config, models, errors (what every process shares)
#   server.state       shared, accounting, config, models
#   server.api         state and below            (never admin, openapi, app, cli)
#   server.admin       api and below              (never openapi, app, cli)
#   server.openapi     admin, api, config, models (the document reads constants: never the
#                                                  running server, state or accounting)
#   server.app         everything above it but the CLI
#   server.workers     the supervisor of `--workers N` (shared: the embedded store);
#   server.listening   the listening socket's guards and the run loop (the logs alone)
#   server.cli, server.__main__
SERVER_LAYERS = (
    ("server", "server.models", "server.errors", "server.logs"),
    ("server.config",),
    ("server.accounting",),
    ("server.shared",),
    ("server.state",),
    ("server.api",),
    ("server.admin",),
    ("server.openapi",),
    ("server.app",),
    ("server.workers", "server.listening"),
    ("server.cli", "server.__main__"),
)
SERVER_ROOMS = {room: level for level, rooms in enumerate(SERVER_LAYERS) for room in rooms}


SERVER_GRAPH = {name: found for name, found in GRAPH.items() if name.split(".")[0] == "server"}


def server_room(target: str) -> str | None:
    """The room a server module (or a name in one) belongs to; None outside the server."""
    rooms = [room for room in SERVER_ROOMS if target == room or target.startswith(room + ".")]
    return max(rooms, key=len) if rooms else None  # `server` itself only for what none holds


def test_every_server_module_is_in_a_room() -> None:
    # A new module or folder of server/ has to be given its place in SERVER_LAYERS.
    assert [name for name in SERVER_GRAPH if server_room(name) in (None, "server")] == ["server"]


def test_the_server_models_import_only_the_standard_library() -> None:
    found = {
        name: sorted(t for t in targets if t.split(".")[0] not in sys.stdlib_module_names)
        for name, targets in SERVER_GRAPH.items()
        if server_room(name) == "server.models"
    }
    assert found and all(targets == [] for targets in found.values()), found


@pytest.mark.parametrize("room", [pytest.param(room, id=room) for room in SERVER_ROOMS])
def test_a_server_room_imports_only_the_rooms_below_it(room: str) -> None:
    upward = sorted(
        f"{name} → {target}"
        for name, targets in SERVER_GRAPH.items()
        if server_room(name) == room
        for target in targets
        if (other := server_room(target)) is not None and SERVER_ROOMS[other] > SERVER_ROOMS[room]
    )
    assert upward == []


@pytest.mark.parametrize(
    ("room", "forbidden"),
    [
        pytest.param("server.openapi", "server.state", id="the-document-reads-no-state"),
        pytest.param("server.openapi", "server.accounting", id="the-document-counts-nothing"),
    ],
)
def test_a_server_room_does_not_import(room: str, forbidden: str) -> None:
    users = sorted(
        name
        for name, targets in SERVER_GRAPH.items()
        if server_room(name) == room and any(server_room(t) == forbidden for t in targets)
    )
    assert users == []
