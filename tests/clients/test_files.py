"""The one bounded reader: every file the clients are handed is read to 16 MiB at most (a saved
result, their own output, to 128 MiB), and anything past that is one line naming the file — a
device, a pipe or a huge file alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clients import cli, files
from clients.errors import FileTooLarge
from clients.results.document import load_any
from tests import builders

LIMIT = files.MAX_FILE_BYTES


def huge(tmp_path: Path, name: str, limit: int = LIMIT) -> Path:
    """A file one byte over `limit` (sparse: no disk is spent on it)."""
    path = tmp_path / name
    with path.open("wb") as file:
        file.truncate(limit + 1)
    return path


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["compare", "/dev/zero"], id="compare-dev-zero"),
        pytest.param(["compare", "HUGE.toml"], id="compare-huge-scenario"),
        pytest.param(["report", "HUGE.json"], id="report-huge-result"),
        pytest.param(["timeline", "/dev/zero"], id="timeline-dev-zero"),
        pytest.param(["export", "HUGE.json", "-o", "out.md"], id="export-huge-result"),
        pytest.param(["diff", "HUGE.json", "HUGE.json"], id="diff-huge-results"),
    ],
)
def test_a_file_over_the_limit_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    named = {"HUGE.toml": huge(tmp_path, "HUGE.toml"),
             "HUGE.json": huge(tmp_path, "HUGE.json", files.MAX_RESULT_BYTES)}  # fmt: skip
    argv = [str(named.get(part, part)) for part in command]
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    [line] = captured.err.splitlines()
    shown = argv[1]
    limit = "16 MiB (16777216 bytes)" if command[0] == "compare" else "128 MiB (134217728 bytes)"
    assert line.startswith(f"error: {shown}: ") and f"over the {limit} limit" in line
    assert captured.out == ""


def test_a_regular_file_says_its_size_and_nothing_is_read(tmp_path: Path) -> None:
    with pytest.raises(FileTooLarge, match=r"16777217 bytes is over the 16 MiB"):
        files.read_bytes(huge(tmp_path, "big.toml"))


@pytest.mark.parametrize(
    ("size", "fits"),
    [pytest.param(10, True, id="at-the-limit"), pytest.param(11, False, id="one-past-it")],
)
def test_the_limit_is_inclusive(tmp_path: Path, size: int, fits: bool) -> None:
    path = tmp_path / "small"
    path.write_bytes(b"x" * size)
    if fits:
        assert files.read_bytes(path, limit=10) == b"x" * size
    else:
        with pytest.raises(FileTooLarge):
            files.read_bytes(path, limit=10)


def test_a_saved_result_over_16_mib_is_read_back(tmp_path: Path) -> None:
    # What compare writes for 10,000 zips and four clients (19 MB) must load for `report`.
    doc = builders.compare_doc()
    doc["scenario"]["description"] = "x" * (LIMIT + 1)
    path = tmp_path / "big.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert path.stat().st_size > LIMIT
    assert load_any(path)["scenario"]["description"] == doc["scenario"]["description"]
