"""The blocking request loop shared by the blocking, threaded and process clients."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import requests

from ..protocol import (
    Answer,
    backoff_delay,
    is_retryable,
    request_url,
    retry_after,
    to_attempt,
)
from ..records import Attempt, ClientSettings

Getter = Callable[[str, float], Answer]
CHUNK = 16_384  # bytes read at a time, between deadline checks


def requests_getter(session: Any = requests) -> Getter:
    """A getter over `requests` (module-level `get`, or a Session's) that never raises."""

    def get(url: str, timeout: float) -> Answer:
        # requests' own timeout is per socket read; the scenario's is for the whole request,
        # as aiohttp's and Node's are, so the body is read against one deadline.
        deadline = time.monotonic() + timeout
        try:
            with session.get(url, timeout=timeout, stream=True) as response:
                chunks = []
                for chunk in response.iter_content(CHUNK):
                    chunks.append(chunk)
                    if time.monotonic() > deadline:
                        return Answer(None, error="timeout")
                return Answer(response.status_code, b"".join(chunks), response.headers)
        except requests.Timeout:
            return Answer(None, error="timeout")
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
            return Answer(None, error="payload")
        except requests.ConnectionError:
            return Answer(None, error="connection")
        except requests.RequestException as error:
            return Answer(None, error=type(error).__name__)

    return get


def fetch_zip(
    get: Getter,
    base_url: str,
    settings: ClientSettings,
    zip_code: str,
    clock: Callable[[], float],
    lane: int = 0,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Attempt]:
    """Ask for one zip, retrying as the settings say; every attempt is recorded."""
    url = request_url(base_url, settings, zip_code)
    timeout = settings.timeout / settings.speed
    attempts: list[Attempt] = []
    for number in range(settings.retries + 1):
        start = clock()
        answer = get(url, timeout)
        attempt = to_attempt(zip_code, number, start, clock(), answer, settings.api, lane)
        attempts.append(attempt)
        if attempt.ok or not is_retryable(attempt.status, attempt.error):
            break
        if number < settings.retries:
            sleep(backoff_delay(settings, number + 1, retry_after(answer.headers or {})))
    return attempts
