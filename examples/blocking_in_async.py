"""The classic mistake: an `async def` that calls blocking `requests.get` inside the coroutine.

It looks concurrent — a task per zip, gathered — but `requests.get` never yields to the event
loop: each call holds the loop's only thread until its answer is in, so the zips are asked
one after another, exactly like the blocking client, and every other task (and timer) waits.
asynchronicity names it: run `scenarios/blocking-in-async.toml`, and the note under the table
points at the line below that blocks. The fix is `blocking_in_async_fixed.py`.
"""

from __future__ import annotations

import asyncio

import requests


async def count(base_url: str, zip_code: str, timeout: float) -> int:
    """One zip's TotalJobs — through a blocking call, in a coroutine."""
    response = requests.get(
        f"{base_url}/api/jobs", params={"LocationId": zip_code}, timeout=timeout
    )
    return int(response.json()["TotalJobs"])


async def total_jobs(zips: list[str], base_url: str, timeout: float = 10.0) -> int:
    """The sum of every zip's TotalJobs, a task per zip (that cannot overlap)."""
    return sum(await asyncio.gather(*(count(base_url, z, timeout) for z in zips)))


if __name__ == "__main__":  # python examples/blocking_in_async.py URL ZIP [ZIP ...]
    import sys

    print(f"jobs available: {asyncio.run(total_jobs(sys.argv[2:], sys.argv[1]))}")
