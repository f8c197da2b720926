"""Pure tests of `clients.protocol`: URLs, counts, Server-Timing, and the retry policy."""

from __future__ import annotations

import json
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest
from requests.structures import CaseInsensitiveDict

from clients.errors import Malformed
from clients.protocol import (
    Answer,
    is_retryable,
    pack_lanes,
    parse_count,
    parse_server_timing,
    request_url,
    retry_after,
    to_attempt,
    total_jobs,
)
from clients.records import Attempt, ClientSettings

JOBS = ClientSettings(kind="blocking")
SEARCH = ClientSettings(kind="blocking", api="search")


def jobs_body(total: int | str) -> bytes:
    """A 2015 `/api/jobs` envelope (the real API sent TotalJobs as a string)."""
    return json.dumps({"TotalJobs": str(total), "JobData": []}).encode()


def search_body(total: int) -> bytes:
    """A `/api/search` envelope."""
    return json.dumps(
        {"SearchResult": {"SearchResultCount": 0, "SearchResultCountAll": total, "Items": []}}
    ).encode()


# --- request_url --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "path", "query"),
    [
        pytest.param(JOBS, "/api/jobs", {"LocationId": ["79936"]}, id="jobs"),
        pytest.param(SEARCH, "/api/search", {"LocationName": ["79936"]}, id="search"),
        pytest.param(
            replace(JOBS, per_page=10),
            "/api/jobs",
            {"LocationId": ["79936"], "NumberOfJobs": ["10"]},
            id="jobs-per-page",
        ),
        pytest.param(
            replace(SEARCH, per_page=0),
            "/api/search",
            {"LocationName": ["79936"], "ResultsPerPage": ["0"]},
            id="search-per-page-zero",
        ),
    ],
)
def test_request_url(settings: ClientSettings, path: str, query: dict[str, list[str]]) -> None:
    url = urlsplit(request_url("http://127.0.0.1:8080", settings, "79936"))
    assert (url.scheme, url.netloc, url.path) == ("http", "127.0.0.1:8080", path)
    assert parse_qs(url.query, keep_blank_values=True) == query


@pytest.mark.parametrize(
    "base",
    [
        pytest.param("http://h:1", id="bare"),
        pytest.param("http://h:1/", id="trailing-slash"),
        pytest.param("http://h:1///", id="many-slashes"),
    ],
)
def test_request_url_trailing_slashes(base: str) -> None:
    assert request_url(base, JOBS, "00926") == "http://h:1/api/jobs?LocationId=00926"


def test_request_url_keeps_leading_zeros() -> None:
    assert request_url("http://h", SEARCH, "08701").endswith("LocationName=08701")


# --- parse_count --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "api", "count"),
    [
        pytest.param(jobs_body(16), "jobs", 16, id="jobs-string-count"),
        pytest.param(b'{"TotalJobs": 7}', "jobs", 7, id="jobs-int-count"),
        pytest.param(jobs_body(0), "jobs", 0, id="jobs-zero"),
        pytest.param(search_body(33), "search", 33, id="search"),
        pytest.param(search_body(0), "search", 0, id="search-zero"),
    ],
)
def test_parse_count(body: bytes, api: str, count: int) -> None:
    assert parse_count(body, api) == count


@pytest.mark.parametrize(
    ("body", "api"),
    [
        pytest.param(b"", "jobs", id="empty"),
        pytest.param(b'{"TotalJobs": "1', "jobs", id="truncated-json"),
        pytest.param(b"<html>oops</html>", "jobs", id="html"),
        pytest.param(b"null", "jobs", id="null"),
        pytest.param(b"[1, 2]", "jobs", id="list"),
        pytest.param(b"{}", "jobs", id="missing-key"),
        pytest.param(b'{"TotalJobs": null}', "jobs", id="null-count"),
        pytest.param(b'{"TotalJobs": "many"}', "jobs", id="word-count"),
        pytest.param(b"\xff\xfe\x00", "jobs", id="not-utf8"),
        pytest.param(search_body(5), "jobs", id="search-envelope-on-jobs"),
        pytest.param(jobs_body(5), "search", id="jobs-envelope-on-search"),
        pytest.param(b'{"SearchResult": {}}', "search", id="search-missing-count"),
        pytest.param(b'{"SearchResult": 5}', "search", id="search-not-a-table"),
    ],
)
def test_parse_count_malformed(body: bytes, api: str) -> None:
    with pytest.raises(Malformed):
        parse_count(body, api)


