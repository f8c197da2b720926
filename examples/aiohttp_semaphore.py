"""The talk's job as one `async def`: aiohttp, a semaphore for the concurrency limit.

asynchronicity calls it as `kind = "python"`, `function = "aiohttp_semaphore:total_jobs"`,
in a fresh process, measured by the same meter as its own clients; it passes `concurrency`,
`timeout` and `retries` because the function names them.
"""

from __future__ import annotations

import asyncio

import aiohttp


async def total_jobs(
    zips: list[str], base_url: str, concurrency: int = 10, timeout: float = 10.0, retries: int = 2
) -> int:
    """The sum of every zip's TotalJobs, at most `concurrency` requests at a time (0: all)."""
    gate = asyncio.Semaphore(concurrency or len(zips))
    limit = aiohttp.ClientTimeout(total=timeout)
    async with aiohttp.ClientSession(timeout=limit) as session:

        async def count(zip_code: str) -> int:
            for attempt in range(retries + 1):
                try:
                    async with (
                        gate,
                        session.get(
                            f"{base_url}/api/jobs", params={"LocationId": zip_code}
                        ) as response,
                    ):
                        if response.status == 200:
                            return int((await response.json())["TotalJobs"])
                except (aiohttp.ClientError, TimeoutError, ValueError, KeyError):
                    pass
                if attempt < retries:
                    await asyncio.sleep(0.05 * 2**attempt)
            raise RuntimeError(f"{zip_code}: no answer after {retries + 1} attempts")

        return sum(await asyncio.gather(*(count(z) for z in zips)))


if __name__ == "__main__":  # python examples/aiohttp_semaphore.py URL ZIP [ZIP ...]
    import sys

    print(f"jobs available: {asyncio.run(total_jobs(sys.argv[2:], sys.argv[1]))}")
