"""The scenario keys of the user's own code: where a command runs and a function imports from,
and every mistake in them named by its key."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from clients.errors import ScenarioFileError
from clients.records import ClientSettings
from clients.scenario import parse


def client_table(body: str) -> dict[str, Any]:
    """A scenario document with one client, read from TOML text."""
    return tomllib.loads(f"[workload]\nzips = ['90011']\n[clients.mine]\n{body}")


def test_a_command_client_runs_where_its_path_says(tmp_path: Path) -> None:
    (tmp_path / "code").mkdir()
    scenario = tmp_path / "s.toml"
    scenario.write_text("")
    loaded = parse(
        client_table('kind = "command"\npath = "code"\ncommand = ["sh", "x.sh", "{url}"]'),
        str(scenario),
    )
    settings = loaded.clients[0]
    assert settings.command == ("sh", "x.sh", "{url}")
    assert settings.path == str(tmp_path / "code")
    assert ClientSettings.from_dict(settings.to_dict()) == settings  # a tuple again


def test_a_function_client_defaults_to_the_scenarios_folder(tmp_path: Path) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text("")
    loaded = parse(client_table('kind = "python"\nfunction = "pkg.mod:fetch_all"'), str(scenario))
    assert (loaded.clients[0].function, loaded.clients[0].path) == (
        "pkg.mod:fetch_all",
        str(tmp_path),
    )
    assert loaded.clients[0].loop is None


@pytest.mark.parametrize(
    ("body", "key", "message"),
    [
        pytest.param('kind = "command"', "clients.mine.command", "is required",
                     id="command-missing"),
        pytest.param('kind = "command"\ncommand = []', "clients.mine.command",
                     "non-empty list of strings", id="command-empty"),
        pytest.param('kind = "command"\ncommand = "curl"', "clients.mine.command",
                     "non-empty list of strings", id="command-not-a-list"),
        pytest.param('kind = "command"\ncommand = ["x", "{zip_file}"]', "clients.mine.command",
                     "unknown placeholder {zip_file} (did you mean 'zips_file'?)",
                     id="placeholder-typo"),
        pytest.param('kind = "command"\ncommand = ["x", "{url"]', "clients.mine.command",
                     "write {{ and }} for braces", id="unbalanced-brace"),
        pytest.param('kind = "command"\ncommand = ["x"]\npath = "nowhere"', "clients.mine.path",
                     "no such folder", id="path-missing"),
        pytest.param('kind = "command"\ncommand = ["x"]\nfunction = "a:b"',
                     "clients.mine.function", "only a python client takes function",
                     id="function-on-a-command"),
        pytest.param('kind = "python"', "clients.mine.function", "is required",
                     id="function-missing"),
        pytest.param('kind = "python"\nfunction = "fetch.py"', "clients.mine.function",
                     'must be "module:callable"', id="function-not-a-spec"),
        pytest.param('kind = "python"\nfunction = "a:b"\nloop = "trio"', "clients.mine.loop",
                     "must be one of asyncio, uvloop", id="loop-unknown"),
        pytest.param('kind = "asyncio"\ncommand = ["x"]', "clients.mine.command",
                     "only a command client takes command", id="command-on-asyncio"),
        pytest.param('kind = "asyncio"\npath = "."', "clients.mine.path",
                     "only a command or python client takes path", id="path-on-asyncio"),
    ],
)  # fmt: skip
def test_bad_code_keys_name_the_key(body: str, key: str, message: str) -> None:
    with pytest.raises(ScenarioFileError) as caught:
        parse(client_table(body), "t.toml")
    assert caught.value.key == key
    assert message in str(caught.value)
