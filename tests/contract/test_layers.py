"""The architecture, as the import graph shows it: layers that only point one way.

Read from the source with `ast` (nothing is imported), so a new module is checked the moment
it exists.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ROOT


def modules(package: str) -> Iterator[tuple[str, Path]]:
    """(dotted name, path) of every module in `package`."""
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def imports(name: str, path: Path, *, at_load: bool = False) -> set[str]:
    """What `name` imports at run time (relative imports resolved; stdlib and others too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {  # `if TYPE_CHECKING:` imports never run: they are no edge
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
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
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
        pytest.param(
            "clients.harness.compare", "clients.harness.sweep", id="sweep-imports-compare"
        ),
        pytest.param("clients.harness", "rich", id="harness-prints-nothing"),
    ],
)
def test_a_layer_does_not_import(prefix: str, forbidden: str) -> None:
    assert importers(prefix, forbidden) == []


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


def test_the_report_never_uses_the_harness() -> None:
    assert importers("clients.report", "clients.harness") == []


def test_no_import_cycles_in_clients() -> None:
    names = {name for name in GRAPH if name.startswith("clients")}
    edges = {
        name: {t for t in GRAPH[name] if t in names and t != name and not name.startswith(t + ".")}
        for name in names
    }
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> None:
        if node in done:
            return
        assert node not in visiting, " → ".join([*visiting[visiting.index(node) :], node])
        visiting.append(node)
        for target in sorted(edges[node]):
            visit(target)
        visiting.pop()
        done.add(node)

    for name in sorted(names):
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
