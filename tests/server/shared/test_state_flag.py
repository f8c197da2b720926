"""`python -m server --state URL` as real processes: two of them on one store answer as one;
an unreachable store, or one another version wrote, is one line and exit 2, nothing started."""

from __future__ import annotations

import re

import pytest
import redis
import requests

from server.shared.embedded import Engine
from tests.helpers import HOLDER, OTHER_HOLDER
from tests.server.test_cli import first_line, run_to_exit, running

pytestmark = pytest.mark.slow

BANNER = re.compile(r"serving on (http://127\.0\.0\.1:\d+) \(.*state (\S+)\)")


def test_two_processes_on_one_store_answer_as_one(store: Engine) -> None:
    with (
        running("--port", "0", "--state", store.url) as one,
        running("--port", "0", "--state", store.tcp_url) as two,
    ):
        banners = [BANNER.fullmatch(first_line(process)) for process in (one, two)]
        assert all(banners), banners
        first, second = (match[1] for match in banners if match)
        assert [match[2] for match in banners if match] == [store.url, store.tcp_url]
        path = "/api/jobs?LocationId=10001"
        for base in (first, second, first):
            assert requests.get(base + path, timeout=10).status_code == 200
        taken = requests.post(first + "/__admin/lease", json={"holder": HOLDER}, timeout=10)
        refused = requests.post(second + "/__admin/lease", json={"holder": OTHER_HOLDER},
                                timeout=10)  # fmt: skip
        assert (taken.status_code, refused.status_code) == (200, 409)
        entries = requests.get(second + "/__admin/journal", timeout=10).json()["entries"]
        assert sorted(e["attempt"] for e in entries) == [0, 1, 2]
        assert {e["seq"] for e in entries} == {1, 2, 3}
        assert requests.get(first + "/health", timeout=10).json()["workers"] == 2


def test_an_unreachable_store_is_one_line_and_exit_2(store: Engine) -> None:
    url = f"unix://{store.folder}/absent.sock"
    done = run_to_exit("--port", "0", "--state", url)
    assert done.returncode == 2 and done.stdout == ""  # nothing started: no banner
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: --state {url}: unreachable: ")


def test_a_store_another_version_wrote_is_one_line_and_exit_2(store: Engine) -> None:
    with redis.Redis(unix_socket_path=str(store.socket)) as client:
        client.set("asynchronicity:version", "format 0, asynchronicity 0.0.1")
    done = run_to_exit("--port", "0", "--state", store.url)
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "written by another version of the server" in lines[0], lines


def test_a_url_of_another_kind_is_one_line_and_exit_2() -> None:
    done = run_to_exit("--port", "0", "--state", "http://127.0.0.1:1/")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        "error: --state http://127.0.0.1:1/: must be a URL starting redis://, rediss://, "
        "valkey://, valkeys://, unix://"
    ]
