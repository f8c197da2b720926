"""`python -m clients run NAME`: the talk's six-line block, and one-line errors."""

from __future__ import annotations

import re
from typing import Any

import pytest

from clients import cli
from clients.harness.sampler import vm_peak
from tests.helpers import free_port, jobs_in

BLOCK = [
    re.compile(r"jobs available: (\d+)"),
    re.compile(r"mem: (\d+)"),
    re.compile(r"utime: (\d+\.\d{3})"),
    re.compile(r"stime: (\d+\.\d{3})"),
    re.compile(r"cpu: (\d+\.\d{3})"),
    re.compile(r"time: (\d+\.\d{3})"),
    re.compile(r"vmem: (\d+)"),  # not the talk's: peak virtual memory growth (Linux)
]


def parse_block(out: str) -> list[str]:
    """The talk's six values (and vmem where measured), each line checked against its pattern."""
    lines = out.splitlines()
    assert len(lines) in (6, 7), out
    values = []
    for pattern, line in zip(BLOCK, lines, strict=False):
        match = pattern.fullmatch(line)
        assert match, (pattern.pattern, line)
        values.append(match.group(1))
    utime, stime, cpu = (float(v) for v in values[2:5])
    assert cpu == pytest.approx(utime + stime, abs=0.0015)  # each rounded to 1 ms
    return values


@pytest.mark.slow  # `run` starts a worker process, as compare does
@pytest.mark.parametrize(
    "extra",
    [
        pytest.param([], id="default"),
        pytest.param(["--api", "search"], id="search"),
        pytest.param(["--concurrency", "5"], id="limited"),
    ],
)
@pytest.mark.parametrize("kind", ["blocking", "threaded", "asyncio", "uvloop"])
def test_run_prints_the_talk_block(
    live_server: Any, capsys: pytest.CaptureFixture[str], kind: str, extra: list[str]
) -> None:
    code = cli.main(["run", kind, "--url", live_server.url, "--zips", "mempy-2015", *extra])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.err == ""
    values = parse_block(captured.out)
    assert values[0] == "1651"
    # The worker compare starts measured it: peak virtual memory too, where /proc says.
    assert (len(values) == 7) == (vm_peak() is not None)


@pytest.mark.parametrize(
    "zips",
    [
        pytest.param("79936,90011,00926", id="list"),
        pytest.param(" 79936 , 90011,00926, ", id="spaces-and-trailing-comma"),
    ],
)
@pytest.mark.slow
def test_run_with_a_zip_list(
    live_server: Any, capsys: pytest.CaptureFixture[str], zips: str
) -> None:
    code = cli.main(["run", "asyncio", "--url", live_server.url, "--zips", zips])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    expected = jobs_in(("79936", "90011", "00926"))
    assert parse_block(captured.out)[0] == str(expected)


@pytest.mark.slow
def test_run_with_retries_survives_faults(
    live_server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    live_server.put_scenario({"seed": 0, "server": {"faults": {"error_503": 0.1}}})
    argv = ["run", "threaded", "--url", live_server.url, "--retries", "4", "--timeout", "5"]
    code = cli.main(argv)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert parse_block(captured.out)[0] == "1651"


@pytest.mark.parametrize(
    ("zips", "shown"),
    [
        pytest.param("1234", "'1234'", id="short-zip"),
        pytest.param("79936,9001x", "'9001x'", id="bad-zip-in-list"),
        pytest.param("mempy-2016", "'mempy-2016'", id="unknown-set"),
        pytest.param(",", "','", id="only-commas"),
    ],
)
def test_run_bad_zips_is_one_line(
    live_server: Any, capsys: pytest.CaptureFixture[str], zips: str, shown: str
) -> None:
    code = cli.main(["run", "asyncio", "--url", live_server.url, "--zips", zips])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err == (
        f"error: --zips: {shown} is neither a 5-digit zip nor a set (mempy-2015)\n"
    )


def test_run_unreachable_url_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    code = cli.main(["run", "blocking", "--url", url, "--zips", "79936"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err == (
        f"error: --url {url}: no fake server answers there (try `make serve`)\n"
    )


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        pytest.param(["--concurrency", "-1"], "--concurrency: must be >= 0, got -1", id="conc"),
        pytest.param(["--retries", "-2"], "--retries: must be >= 0, got -2", id="retries"),
        pytest.param(
            ["--timeout", "0"], "--timeout: must be > 0 and <= 3600 seconds, got 0.0", id="timeout"
        ),
        pytest.param(
            ["--timeout", "nan"],
            "--timeout: must be > 0 and <= 3600 seconds, got nan",
            id="timeout-nan",
        ),
        pytest.param(
            ["--timeout", "inf"],
            "--timeout: must be > 0 and <= 3600 seconds, got inf",
            id="timeout-inf",
        ),
    ],
)
def test_run_bad_numbers_are_one_line(
    capsys: pytest.CaptureFixture[str], flags: list[str], message: str
) -> None:
    code = cli.main(["run", "asyncio", "--url", "http://127.0.0.1:9", *flags])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err == f"error: {message}\n"
