"""`blocking_in_async.py`, fixed: the same coroutines, with a request that awaits (aiohttp).

While one request waits for its answer the loop runs the others, so the zips overlap; the
note about the blocked loop goes away. (Where a blocking library cannot be replaced,
`await asyncio.to_thread(requests.get, ...)` is the other fix.)
"""

from __future__ import annotations

import asyncio

import aiohttp


async def count(session: aiohttp.ClientSession, base_url: str, zip_code: str) -> int:
    """One zip's TotalJobs, awaiting the answer."""
    async with session.get(f"{base_url}/api/jobs", params={"LocationId": zip_code}) as response:
        return int((await response.json())["TotalJobs"])


async def total_jobs(zips: list[str], base_url: str, timeout: float = 10.0) -> int:
    """The sum of every zip's TotalJobs, a task per zip, all in flight together."""
    limit = aiohttp.ClientTimeout(total=timeout)
    async with aiohttp.ClientSession(timeout=limit) as session:
        return sum(await asyncio.gather(*(count(session, base_url, z) for z in zips)))


if __name__ == "__main__":  # python examples/blocking_in_async_fixed.py URL ZIP [ZIP ...]
    import sys

    print(f"jobs available: {asyncio.run(total_jobs(sys.argv[2:], sys.argv[1]))}")
