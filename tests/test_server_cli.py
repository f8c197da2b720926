"""`python -m server` as a real subprocess: it serves, it stops, and it fails in one line."""

from __future__ import annotations

import os
import selectors
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from aiohttp import web

from tests.helpers import free_port

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
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

    def fake_run_app(app: object, *, sock: socket.socket, **kwargs: object) -> None:
        sock.listen()  # what run_app's site does; the banner should come no earlier than this
        callback = kwargs.get("print")
        if callable(callback):  # run_app calls its `print` once the site is listening
            callback(f"======== Running on http://{sock.getsockname()[0]} ========")

    monkeypatch.setattr(cli, "bind", recording_bind)
    monkeypatch.setattr(cli, "print", banner, raising=False)
    monkeypatch.setattr(cli, "raise_open_file_limit", lambda: None)
    monkeypatch.setattr(web, "run_app", fake_run_app)
    monkeypatch.setattr(cli, "new_loop", lambda name: None)
    try:
        assert cli.main(["--port", "0"]) == 0
    finally:
        for sock in sockets:
            sock.close()
    assert listening_at_banner == [1]


def test_a_scenario_file_with_a_bom_is_served(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbfseed = 21\n")
    port = free_port()
    with running("--port", str(port), "--scenario", str(path)) as process:
        first_line(process)
        assert get_health(f"http://127.0.0.1:{port}").json()["seed"] == 21


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