# --- Server-Timing ------------------------------------------------------------------------


def test_parse_server_timing_as_the_server_sends_it() -> None:
    header = "intended;dur=100.000, queue;dur=2.500, overshoot;dur=0.125"
    assert parse_server_timing(header) == pytest.approx(
        {"intended": 0.1, "queue": 0.0025, "overshoot": 0.000125}
    )


@pytest.mark.parametrize(
    ("header", "parsed"),
    [
        pytest.param(None, {}, id="absent"),
        pytest.param("", {}, id="empty"),
        pytest.param("garbage", {}, id="garbage"),
        pytest.param("intended;desc=x", {}, id="no-duration"),
        pytest.param("intended;dur=5", {"intended": 0.005}, id="integer-ms"),
        pytest.param("db;dur=1,intended;dur=3", {"db": 0.001, "intended": 0.003}, id="other-names"),
        pytest.param("overshoot;dur=-0.5", {"overshoot": -0.0005}, id="a-timer-that-fired-early"),
    ],
)
def test_parse_server_timing_edges(header: str | None, parsed: dict[str, float]) -> None:
    assert parse_server_timing(header) == pytest.approx(parsed)


# --- Retry-After --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "wait"),
    [
        pytest.param({}, None, id="none"),
        pytest.param({"Retry-After": "2"}, 2.0, id="seconds"),
        pytest.param({"Retry-After-Ms": "250"}, 0.25, id="ms"),
        pytest.param({"Retry-After": "1", "Retry-After-Ms": "37"}, 0.037, id="ms-preferred"),
        pytest.param(
            {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, None, id="http-date-ignored"
        ),
        pytest.param({"Retry-After-Ms": "soon", "Retry-After": "3"}, 3.0, id="bad-ms-falls-back"),
        pytest.param({"Retry-After": "-5"}, 0.0, id="negative-clamped"),
        pytest.param({"Retry-After": "0.5"}, 0.5, id="fractional-seconds"),
    ],
)
def test_retry_after(headers: dict[str, str], wait: float | None) -> None:
    assert retry_after(headers) == (None if wait is None else pytest.approx(wait))


def test_retry_after_reads_case_insensitive_headers() -> None:
    headers = CaseInsensitiveDict({"retry-after": "4", "retry-after-ms": "3500"})
    assert retry_after(headers) == pytest.approx(3.5)


# --- is_retryable -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error", "retry"),
    [
        pytest.param(200, None, False, id="ok"),
        pytest.param(None, None, False, id="no-error"),
        pytest.param(400, "http_400", False, id="400"),
        pytest.param(401, "http_401", False, id="401"),
        pytest.param(404, "http_404", False, id="404"),
        pytest.param(429, "http_429", True, id="429"),
        pytest.param(500, "http_500", True, id="500"),
        pytest.param(503, "http_503", True, id="503"),
        pytest.param(None, "timeout", True, id="timeout"),
        pytest.param(None, "connection", True, id="connection"),
        pytest.param(None, "payload", True, id="payload-no-status"),
        pytest.param(200, "payload", True, id="payload"),
        pytest.param(200, "malformed", True, id="malformed"),
    ],
)
def test_is_retryable(status: int | None, error: str | None, retry: bool) -> None:
    assert is_retryable(status, error) is retry


# --- to_attempt ---------------------------------------------------------------------------

TIMING = {"Server-Timing": "intended;dur=12.000, queue;dur=1.000, overshoot;dur=0.500"}


def test_to_attempt_success() -> None:
    body = jobs_body(16)
    attempt = to_attempt("79936", 2, 1.0, 1.25, Answer(200, body, TIMING), "jobs", lane=3)
    assert attempt == Attempt(
        zip="79936",
        attempt=2,
        start=1.0,
        end=1.25,
        status=200,
        bytes=len(body),
        jobs=16,
        error=None,
        lane=3,
        intended=attempt.intended,
        queue=attempt.queue,
        overshoot=attempt.overshoot,
    )
    timing = (attempt.intended, attempt.queue, attempt.overshoot)
    assert timing == pytest.approx((0.012, 0.001, 0.0005))
    assert attempt.ok
    assert attempt.latency == pytest.approx(0.25)


