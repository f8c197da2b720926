"""`python -m server`: as a real subprocess it serves, stops, and fails in one line (marked slow);
in process, its flags, its scenario files and what it says when bound beyond loopback."""

from __future__ import annotations

import os
import re
import selectors
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from server import cli, logs
from server.accounting.journal import DEFAULT_BYTES
from server.config.documents import MAX_DEPTH, MAX_DOCUMENT_BYTES
from server.errors import ScenarioError
from tests.helpers import free_port

REPO = Path(__file__).resolve().parents[2]
STARTUP_DEADLINE = 15.0  # seconds to wait for the first stdout line; a bound, not an assertion


def spawn(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "server", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(process: subprocess.Popen[str]) -> None:
    """Terminate the process we started (by its PID), killing it if it will not go."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextmanager
def running(*args: str) -> Iterator[subprocess.Popen[str]]:
    process = spawn(*args)
    try:
        yield process
    finally:
        stop(process)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def first_line(process: subprocess.Popen[str]) -> str:
    """The first stdout line, waiting at most STARTUP_DEADLINE seconds for it."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout=STARTUP_DEADLINE):
            pytest.fail(f"no output from the server within {STARTUP_DEADLINE} s")
    line = process.stdout.readline()
    if not line:
        stderr = process.stderr.read() if process.stderr else ""
        pytest.fail(f"server exited ({process.wait()}) before serving: {stderr}")
    return line.rstrip("\n")


def get_health(base: str) -> requests.Response:
    """GET /health at once, no retry: the banner promises the socket is already listening."""
    return requests.get(f"{base}/health", timeout=5)


def run_to_exit(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the server expecting it to exit on its own (bad input); kill it if it does not."""
    process = spawn(*args)
    try:
        stdout, stderr = process.communicate(timeout=STARTUP_DEADLINE)
    finally:
        stop(process)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


@pytest.mark.slow
def test_serves_health_and_stops_on_terminate() -> None:
    port = free_port()
    with running("--port", str(port), "--seed", "5", "--require-key") as process:
        line = first_line(process)
        base = f"http://127.0.0.1:{port}"
        assert line.startswith(f"serving on {base}")
        health = get_health(base)
        assert health.status_code == 200
        assert health.json()["status"] == "ok"
        assert health.json()["seed"] == 5
        assert requests.get(f"{base}/api/search?LocationName=90011", timeout=5).status_code == 401
        jobs = requests.get(f"{base}/api/jobs?LocationId=90011&NumberOfJobs=0", timeout=5)
        assert jobs.json()["TotalJobs"] == "28"
        scenario = requests.get(f"{base}/__admin/scenario", timeout=5).json()
        assert scenario["seed"] == 5

        process.terminate()
        assert process.wait(timeout=10) == 0
        assert process.stderr is not None
        assert "Traceback" not in process.stderr.read()


@pytest.mark.slow
def test_second_instance_on_the_same_port_exits_2() -> None:
    port = free_port()
    with running("--port", str(port)) as first:
        first_line(first)
        assert get_health(f"http://127.0.0.1:{port}").status_code == 200
        second = run_to_exit("--port", str(port))
        assert second.returncode == 2
        assert second.stdout == ""
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1, second.stderr
        assert "in use" in lines[0]
        assert str(port) in lines[0]
        assert "Traceback" not in second.stderr
        assert first.poll() is None  # the first one is undisturbed
        assert get_health(f"http://127.0.0.1:{port}").status_code == 200


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "words"),
    [
        pytest.param(
            'seed = 1\n[server]\nlatancy = {model = "fixed", value = 0.1}\n',
            "server.latancy",
            id="unknown-server-key",
        ),
        pytest.param(
            '[server.latency]\nmodel = "fixed"\nvalue = -1\n',
            "server.latency.value",
            id="out-of-range",
        ),
        pytest.param("[server\nlatency = 1\n", "not valid TOML", id="invalid-toml"),
        pytest.param(
            '[server.latency]\nmodle = "fixed"\nvalue = 1\n',
            "did you mean 'model'",
            id="model-typo",
        ),
        pytest.param(
            "a = " + "{b = " * 5000 + "1" + "}" * 5000 + "\n", "nested too deeply", id="deep-tables"
        ),
        pytest.param(
            "a = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply", id="deep-arrays"
        ),
        pytest.param(None, "cannot read", id="missing-file"),
    ],
)
def test_bad_scenario_file_exits_2_in_one_line(
    tmp_path: Path, text: str | None, words: str
) -> None:
    path = tmp_path / "bad.toml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    result = run_to_exit("--port", str(free_port()), "--scenario", str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(path) in lines[0]
    assert words in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_banner_is_printed_only_once_the_socket_listens(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # In-process and deterministic: at the moment of the banner, is the socket listening?
    from server import cli

    sockets: list[socket.socket] = []
    listening_at_banner: list[int] = []
    real_bind = cli.bind

    def recording_bind(host: str, port: int) -> socket.socket:
        sockets.append(real_bind(host, port))
        return sockets[-1]

    def banner(*args: object, **kwargs: object) -> None:
        listening_at_banner.append(sockets[0].getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN))

    def fake_run(runner: object, sock: socket.socket, loop: object, **kwargs: object) -> None:
        sock.listen()  # what the site does; the banner should come no earlier than this

    monkeypatch.setattr(cli, "bind", recording_bind)
    monkeypatch.setattr(cli, "print", banner, raising=False)
    monkeypatch.setattr(cli, "raise_descriptor_limit", lambda: 1024)
    monkeypatch.setattr(cli, "run", fake_run)
    monkeypatch.setattr(cli, "new_loop", lambda name: None)
    try:
        assert cli.main(["--port", "0"]) == 0
    finally:
        for sock in sockets:
            sock.close()
    assert listening_at_banner == [1]


@pytest.mark.slow
def test_a_scenario_file_with_a_bom_is_served(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbfseed = 21\n")
    port = free_port()
    with running("--port", str(port), "--scenario", str(path)) as process:
        first_line(process)
        assert get_health(f"http://127.0.0.1:{port}").json()["seed"] == 21


@pytest.mark.slow
def test_malformed_requests_are_one_stderr_line_each() -> None:
    port = free_port()
    refused = [
        b"GET /" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(200)) + b"\r\n",
        b"POST /__admin/reset HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    ]
    with running("--port", str(port)) as process:
        first_line(process)
        for raw in refused:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall(raw)
                assert b" 400 " in sock.recv(100)
        assert get_health(f"http://127.0.0.1:{port}").status_code == 200
        process.terminate()
        process.wait(timeout=10)
        assert process.stderr is not None
        stderr = process.stderr.read()
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == len(refused), stderr
    assert all(
        line.startswith("server: refused a malformed request from 127.0.0.1: 400 ")
        for line in lines
    )


# --- the command line: --journal-size and --loop --------------------------------------------


@pytest.mark.slow
def test_the_server_runs_on_uvloop_by_default_and_says_so() -> None:
    pytest.importorskip("uvloop")
    banner = first_banner_line()
    assert re.search(r"loop uvloop, [0-9,]+ file descriptors\)$", banner), banner
    assert re.search(
        r"loop asyncio, [0-9,]+ file descriptors\)$", first_banner_line("--loop", "asyncio")
    )


def first_banner_line(*args: str) -> str:
    process = subprocess.Popen(
        [sys.executable, "-m", "server", "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        return process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


@pytest.mark.parametrize("size", ["-1", "100000001"])
def test_a_bad_journal_size_is_one_line_and_exit_2(
    size: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--port", "0", "--journal-size", size]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: --journal-size: must be 0 to 100,000,000, got {size}"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("1048576", 1 << 20, id="bytes"),
        pytest.param("64K", 64 << 10, id="kib"),
        pytest.param("256M", 256 << 20, id="mib"),
        pytest.param("2g", 2 << 30, id="gib-lowercase"),
        pytest.param("0", 0, id="off"),
    ],
)
def test_journal_bytes_reads_a_size(text: str, expected: int) -> None:
    assert cli.parse_bytes(text) == expected


def test_the_journal_has_a_byte_budget_by_default() -> None:
    assert cli.parse_bytes(cli.build_parser().parse_args([]).journal_bytes) == DEFAULT_BYTES


@pytest.mark.parametrize("text", ["-1", "1.5M", "lots", "65T", "1e9"])
def test_a_bad_journal_budget_is_one_line_and_exit_2(
    text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--port", "0", "--journal-bytes", text]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("error: --journal-bytes: must be a size such as 256M")
    assert line.endswith(f"got {text!r}")


# --- nesting and size ------------------------------------------------------------------------


def nested(depth: int, kind: str) -> str:
    if kind == "table":
        return "a = " + "{b = " * depth + "1" + "}" * depth + "\n"
    return "a = " + "[" * depth + "]" * depth + "\n"


@pytest.mark.parametrize("kind", ["table", "array"])
def test_a_scenario_file_nested_5000_deep_is_one_line(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "deep.toml"
    path.write_text(nested(5000, kind), encoding="utf-8")
    with pytest.raises(ScenarioError) as error:
        cli.load_config(path, None)
    assert "nested too deeply" in str(error.value)


def test_a_readable_but_too_deep_scenario_names_where(tmp_path: Path) -> None:
    inner = '{weight = 1, model = "fixed", value = 1}'
    for _ in range(20):
        inner = f'{{weight = 1, model = "mixture", components = [{inner}]}}'
    path = tmp_path / "mixture.toml"
    path.write_text(f'[server.latency]\nmodel = "mixture"\ncomponents = [{inner}]\n')
    with pytest.raises(ScenarioError) as error:
        cli.load_config(path, None)
    assert error.value.key.startswith("server.latency.components[0].components[0]")
    assert f"nested more than {MAX_DEPTH} levels deep" in str(error.value)


def test_a_scenario_file_with_a_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b'\xef\xbb\xbfseed = 3\n[server.latency]\nmodel = "fixed"\nvalue = 0.5\n')
    config = cli.load_config(path, None)
    assert config.seed == 3
    assert config.document["server"] == {"latency": {"model": "fixed", "value": 0.5}}


def test_a_scenario_file_over_the_limit_names_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.toml"
    path.write_bytes(b"#" * (MAX_DOCUMENT_BYTES + 1) + b"\n")
    with pytest.raises(ScenarioError) as error:
        cli.load_config(path, None)
    assert f"{MAX_DOCUMENT_BYTES + 2} bytes is over the 16 MiB ({MAX_DOCUMENT_BYTES} bytes)" in (
        str(error.value)
    )


# --- a server bound beyond loopback says so --------------------------------------------------


@pytest.mark.parametrize(
    ("host", "said"),
    [
        pytest.param("127.0.0.1", False, id="loopback"),
        pytest.param("::1", False, id="loopback-v6"),
        pytest.param("0.0.0.0", True, id="everything"),
        pytest.param("::", True, id="everything-v6"),
        pytest.param("192.168.1.20", True, id="lan"),
        pytest.param("", True, id="empty-binds-everything"),
    ],
)
def test_exposure_notice(host: str, said: bool) -> None:
    notice = cli.exposure(host)
    assert (notice is not None) is said
    if notice is not None:
        assert "/health" in notice and "/metrics" in notice
        assert "loopback peers only" in notice
        assert "\n" not in notice


class FakeSocket:
    """A listening socket as main() sees it, bound (so it says) to every address."""

    def getsockname(self) -> tuple[str, int]:
        return ("0.0.0.0", 8080)

    def close(self) -> None:
        pass


def test_main_says_in_one_line_when_bound_beyond_loopback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # No socket is really bound beyond loopback: `bind` and `run_app` are stood in for.
    monkeypatch.setattr(cli, "bind", lambda host, port: FakeSocket())
    monkeypatch.setattr(cli, "raise_descriptor_limit", lambda: 1024)
    monkeypatch.setattr(cli, "new_loop", lambda name: None)
    monkeypatch.setattr(cli, "run", lambda runner, sock, loop, **kwargs: None)
    monkeypatch.setattr(logs, "install", lambda stream=None: None)
    assert cli.main(["--host", "", "--port", "8080"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("serving on http://0.0.0.0:8080")
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert "reachable from the network" in lines[0]


def test_main_is_quiet_about_exposure_on_loopback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sockets: list[socket.socket] = []
    real_bind = cli.bind

    def loopback(host: str, port: int) -> socket.socket:
        sockets.append(real_bind(host, port))
        return sockets[-1]

    monkeypatch.setattr(cli, "bind", loopback)
    monkeypatch.setattr(cli, "raise_descriptor_limit", lambda: 1024)
    monkeypatch.setattr(cli, "new_loop", lambda name: None)
    monkeypatch.setattr(cli, "run", lambda runner, sock, loop, **kwargs: None)
    monkeypatch.setattr(logs, "install", lambda stream=None: None)
    try:
        assert cli.main(["--port", "0"]) == 0
    finally:
        for sock in sockets:
            sock.close()
    assert capsys.readouterr().err == ""


def test_a_bad_seed_flag_is_named_as_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--seed", "9" * 25, "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --seed: seed: must fit in 64 bits")
    assert len(err.strip().splitlines()) == 1
