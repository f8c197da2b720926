"""The talk's async.html as a Node script (`clients/js/fanout.mjs`), measured by Node itself.

Node reports its own CPU, peak RSS growth and wall time around the fan-out, like every other
client's Meter; its start-up is not counted, as no Python client's interpreter start is.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from ..errors import ClientUnavailable, WorkerFailed
from ..progress import Progress
from ..records import Attempt, ClientSettings, LoopLag, Usage

SCRIPT = Path(__file__).with_name("js") / "fanout.mjs"


def node_binary(settings: ClientSettings) -> str:
    """The node to run: the settings' own (WorkerFailed if it is not there), else the one on
    PATH (ClientUnavailable if none)."""
    found = shutil.which(settings.node or "node")
    if found is None and settings.node:  # a path the scenario named: a typo, not a missing tool
        raise WorkerFailed(f"node {settings.node} not found")
    if found is None:
        raise ClientUnavailable("node not installed")
    return found


def run(
    zips: Sequence[str], base_url: str, settings: ClientSettings, progress: Progress
) -> list[Attempt]:
    """Run the fan-out in Node and read back its attempts and its own measurements."""
    job = {
        "url": base_url, "zips": list(zips), "api": settings.api, "per_page": settings.per_page,
        "concurrency": settings.concurrency, "timeout": settings.timeout,
        "retries": settings.retries, "backoff": settings.backoff,
        "backoff_max": settings.backoff_max, "speed": settings.speed, "cpu": settings.cpu,
        "cpu_kind": settings.cpu_kind, "headers": progress.mark,
    }  # fmt: skip
    completed = subprocess.run(
        [node_binary(settings), str(SCRIPT)],
        input=json.dumps(job), capture_output=True, text=True, check=False,
    )  # fmt: skip
    if completed.returncode != 0 or not completed.stdout.strip():
        lines = completed.stderr.strip().splitlines() or [f"exit code {completed.returncode}"]
        raise WorkerFailed(f"node failed: {lines[-1]}")
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    progress.usage = Usage(**result["usage"])
    if result.get("loop_lag"):  # perf_hooks.monitorEventLoopDelay's figures
        progress.loop_lag = LoopLag.from_dict(result["loop_lag"])
    progress.done = len(zips)
    return [Attempt(**record) for record in result["attempts"]]