def test_to_attempt_search() -> None:
    attempt = to_attempt("79936", 0, 0.0, 0.1, Answer(200, search_body(9)), "search", 0)
    assert (attempt.jobs, attempt.error, attempt.ok) == (9, None, True)
    assert attempt.intended is None and attempt.queue is None and attempt.overshoot is None


@pytest.mark.parametrize(
    ("answer", "status", "error"),
    [
        pytest.param(Answer(500, b'{"error": "x"}', TIMING), 500, "http_500", id="500"),
        pytest.param(Answer(503, b"{}"), 503, "http_503", id="503"),
        pytest.param(Answer(429, b"{}", {"Retry-After": "1"}), 429, "http_429", id="429"),
        pytest.param(Answer(404, b"{}"), 404, "http_404", id="404"),
        pytest.param(Answer(200, b'{"TotalJobs": "1'), 200, "malformed", id="malformed"),
        pytest.param(Answer(200, search_body(3)), 200, "malformed", id="wrong-envelope"),
        pytest.param(Answer(None, error="timeout"), None, "timeout", id="timeout"),
        pytest.param(Answer(None, error="connection"), None, "connection", id="connection"),
        pytest.param(Answer(None, error="payload"), None, "payload", id="payload"),
        pytest.param(Answer(200, jobs_body(4), error="payload"), 200, "payload", id="given-wins"),
    ],
)
def test_to_attempt_failures(answer: Answer, status: int | None, error: str) -> None:
    attempt = to_attempt("90011", 0, 0.0, 0.5, answer, "jobs", 0)
    assert (attempt.status, attempt.error, attempt.jobs) == (status, error, None)
    assert not attempt.ok
    assert attempt.bytes == len(answer.body)


def test_to_attempt_keeps_timing_of_a_failure() -> None:
    attempt = to_attempt("90011", 1, 0.0, 0.5, Answer(500, b"{}", TIMING), "jobs", 0)
    assert attempt.intended == pytest.approx(0.012)


# --- total_jobs ---------------------------------------------------------------------------


def ok(zip_code: str, jobs: int, number: int = 0) -> Attempt:
    return Attempt(zip=zip_code, attempt=number, start=0.0, end=0.1, status=200, jobs=jobs)


def failed(zip_code: str, number: int = 0, error: str = "http_500") -> Attempt:
    return Attempt(zip=zip_code, attempt=number, start=0.0, end=0.1, status=500, error=error)


@pytest.mark.parametrize(
    ("attempts", "total"),
    [
        pytest.param([], 0, id="nothing"),
        pytest.param([ok("a", 3), ok("b", 4)], 7, id="simple"),
        pytest.param([failed("a"), ok("a", 3, 1), ok("b", 4)], 7, id="retried"),
        pytest.param([ok("a", 3), ok("a", 3, 1)], 3, id="zip-counted-once"),
        pytest.param([failed("a"), failed("a", 1)], 0, id="all-failed"),
        pytest.param([ok("a", 0), ok("b", 5)], 5, id="zero-count"),
        pytest.param(
            [Attempt("a", 0, 0.0, 0.1, status=200, jobs=9, error="payload"), ok("b", 1)],
            1,
            id="count-with-error-ignored",
        ),
    ],
)
def test_total_jobs(attempts: list[Attempt], total: int) -> None:
    assert total_jobs(attempts) == total
    assert total_jobs(tuple(attempts)) == total


def test_pack_lanes_gives_overlapping_attempts_different_lanes() -> None:
    def attempt(zip_code: str, start: float, end: float) -> Attempt:
        return Attempt(zip=zip_code, attempt=0, start=start, end=end, lane=0)

    packed = pack_lanes([attempt("a", 0, 2), attempt("b", 1, 3), attempt("c", 2, 4)])
    assert [(a.zip, a.lane) for a in packed] == [("a", 0), ("b", 1), ("c", 0)]
