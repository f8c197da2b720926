"""The blocking request loop shared by the blocking, threaded and process clients: one
request at a time in the calling thread, or a request and its hedge in two threads of their own."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import requests

from ..arrivals import Due
from ..cpuwork import after_answer
from ..policy import Policy, Step, Tries, settles
from ..protocol import Answer, request_url, retry_after, to_attempt
from ..records import CANCELLED, Attempt, ClientSettings

Getter = Callable[[str, float], Answer]
CHUNK = 16_384  # bytes read at a time, between deadline checks


def requests_getter(session: Any = requests, mark: dict[str, str] | None = None) -> Getter:
    """A getter over `requests` (module-level `get`, or a Session's) that never raises; each
    request carries the headers of `mark` (the run's tag)."""

    def get(url: str, timeout: float) -> Answer:
        # requests' own timeout is per socket read; the scenario's is for the whole request,
        # as aiohttp's and Node's are, so the body is read against one deadline.
        deadline = time.monotonic() + timeout
        try:
            with session.get(url, timeout=timeout, stream=True, headers=mark) as response:
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


Record = Callable[[int, bool, float, float, Answer], Attempt]  # number, hedge, start, end


def race(
    get: Getter,
    url: str,
    timeout: float,
    number: int,
    after: float,
    tries: Tries,
    clock: Callable[[], float],
    record: Record,
) -> tuple[list[tuple[Attempt, Answer]], list[tuple[int, bool, float]]]:
    """A request in a thread of its own, and a second one in another if the first has not
    answered `after` seconds on (when the policy allows): the first answer that settles it
    wins. A blocking call cannot be cancelled, so the loser runs on in its thread to its own
    end (the timeout bounds it) while the zip goes on. Returns the attempts that ended, with
    their answers, and (number, hedge, start) of each abandoned."""  # fmt: skip
    answers: queue.SimpleQueue[tuple[Attempt, Answer]] = queue.SimpleQueue()
    sent: list[tuple[int, bool, float]] = []

    def launch(n: int, hedge: bool) -> None:
        start = clock()
        sent.append((n, hedge, start))

        def work() -> None:
            answer = get(url, timeout)
            answers.put((record(n, hedge, start, clock(), answer), answer))

        threading.Thread(target=work, daemon=True).start()

    launch(number, False)
    ended: list[tuple[Attempt, Answer]] = []
    try:
        ended.append(answers.get(timeout=after))
    except queue.Empty:
        if tries.may_hedge():
            launch(number + 1, True)
    while len(ended) < len(sent) and not any(settles(a) for a, _ in ended):
        ended.append(answers.get())
    done = {a.attempt for a, _ in ended}
    return ended, [s for s in sent if s[0] not in done]


def fetch_zip(
    get: Getter,
    base_url: str,
    settings: ClientSettings,
    zip_code: str,
    clock: Callable[[], float],
    policy: Policy,
    lane: int = 0,
    sleep: Callable[[float], None] = time.sleep,
    due: Due | None = None,
) -> list[Attempt]:
    """Ask for one zip, hedging and retrying as the policy says; every attempt is recorded
    (an open-loop request's with its number and due time). After its answer, the
    workload's CPU work (`cpuwork`), in this thread."""
    url = request_url(base_url, settings, zip_code)
    timeout = settings.timeout / settings.speed
    tries = policy.tries(zip_code if due is None else f"{zip_code}/{due.index}")
    after = tries.hedge_after()

    def record(n: int, hedge: bool, start: float, end: float, answer: Answer) -> Attempt:
        attempt = to_attempt(zip_code, n, start, end, answer, settings.api, lane)
        return replace(attempt, hedge=True) if hedge else attempt

    attempts: list[Attempt] = []
    while True:
        number = len(attempts)
        abandoned: list[tuple[int, bool, float]] = []
        if after is None:
            start = clock()
            answer = get(url, timeout)
            found = [(record(number, False, start, clock(), answer), answer)]
        else:
            found, abandoned = race(get, url, timeout, number, after, tries, clock, record)
        attempts += [a for a, _ in found]
        attempts += [Attempt(zip_code, n, t0, clock(), error=CANCELLED, lane=lane, hedge=hedge)
                     for n, hedge, t0 in abandoned]  # fmt: skip
        ranked = sorted(found, key=lambda item: not item[0].ok)  # an answer before a failure
        last, answer = next(((a, r) for a, r in ranked if settles(a)), found[-1])
        decision = tries.after(last, retry_after(answer.headers or {}))
        if decision.step is not Step.RETRY:
            if last.ok:
                after_answer(answer.body, settings)
            attempts.sort(key=lambda a: a.attempt)
            if due is None:
                return attempts
            return [replace(a, request=due.index, due=due.at) for a in attempts]
        sleep(decision.delay)


def when_due(
    plan: Sequence[Due],
    start: Callable[[Due], None],
    clock: Callable[[], float],
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Call `start` for each request of `plan` when it is due on `clock` (at once when
    already late): a blocking `start` makes the requests after it late, and that is counted."""
    for due in plan:
        wait = due.at - clock()
        if wait > 0:
            sleep(wait)
        start(due)
