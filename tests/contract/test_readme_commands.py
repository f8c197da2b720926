"""The README's and the docs' commands work as written from a fresh shell (no activated venv),
and `make help` shows the port and scenario it would use, not the Makefile's variable names."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from tests.helpers import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README] + [page.read_text(encoding="utf-8") for page in DOCS]
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"


def test_every_python_command_in_the_readme_and_the_docs_names_the_venv() -> None:
    bare = [
        line
        for text in PAGES
        for line in text.splitlines()
        if re.search(r"(?<!\.venv/bin/)python3? -m ", line)
    ]
    assert bare == []


def plain_environment() -> dict[str, str]:
    """This environment as a fresh shell has it: no venv on PATH, none activated."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    venv_bin = str(VENV_PYTHON.parent)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    return env


@pytest.mark.slow
@pytest.mark.skipif(not VENV_PYTHON.exists(), reason="no .venv here (run `make install`)")
@pytest.mark.parametrize("module", ["clients", "server"])
def test_the_readme_module_commands_run_as_written(module: str) -> None:
    assert any(f"`.venv/bin/python -m {module}" in text for text in PAGES)
    done = subprocess.run(
        [".venv/bin/python", "-m", module, "--help"],
        cwd=ROOT, env=plain_environment(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: ")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_help_shows_the_port_and_scenario_it_uses() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PORT", "SCENARIO")}

    def menu(*assignments: str) -> str:
        done = subprocess.run(
            ["make", "--no-print-directory", "-s", "help", *assignments],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    default, chosen = menu(), menu("PORT=9001", "SCENARIO=scenarios/flaky.toml")
    assert "$(" not in default and "$(" not in chosen
    assert "make serve      run the fake usajobs API on 127.0.0.1:8080\n" in default
    assert "run every client of scenarios/quick.toml and print the table" in default
    assert "127.0.0.1:9001" in chosen and "run every client of scenarios/flaky.toml" in chosen
