"""The wheel, installed into a fresh virtual environment, is the whole tool under one name.

Built from this checkout, installed outside it, run from another directory: nothing may
lean on the checkout being on the path. Slow (a venv and its dependencies), so it runs once,
in one test, and skips with the reason where the machine cannot build or install.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest
import requests

from clients.harness.embedded import wait_for_banner
from tests.helpers import ROOT

INSTALL_TIMEOUT = 600  # seconds: the dependencies come from the package registry

pytestmark = pytest.mark.slow


def run(*command: str | Path, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run a command of the installed tool, from `cwd`, with no checkout on the path."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv in a temporary directory with the wheel of this checkout installed."""
    if importlib.util.find_spec("hatchling") is None:
        pytest.skip("hatchling is not installed (it is in the dev extras: make install)")
    where = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "-w", str(where / "dist"), str(ROOT)],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    wheel = next((where / "dist").glob("asynchronicity-*.whl"))
    venv.EnvBuilder(with_pip=True).create(where / "venv")
    pip = subprocess.run(
        [str(where / "venv/bin/python"), "-m", "pip", "install", "--quiet", str(wheel)],
        capture_output=True, text=True, check=False, timeout=INSTALL_TIMEOUT,
    )  # fmt: skip
    if pip.returncode != 0 and "No matching distribution" in pip.stderr:
        pytest.skip(f"the dependencies cannot be installed here: {pip.stderr.strip()[-200:]}")
    assert pip.returncode == 0, pip.stderr
    return where / "venv"


def test_the_wheel_is_the_whole_tool(installed: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    tool = installed / "bin/asynchronicity"

    # One import name in site-packages: what the wheel's RECORD installed sits under it.
    site = next((installed / "lib").glob("python3*/site-packages"))
    record = next(site.glob("asynchronicity-*.dist-info")) / "RECORD"
    tops = {line.split("/")[0] for line in record.read_text().splitlines() if line}
    tops -= {".."}  # the console scripts, in the venv's bin/
    assert {t for t in tops if not t.endswith(".dist-info")} == {"asynchronicity"}
    for name in ("server", "clients"):
        probe = run(installed / "bin/python", "-c", f"import {name}", cwd=elsewhere)
        assert probe.returncode != 0 and "ModuleNotFoundError" in probe.stderr, name

    version = run(tool, "--version", cwd=elsewhere)
    assert version.stdout.strip() == "asynchronicity 0.1.0"
    help_text = run(tool, "compare", "--help", cwd=elsewhere).stdout
    assert help_text.startswith("usage: asynchronicity compare")
    listed = run(tool, "scenarios", cwd=elsewhere).stdout
    assert "quick " in listed and "mempy-2015 " in listed
    template = run(tool, "scenarios", "flaky", cwd=elsewhere).stdout  # a file to copy
    assert tomllib.loads(template)["name"] == "flaky"
    typo = run(tool, "scenarios", "flakey", cwd=elsewhere)
    assert typo.returncode == 2 and "(did you mean 'flaky'?)" in typo.stderr

    missing = run(tool, "compare", "nosuch", cwd=elsewhere)
    assert missing.returncode == 2 and "shipped: " in missing.stderr and "quick" in missing.stderr

    compared = run(tool, "compare", "quick", "--results", tmp_path / "results", cwd=elsewhere)
    assert compared.returncode == 0, compared.stdout + compared.stderr
    saved = next((tmp_path / "results").glob("quick-*.json"))
    document = json.loads(saved.read_text())
    assert {run["client"] for run in document["runs"]} == {
        "blocking", "threaded", "asyncio", "uvloop"
    }  # fmt: skip
    assert all(s["correct"] for s in document["summaries"])

    # The pytest plugin is registered by the wheel (pytest itself is not installed there).
    plugin = run(installed / "bin/python", "-c", PLUGIN_PROBE, cwd=elsewhere)
    assert plugin.stdout.strip() == "asynchronicity.clients.pytest_plugin True", plugin.stderr


PLUGIN_PROBE = """
import importlib.metadata, importlib.util
(entry,) = [e for e in importlib.metadata.entry_points(group="pytest11") if e.name == "usajobs"]
print(entry.value, importlib.util.find_spec(entry.value) is not None)
"""


@pytest.mark.skipif(
    shutil.which("node", path="/usr/bin:/bin") is None, reason="node is not installed"
)
def test_the_node_script_ships_in_the_wheel(installed: Path, tmp_path: Path) -> None:
    scenario = tmp_path / "node.toml"
    scenario.write_text(
        'name = "node"\n[workload]\nzips = ["90011", "10025"]\n'
        '[server]\nlatency = { model = "fixed", value = 0.01 }\n[clients.javascript]\n'
    )
    compared = run(installed / "bin/asynchronicity", "compare", scenario,
                   "--results", tmp_path / "results", cwd=tmp_path)  # fmt: skip
    assert compared.returncode == 0, compared.stdout + compared.stderr
    document = json.loads(next((tmp_path / "results").glob("node-*.json")).read_text())
    assert document["summaries"][0]["correct"] is True


def test_the_installed_server_serves(installed: Path, tmp_path: Path) -> None:
    server = subprocess.Popen(
        [str(installed / "bin/asynchronicity-server"), "--port", "0"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    try:
        assert server.stdout is not None
        url = wait_for_banner(server.stdout, 30)
        assert url is not None, "no `serving on URL` line"
        assert requests.get(f"{url}/health", timeout=10).json()["status"] == "ok"
        demo = requests.get(f"{url}/demo", timeout=10)  # the browser row's page ships too
        assert demo.status_code == 200 and "window.fanout" in demo.text
    finally:
        server.terminate()
        server.wait(timeout=10)
        if server.stdout is not None:
            server.stdout.close()
