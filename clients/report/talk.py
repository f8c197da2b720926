"""The talk's printout, as its scripts' ResourceHelper printed it."""

from __future__ import annotations

from ..records import Usage


def talk_block(total: int, usage: Usage) -> str:
    """The talk's printout: `jobs available: N`, then mem, utime, stime, cpu and time; then,
    where it was measured, `vmem` (peak virtual memory growth: where thread stacks show)."""
    lines = [
        f"jobs available: {total}",
        f"mem: {usage.mem}",
        f"utime: {usage.utime:.3f}",
        f"stime: {usage.stime:.3f}",
        f"cpu: {usage.cpu:.3f}",
        f"time: {usage.time:.3f}",
    ]
    if usage.vmem is not None:
        lines.append(f"vmem: {usage.vmem}")
    return "\n".join(lines)
