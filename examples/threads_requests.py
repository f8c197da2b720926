"""The talk's job with `requests` and a thread pool: sum the job counts of many zips.

    python examples/threads_requests.py URL ZIPS_FILE [--concurrency N] [--timeout S] [--retries N]

Prints `jobs available: N`, as the talk's scripts did. An ordinary script: it knows nothing of
asynchronicity, which runs it as `kind = "command"` and measures it from outside.
"""

from __future__ import annotations

import argparse
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

local = threading.local()  # one Session (one kept-alive connection) per thread


def session() -> requests.Session:
    """This thread's Session."""
    if not hasattr(local, "session"):
        local.session = requests.Session()
    return local.session


def count(url: str, zip_code: str, timeout: float, retries: int) -> int:
    """One zip's TotalJobs, retrying timeouts, resets and 5xx/429 with a doubling backoff."""
    for attempt in range(retries + 1):
        try:
            response = session().get(
                f"{url}/api/jobs", params={"LocationId": zip_code}, timeout=timeout
            )
            if response.status_code == 200:
                return int(response.json()["TotalJobs"])
        except (requests.RequestException, ValueError, KeyError):
            pass
        if attempt < retries:
            time.sleep(0.05 * 2**attempt)
    raise RuntimeError(f"{zip_code}: no answer after {retries + 1} attempts")


def main() -> None:
    """Read the zips, fan out over a pool, print the total."""
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("zips_file", type=Path)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--retries", type=int, default=2)
    args = parser.parse_args()
    zips = args.zips_file.read_text().split()
    workers = args.concurrency or len(zips)  # 0: a thread per zip
    with ThreadPoolExecutor(max_workers=workers) as pool:
        counts = pool.map(lambda z: count(args.url, z, args.timeout, args.retries), zips)
        print(f"jobs available: {sum(counts)}")


if __name__ == "__main__":
    main()
